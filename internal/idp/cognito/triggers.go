package cognito

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/idp/tokens"
	"github.com/gatehouse/gatehouse/internal/store"
)

// TriggerInvoker runs a function synchronously with a JSON event and
// returns its JSON result. A function error (the handler threw) is reported
// as a *FunctionError; any other error is an invocation failure.
type TriggerInvoker interface {
	Invoke(ctx context.Context, functionName string, event []byte) ([]byte, error)
}

// InvokerFunc adapts a function to TriggerInvoker.
type InvokerFunc func(ctx context.Context, functionName string, event []byte) ([]byte, error)

// Invoke implements TriggerInvoker.
func (f InvokerFunc) Invoke(ctx context.Context, functionName string, event []byte) ([]byte, error) {
	return f(ctx, functionName, event)
}

// triggerTimeout is how long Cognito waits for one attempt of a trigger,
// and triggerAttempts how many attempts it makes when they time out
// (reference §6.1).
const (
	triggerTimeout  = 5 * time.Second
	triggerAttempts = 3
)

// FunctionError is a handler error reported by a TriggerInvoker.
type FunctionError struct {
	Message string
}

func (e *FunctionError) Error() string { return e.Message }

// maxTriggerResponse bounds a trigger's response.
const maxTriggerResponse = 256 << 10

// triggerEvent is the common Cognito trigger envelope (userpool.md §6.1).
type triggerEvent struct {
	Version       string          `json:"version"`
	TriggerSource string          `json:"triggerSource"`
	Region        string          `json:"region"`
	UserPoolID    string          `json:"userPoolId"`
	UserName      string          `json:"userName"`
	CallerContext callerContext   `json:"callerContext"`
	Request       map[string]any  `json:"request"`
	Response      json.RawMessage `json:"response"`
}

type callerContext struct {
	AWSSDKVersion string `json:"awsSdkVersion"`
	ClientID      string `json:"clientId"`
}

// triggerName maps a trigger source prefix to the name used in
// UserLambdaValidationException messages.
func triggerName(source string) string {
	name, _, _ := strings.Cut(source, "_")
	return name
}

// runTrigger invokes fn with the event and returns the decoded `response`
// member. An empty fn returns (nil, nil).
func (s *Server) runTrigger(ctx context.Context, fn string, ev triggerEvent) (json.RawMessage, error) {
	if fn == "" {
		return nil, nil
	}
	if ev.Version == "" {
		ev.Version = "1"
	}
	if ev.Response == nil {
		ev.Response = json.RawMessage("{}")
	}
	ev.Region = regionOf(ev.UserPoolID, s.cfg.Region)
	ev.CallerContext.AWSSDKVersion = "aws-sdk-unknown-unknown"
	if s.cfg.Triggers == nil {
		return nil, apiErr(excUnexpectedLambda, "%s invocation failed: no function runner configured.", triggerName(ev.TriggerSource))
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("marshal trigger event: %w", err)
	}
	out, err := s.invokeTrigger(ctx, fn, payload)
	if err != nil {
		var fe *FunctionError
		if errors.As(err, &fe) {
			return nil, apiErr(excUserLambdaValidation, "%s failed with error %s.", triggerName(ev.TriggerSource), fe.Message)
		}
		s.log.LogAttrs(ctx, slog.LevelWarn, "trigger invocation failed", slog.String("function", fn), slog.String("trigger", ev.TriggerSource), slog.String("error", err.Error()))
		return nil, apiErr(excUnexpectedLambda, "%s invocation failed due to error %s.", triggerName(ev.TriggerSource), "InvocationError")
	}
	if len(out) > maxTriggerResponse {
		return nil, apiErr(excInvalidLambdaResp, "Invalid lambda response: too large.")
	}
	var res struct {
		Response json.RawMessage `json:"response"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, apiErr(excInvalidLambdaResp, "Unrecognizable lambda output")
	}
	return res.Response, nil
}

// invokeTrigger invokes fn, giving each attempt triggerTimeout and trying
// again while an attempt timed out and ctx is still live, up to
// triggerAttempts in all. Any other outcome is final.
func (s *Server) invokeTrigger(ctx context.Context, fn string, payload []byte) (out []byte, err error) {
	for range triggerAttempts {
		actx, cancel := context.WithTimeout(ctx, triggerTimeout)
		out, err = s.cfg.Triggers.Invoke(actx, fn, payload)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
			return out, err
		}
	}
	return out, err
}

// userAttributesForTrigger renders attributes the way triggers see them:
// sub, cognito:user_status and every stored attribute as strings.
func userAttributesForTrigger(u store.User) map[string]string {
	m := map[string]string{"sub": u.Sub}
	for _, a := range u.Attributes {
		m[a.Name] = a.Value
	}
	if u.Status != "" {
		m["cognito:user_status"] = u.Status
	}
	return m
}

// preTokenV1 is the V1 response.
type preTokenV1 struct {
	ClaimsOverrideDetails *struct {
		ClaimsToAddOrOverride map[string]any  `json:"claimsToAddOrOverride"`
		ClaimsToSuppress      []string        `json:"claimsToSuppress"`
		GroupOverrideDetails  json.RawMessage `json:"groupOverrideDetails"`
	} `json:"claimsOverrideDetails"`
}

type groupOverride struct {
	GroupsToOverride   []string `json:"groupsToOverride"`
	IAMRolesToOverride []string `json:"iamRolesToOverride"`
	PreferredRole      *string  `json:"preferredRole"`
}

// preTokenV2 is the V2/V3 response.
type preTokenV2 struct {
	ClaimsAndScopeOverrideDetails *struct {
		IDTokenGeneration *struct {
			ClaimsToAddOrOverride map[string]any `json:"claimsToAddOrOverride"`
			ClaimsToSuppress      []string       `json:"claimsToSuppress"`
		} `json:"idTokenGeneration"`
		AccessTokenGeneration *struct {
			ClaimsToAddOrOverride map[string]any `json:"claimsToAddOrOverride"`
			ClaimsToSuppress      []string       `json:"claimsToSuppress"`
			ScopesToAdd           []string       `json:"scopesToAdd"`
			ScopesToSuppress      []string       `json:"scopesToSuppress"`
		} `json:"accessTokenGeneration"`
		GroupOverrideDetails json.RawMessage `json:"groupOverrideDetails"`
	} `json:"claimsAndScopeOverrideDetails"`
}

// parseGroupOverride: absent → nil (unchanged); present but null/empty →
// empty override (groups removed).
func parseGroupOverride(raw json.RawMessage) (*tokens.GroupOverride, error) {
	if raw == nil {
		return nil, nil
	}
	var g *groupOverride
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, err
	}
	out := &tokens.GroupOverride{}
	if g != nil {
		out.Groups, out.Roles = g.GroupsToOverride, g.IAMRolesToOverride
		if g.PreferredRole != nil {
			out.PreferredRole = *g.PreferredRole
		}
	}
	return out, nil
}

// v1Values keeps only string values (V1 claims are strings).
func v1Values(m map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for k, v := range m {
		switch v := v.(type) {
		case string:
			out[k] = v
		case nil:
		default:
			return nil, fmt.Errorf("claim %s is not a string", k)
		}
	}
	return out, nil
}

// parsePreToken turns a pre token generation response into overrides.
func parsePreToken(version string, raw json.RawMessage) (*tokens.Overrides, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	ov := &tokens.Overrides{}
	if version == "1" {
		var r preTokenV1
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, err
		}
		d := r.ClaimsOverrideDetails
		if d == nil {
			return nil, nil
		}
		add, err := v1Values(d.ClaimsToAddOrOverride)
		if err != nil {
			return nil, err
		}
		ov.ID = tokens.ClaimEdits{Add: add, Suppress: d.ClaimsToSuppress}
		if ov.Groups, err = parseGroupOverride(d.GroupOverrideDetails); err != nil {
			return nil, err
		}
		return ov, nil
	}
	var r preTokenV2
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, err
	}
	d := r.ClaimsAndScopeOverrideDetails
	if d == nil {
		return nil, nil
	}
	if g := d.IDTokenGeneration; g != nil {
		ov.ID = tokens.ClaimEdits{Add: g.ClaimsToAddOrOverride, Suppress: g.ClaimsToSuppress}
	}
	if g := d.AccessTokenGeneration; g != nil {
		ov.Access = tokens.ClaimEdits{Add: g.ClaimsToAddOrOverride, Suppress: g.ClaimsToSuppress}
		ov.ScopesToAdd, ov.ScopesToSuppress = g.ScopesToAdd, g.ScopesToSuppress
	}
	var err error
	if ov.Groups, err = parseGroupOverride(d.GroupOverrideDetails); err != nil {
		return nil, err
	}
	return ov, nil
}

func preTokenVersion(l store.LambdaConfig) string {
	switch l.PreTokenGenerationVersion {
	case "V2_0":
		return "2"
	case "V3_0":
		return "3"
	}
	return "1"
}

// preTokenGeneration runs the trigger, if configured, and returns overrides.
func (s *Server) preTokenGeneration(ctx context.Context, p store.UserPool, clientID string, u store.User, groups []tokens.GroupInfo, source string, clientMetadata map[string]string) (*tokens.Overrides, error) {
	fn := p.Settings.Lambda.PreTokenGeneration
	if fn == "" {
		return nil, nil
	}
	version := preTokenVersion(p.Settings.Lambda)
	names, roles := []string{}, []string{}
	var preferred any
	best := int64(-1)
	for _, g := range groups {
		names = append(names, g.Name)
		if g.RoleArn != "" {
			roles = append(roles, g.RoleArn)
			if best == -1 || g.Precedence < best {
				best, preferred = g.Precedence, g.RoleArn
			}
		}
	}
	req := map[string]any{
		"userAttributes": userAttributesForTrigger(u),
		"groupConfiguration": map[string]any{
			"groupsToOverride":   names,
			"iamRolesToOverride": roles,
			"preferredRole":      preferred,
		},
	}
	if clientMetadata != nil {
		req["clientMetadata"] = clientMetadata
	}
	if version != "1" {
		req["scopes"] = []string{tokens.AdminScope}
	}
	raw, err := s.runTrigger(ctx, fn, triggerEvent{
		Version: version, TriggerSource: source, UserPoolID: p.ID, UserName: u.Username,
		CallerContext: callerContext{ClientID: clientID}, Request: req,
	})
	if err != nil {
		return nil, err
	}
	ov, err := parsePreToken(version, raw)
	if err != nil {
		return nil, apiErr(excInvalidLambdaResp, "Invalid lambda response: %s", limitString(err.Error(), 200))
	}
	return ov, nil
}

// simpleTrigger runs a trigger whose response carries nothing the server
// uses except for PreSignUp's flags, which are returned raw.
func (s *Server) simpleTrigger(ctx context.Context, fn, source string, p store.UserPool, clientID string, u store.User, extra map[string]any) (json.RawMessage, error) {
	req := map[string]any{"userAttributes": userAttributesForTrigger(u)}
	for k, v := range extra {
		req[k] = v
	}
	return s.runTrigger(ctx, fn, triggerEvent{
		TriggerSource: source, UserPoolID: p.ID, UserName: u.Username,
		CallerContext: callerContext{ClientID: clientID}, Request: req,
	})
}
