package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/internal/arn"
	"github.com/gatehouse/gatehouse/internal/authz/respolicy"
	"github.com/gatehouse/gatehouse/internal/policy"
)

// Exit codes of `gatehouse policy simulate`.
const (
	simulateAllowed = 0
	simulateDenied  = 1
	simulateInvalid = 2
)

// maxPolicyFile bounds a policy file read by the simulator (AWS's largest
// policy documents are far smaller; policy.Parse applies its own limit).
const maxPolicyFile = 1 << 20

func newPolicy() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Work with IAM policies (identity, resource and authorizer policies)",
	}
	cmd.AddCommand(newPolicySimulate(time.Now))
	return cmd
}

// simulateFlags are the inputs of `policy simulate`.
type simulateFlags struct {
	identity   []string
	resource   string
	authorizer string
	authType   string

	action, resourceARN                string
	region, apiAccount, api, stage     string
	method, path                       string
	sourceIP, timeText, userAgent, ref string
	secure                             bool
	context                            []string

	principalARN, account, username, userID, orgID string
	tags                                           []string
}

func newPolicySimulate(now func() time.Time) *cobra.Command {
	var f simulateFlags
	cmd := &cobra.Command{
		Use:   "simulate",
		Short: "Evaluate policies against a request and explain the decision",
		Long: "Evaluate identity policies, a REST API resource policy and/or a Lambda authorizer's policy\n" +
			"against one request, combined as API Gateway combines them for the route's authorization\n" +
			"type, and print the decision with every statement and condition that decided it.\n\n" +
			"Policy files are JSON or YAML. The resource is given with --resource (any ARN) or built from\n" +
			"--api/--stage/--method/--path (+ --region, --api-account) as an execute-api method ARN.\n\n" +
			"Exit status: 0 when the request is allowed, 1 when it is denied (explicitly or implicitly),\n" +
			"2 when the input is invalid (unreadable or invalid policy, bad flag value).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSimulate(cmd.OutOrStdout(), cmd.ErrOrStderr(), &f, now)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&f.identity, "identity-policy", "i", nil, "identity policy file of the caller (repeatable; evaluated together)")
	fl.StringVarP(&f.resource, "resource-policy", "r", "", "REST API resource policy file")
	fl.StringVar(&f.authorizer, "authorizer-policy", "", "policy file returned by a Lambda authorizer (implies --auth-type CUSTOM)")
	fl.StringVar(&f.authType, "auth-type", "", "route authorization: NONE, AWS_IAM, CUSTOM or COGNITO_USER_POOLS (default: CUSTOM with --authorizer-policy, AWS_IAM with a caller or identity policies, else NONE)")
	fl.StringVar(&f.action, "action", respolicy.InvokeAction, "action to authorize")
	fl.StringVar(&f.resourceARN, "resource", "", "resource ARN (instead of --api/--stage/--method/--path)")
	fl.StringVar(&f.region, "region", "us-east-1", "region of the API (execute-api ARN)")
	fl.StringVar(&f.apiAccount, "api-account", "", "account that owns the API (default: the account in --resource, else the caller's)")
	fl.StringVar(&f.api, "api", "", "API id (execute-api ARN)")
	fl.StringVar(&f.stage, "stage", "", "stage name (execute-api ARN)")
	fl.StringVar(&f.method, "method", "GET", "HTTP method the client sends (execute-api ARN)")
	fl.StringVar(&f.path, "path", "/", "request path after the stage (execute-api ARN)")
	fl.StringVar(&f.sourceIP, "source-ip", "", "client address (aws:SourceIp)")
	fl.StringVar(&f.timeText, "time", "", "request time, RFC 3339 (aws:CurrentTime, aws:EpochTime; default: now)")
	fl.BoolVar(&f.secure, "secure-transport", false, "the request came over TLS (aws:SecureTransport)")
	fl.StringVar(&f.userAgent, "user-agent", "", "User-Agent header (aws:UserAgent; absent when empty)")
	fl.StringVar(&f.ref, "referer", "", "Referer header (aws:Referer; absent when empty)")
	fl.StringArrayVar(&f.context, "context", nil, "other context key=value (repeatable; repeat a key for several values)")
	fl.StringVar(&f.principalARN, "principal-arn", "", "caller ARN: IAM user, role, account root, or an sts assumed-role session ARN")
	fl.StringVar(&f.account, "account", "", "caller account (aws:PrincipalAccount); alone, the caller is the account root")
	fl.StringVar(&f.username, "username", "", "IAM user name (aws:username); alone with --account, the user arn:aws:iam::ACCOUNT:user/NAME")
	fl.StringVar(&f.userID, "user-id", "", "caller unique id (aws:userid)")
	fl.StringVar(&f.orgID, "org-id", "", "caller organization id (aws:PrincipalOrgID)")
	fl.StringArrayVar(&f.tags, "tag", nil, "caller tag key=value (aws:PrincipalTag/key; repeatable)")
	return cmd
}

// simulation is a parsed, validated simulate invocation.
type simulation struct {
	authType   respolicy.AuthType
	action     string
	resource   string
	apiAccount string
	ctx        *policy.Context
	identity   []*policy.Policy
	resPolicy  *policy.Policy
	authzPol   *policy.Policy
	// warnings are the policies' load warnings, located.
	warnings []string
}

func runSimulate(stdout, stderr io.Writer, f *simulateFlags, now func() time.Time) error {
	sim, err := buildSimulation(f, now)
	if err != nil {
		return &exitError{code: simulateInvalid, err: err}
	}
	for _, w := range sim.warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	var b bytes.Buffer
	allowed := sim.write(&b)
	if _, err := stdout.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write result: %w", err)
	}
	if !allowed {
		return &exitError{code: simulateDenied, err: errors.New("")}
	}
	return nil
}

func buildSimulation(f *simulateFlags, now func() time.Time) (*simulation, error) {
	sim := &simulation{action: f.action, ctx: &policy.Context{SecureTransport: f.secure}}
	if f.action == "" {
		return nil, errors.New("--action must not be empty")
	}
	caller, err := f.caller()
	if err != nil {
		return nil, err
	}
	sim.authType, err = f.auth(caller != nil)
	if err != nil {
		return nil, err
	}
	if caller != nil && sim.authType != respolicy.AuthIAM {
		return nil, fmt.Errorf("a caller (--principal-arn, --account, --username) needs --auth-type AWS_IAM; %s routes see anonymous callers", sim.authType)
	}
	if len(f.identity) > 0 && sim.authType != respolicy.AuthIAM {
		return nil, fmt.Errorf("--identity-policy needs --auth-type AWS_IAM, not %s", sim.authType)
	}
	if f.authorizer != "" && sim.authType != respolicy.AuthLambda {
		return nil, fmt.Errorf("--authorizer-policy needs --auth-type CUSTOM, not %s", sim.authType)
	}
	if sim.authType == respolicy.AuthIAM && caller == nil {
		return nil, errors.New("--auth-type AWS_IAM needs a caller: --principal-arn, or --account (with --username for a user)")
	}
	if sim.authType == respolicy.AuthLambda && f.authorizer == "" {
		return nil, errors.New("--auth-type CUSTOM needs --authorizer-policy")
	}
	if len(f.identity) == 0 && f.resource == "" && f.authorizer == "" {
		return nil, errors.New("nothing to simulate: give --identity-policy, --resource-policy or --authorizer-policy")
	}
	sim.ctx.Principal = caller

	scope, err := f.target(sim, caller)
	if err != nil {
		return nil, err
	}
	if err := f.requestContext(sim.ctx, now); err != nil {
		return nil, err
	}

	for _, file := range f.identity {
		p, err := sim.load(file, policy.ParseOptions{Name: file, Kind: policy.KindIdentity})
		if err != nil {
			return nil, err
		}
		sim.identity = append(sim.identity, p)
	}
	if f.resource != "" {
		sim.resPolicy, err = sim.load(f.resource, policy.ParseOptions{Name: f.resource, Kind: policy.KindResource, Scope: scope})
		if err != nil {
			return nil, err
		}
	}
	if f.authorizer != "" {
		sim.authzPol, err = sim.load(f.authorizer, policy.ParseOptions{Name: f.authorizer, Kind: policy.KindAny})
		if err != nil {
			return nil, err
		}
	}
	return sim, nil
}

// auth resolves --auth-type and its default.
func (f *simulateFlags) auth(hasCaller bool) (respolicy.AuthType, error) {
	switch strings.ToUpper(f.authType) {
	case "":
		switch {
		case f.authorizer != "":
			return respolicy.AuthLambda, nil
		case hasCaller || len(f.identity) > 0:
			return respolicy.AuthIAM, nil
		}
		return respolicy.AuthNone, nil
	case "NONE":
		return respolicy.AuthNone, nil
	case "AWS_IAM":
		return respolicy.AuthIAM, nil
	case "CUSTOM", "REQUEST", "TOKEN":
		return respolicy.AuthLambda, nil
	case "COGNITO_USER_POOLS", "JWT":
		return respolicy.AuthCognito, nil
	}
	return 0, fmt.Errorf("--auth-type %q: want NONE, AWS_IAM, CUSTOM or COGNITO_USER_POOLS", f.authType)
}

// target sets the resource and API account and returns the scope used to
// expand execute-api abbreviations in a resource policy.
func (f *simulateFlags) target(sim *simulation, caller *policy.Identity) (*policy.Scope, error) {
	built := f.api != "" || f.stage != ""
	if f.resourceARN != "" && built {
		return nil, errors.New("give either --resource or --api/--stage/--method/--path, not both")
	}
	sim.apiAccount = f.apiAccount
	if sim.apiAccount == "" && caller != nil {
		sim.apiAccount = caller.Account
	}
	if f.resourceARN != "" {
		a, err := arn.Parse(f.resourceARN)
		if err != nil {
			return nil, fmt.Errorf("--resource: %w", err)
		}
		sim.resource = f.resourceARN
		if f.apiAccount == "" && a.Account != "" {
			sim.apiAccount = a.Account
		}
		if e, err := arn.ParseExecuteAPI(f.resourceARN); err == nil {
			return &policy.Scope{Partition: e.Partition, Region: e.Region, Account: e.Account, APIID: e.APIID, ExpandPlaceholders: true}, nil
		}
		return nil, nil
	}
	if f.api == "" || f.stage == "" {
		return nil, errors.New("give --resource, or --api and --stage (with --method and --path) to build the execute-api ARN")
	}
	if !arn.IsAccountID(sim.apiAccount) {
		return nil, errors.New("--api-account: a 12-digit account id is needed to build the execute-api ARN (no caller account to default to)")
	}
	method := strings.ToUpper(f.method)
	if method == "" || method == "ANY" || strings.ContainsAny(method, "/ ") {
		return nil, fmt.Errorf("--method %q: give the verb the client sends", f.method)
	}
	sim.resource = arn.MethodARN(f.region, sim.apiAccount, f.api, f.stage, method, f.path)
	return &policy.Scope{Region: f.region, Account: sim.apiAccount, APIID: f.api, ExpandPlaceholders: true}, nil
}

// caller builds the IAM caller from the principal flags; nil when none.
func (f *simulateFlags) caller() (*policy.Identity, error) {
	if f.principalARN == "" && f.account == "" && f.username == "" && f.userID == "" && f.orgID == "" && len(f.tags) == 0 {
		return nil, nil
	}
	id := &policy.Identity{}
	switch {
	case f.principalARN != "":
		if err := identityFromARN(id, f.principalARN); err != nil {
			return nil, err
		}
		if f.account != "" && f.account != id.Account {
			return nil, fmt.Errorf("--account %s differs from the account of --principal-arn (%s)", f.account, id.Account)
		}
		if f.username != "" && f.username != id.Username {
			return nil, fmt.Errorf("--username %q differs from the user in --principal-arn", f.username)
		}
	case f.account == "":
		return nil, errors.New("the caller needs --principal-arn or --account")
	case f.username != "":
		id.Account, id.Type, id.Username = f.account, policy.PrincipalUser, f.username
		id.ARN = "arn:aws:iam::" + f.account + ":user/" + f.username
	default:
		id.Account, id.Type = f.account, policy.PrincipalAccount
		id.ARN = "arn:aws:iam::" + f.account + ":root"
	}
	if !arn.IsAccountID(id.Account) {
		return nil, fmt.Errorf("caller account %q is not a 12-digit account id", id.Account)
	}
	id.UserID, id.OrgID = f.userID, f.orgID
	if id.UserID == "" && id.Type == policy.PrincipalAccount {
		id.UserID = id.Account
	}
	for _, t := range f.tags {
		k, v, ok := strings.Cut(t, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--tag %q: want key=value", t)
		}
		if id.Tags == nil {
			id.Tags = map[string]string{}
		}
		id.Tags[k] = v
	}
	return id, nil
}

// identityFromARN fills the ARN, account, type and user name of id.
func identityFromARN(id *policy.Identity, s string) error {
	a, err := arn.Parse(s)
	if err != nil {
		return fmt.Errorf("--principal-arn: %w", err)
	}
	id.Account = a.Account
	switch {
	case a.Service == "iam" && a.Resource == "root":
		id.ARN, id.Type = s, policy.PrincipalAccount
	case a.Service == "iam" && strings.HasPrefix(a.Resource, "user/"):
		id.ARN, id.Type = s, policy.PrincipalUser
		id.Username = a.Resource[strings.LastIndexByte(a.Resource, '/')+1:]
	case a.Service == "iam" && strings.HasPrefix(a.Resource, "role/"):
		id.ARN, id.Type = s, policy.PrincipalAssumedRole
	case a.Service == "sts" && strings.HasPrefix(a.Resource, "assumed-role/"):
		role, session, ok := strings.Cut(strings.TrimPrefix(a.Resource, "assumed-role/"), "/")
		if !ok || role == "" || session == "" {
			return fmt.Errorf("--principal-arn %s: want assumed-role/ROLE/SESSION", s)
		}
		id.SessionARN, id.Type = s, policy.PrincipalAssumedRole
		id.ARN = "arn:" + a.Partition + ":iam::" + a.Account + ":role/" + role
	case a.Service == "sts" && strings.HasPrefix(a.Resource, "federated-user/"):
		id.ARN, id.Type = s, policy.PrincipalFederatedUser
	default:
		return fmt.Errorf("--principal-arn %s: want an IAM user, role or root ARN, or an sts assumed-role or federated-user ARN", s)
	}
	return nil
}

// requestContext fills the condition keys that do not come from the caller.
func (f *simulateFlags) requestContext(c *policy.Context, now func() time.Time) error {
	if f.timeText == "" {
		c.Now = now().UTC().Truncate(time.Second)
	} else {
		t, err := time.Parse(time.RFC3339, f.timeText)
		if err != nil {
			return fmt.Errorf("--time %q: want RFC 3339 such as 2026-03-01T10:00:00Z", f.timeText)
		}
		c.Now = t
	}
	if f.sourceIP != "" {
		ip, err := netip.ParseAddr(f.sourceIP)
		if err != nil {
			return fmt.Errorf("--source-ip %q: not an IP address", f.sourceIP)
		}
		c.SourceIP = ip
	}
	if f.userAgent != "" {
		ua := f.userAgent
		c.UserAgent = &ua
	}
	if f.ref != "" {
		r := f.ref
		c.Referer = &r
	}
	extra := map[string][]string{}
	var order []string
	for _, kv := range f.context {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return fmt.Errorf("--context %q: want key=value", kv)
		}
		lk := strings.ToLower(k)
		if _, seen := extra[lk]; !seen {
			order = append(order, lk)
		}
		extra[lk] = append(extra[lk], v)
	}
	for _, k := range order {
		c.Set(k, extra[k]...)
	}
	return nil
}

// write renders the simulation and reports whether the request is allowed.
func (sim *simulation) write(w *bytes.Buffer) bool {
	r := &policy.Request{Action: sim.action, Resource: sim.resource, Context: sim.ctx}
	fmt.Fprintf(w, "request\n  action:      %s\n  resource:    %s\n", sim.action, sim.resource)
	fmt.Fprintf(w, "  auth type:   %s\n", sim.authType)
	if p := sim.ctx.Principal; p != nil {
		fmt.Fprintf(w, "  caller:      %s (%s, account %s)\n", p.CallerARN(), p.Type, p.Account)
	} else {
		fmt.Fprintf(w, "  caller:      anonymous\n")
	}
	if sim.apiAccount != "" {
		fmt.Fprintf(w, "  api account: %s\n", sim.apiAccount)
	}

	var authz policy.Decision
	switch sim.authType {
	case respolicy.AuthIAM:
		w.WriteString("\nidentity policies\n")
		authz = sim.explainIdentity(w, r)
	case respolicy.AuthLambda:
		w.WriteString("\nauthorizer policy\n")
		authz = explain(w, r, sim.authzPol)
	}
	if sim.resPolicy != nil {
		w.WriteString("\nresource policy\n")
		rr := *r
		if sim.authType != respolicy.AuthIAM {
			// Only SigV4 callers are known to the resource policy.
			c := *sim.ctx
			c.Principal = nil
			rr.Context = &c
		}
		explain(w, &rr, sim.resPolicy)
	}

	o := respolicy.Decide(&respolicy.Input{
		Policy: sim.resPolicy, APIAccount: sim.apiAccount, AuthType: sim.authType,
		MethodARN: sim.resource, Action: sim.action, Context: sim.ctx,
	}, authz)
	fmt.Fprintf(w, "\nresult: %s\n  %s\n", o.Effect, o.Reason)
	if o.Message != "" {
		fmt.Fprintf(w, "  403 ACCESS_DENIED: %s\n", o.Message)
	}
	return o.Allowed
}

// explainIdentity evaluates the caller's identity policies as iamauth
// does: the root user of the API's account needs none.
func (sim *simulation) explainIdentity(w *bytes.Buffer, r *policy.Request) policy.Decision {
	if p := sim.ctx.Principal; p.Type == policy.PrincipalAccount && p.Account == sim.apiAccount {
		d := policy.Decision{Effect: policy.Allow, Reason: "account root: identity policies do not restrict the root user"}
		fmt.Fprintf(w, "decision: %s (%s)\n", d.Effect, d.Reason)
		return d
	}
	if len(sim.identity) == 0 {
		w.WriteString("(no identity policies given)\n")
	}
	return explain(w, r, sim.identity...)
}

// explain evaluates and prints one policy set.
func explain(w *bytes.Buffer, r *policy.Request, ps ...*policy.Policy) policy.Decision {
	d, traces := policy.Explain(r, ps...)
	// WriteExplanation only fails when its writer does; a bytes.Buffer does not.
	_ = policy.WriteExplanation(w, d, traces)
	return d
}

// load reads a JSON or YAML policy file and parses it; errors and warnings
// carry file:line:column.
func (sim *simulation) load(file string, opts policy.ParseOptions) (*policy.Policy, error) {
	fh, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("open policy: %w", err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxPolicyFile+1))
	if err != nil {
		return nil, fmt.Errorf("read policy %s: %w", file, err)
	}
	if len(data) > maxPolicyFile {
		return nil, fmt.Errorf("policy %s: larger than %d bytes", file, maxPolicyFile)
	}
	doc, positions, err := policyJSON(file, data)
	if err != nil {
		return nil, err
	}
	p, err := policy.Parse(doc, opts)
	if err != nil {
		var pe *policy.ParseError
		if errors.As(err, &pe) {
			return nil, problemsError(file, doc, positions, pe.Problems)
		}
		return nil, fmt.Errorf("policy %s: %w", file, err)
	}
	for _, w := range p.Warnings {
		sim.warnings = append(sim.warnings, locate(file, doc, positions, w)+w.Msg)
	}
	return p, nil
}

// problemsError lists every problem of a document with its position.
func problemsError(file string, doc []byte, positions map[string]yamlPos, probs []policy.Problem) error {
	var b strings.Builder
	for _, p := range probs {
		b.WriteString(locate(file, doc, positions, p))
		b.WriteString(p.Msg)
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "%d error(s) in %s", len(probs), file)
	return errors.New(b.String())
}

// locate renders "file:line:col: path: " for a problem; positions are YAML
// node positions when the file was YAML, byte offsets into doc otherwise.
func locate(file string, doc []byte, positions map[string]yamlPos, p policy.Problem) string {
	prefix := ""
	if p.Path != "" {
		prefix = p.Path + ": "
	}
	if positions == nil {
		line, col := p.Position(doc)
		return fmt.Sprintf("%s:%d:%d: %s", file, line, col, prefix)
	}
	for path := p.Path; ; {
		if pos, ok := positions[path]; ok {
			return fmt.Sprintf("%s:%d:%d: %s", file, pos.line, pos.col, prefix)
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return file + ": " + prefix
}

type yamlPos struct{ line, col int }

// policyJSON returns the document as JSON. A file that is JSON (by its
// extension, or its first character '{') is returned unchanged with nil
// positions; YAML is converted, recording the position of every field path.
func policyJSON(file string, data []byte) ([]byte, map[string]yamlPos, error) {
	ext := strings.ToLower(filepath.Ext(file))
	if ext == ".json" || (ext != ".yaml" && ext != ".yml" && bytes.HasPrefix(bytes.TrimSpace(data), []byte("{"))) {
		return data, nil, nil
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, nil, fmt.Errorf("policy %s: %w", file, err)
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) != 1 {
		return nil, nil, fmt.Errorf("policy %s: empty document", file)
	}
	c := yamlConverter{pos: map[string]yamlPos{}}
	var buf bytes.Buffer
	if err := c.write(&buf, root.Content[0], "", 0); err != nil {
		return nil, nil, fmt.Errorf("policy %s: %w", file, err)
	}
	return buf.Bytes(), c.pos, nil
}

// maxYAMLDepth bounds nesting (policy.Parse refuses deeper than 32 anyway).
const maxYAMLDepth = 40

// maxYAMLNodes bounds alias expansion.
const maxYAMLNodes = 100_000

type yamlConverter struct {
	pos   map[string]yamlPos
	nodes int
}

func (c *yamlConverter) write(buf *bytes.Buffer, n *yaml.Node, path string, depth int) error {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	c.nodes++
	if c.nodes > maxYAMLNodes {
		return errors.New("document too large (alias expansion)")
	}
	if depth > maxYAMLDepth {
		return fmt.Errorf("line %d: nesting deeper than %d levels", n.Line, maxYAMLDepth)
	}
	if _, ok := c.pos[path]; !ok {
		c.pos[path] = yamlPos{n.Line, n.Column}
	}
	switch n.Kind {
	case yaml.MappingNode:
		buf.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
				return fmt.Errorf("line %d: keys must be plain strings", k.Line)
			}
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSONString(buf, k.Value)
			buf.WriteByte(':')
			kp := k.Value
			if path != "" {
				kp = path + "." + k.Value
			}
			if err := c.write(buf, v, kp, depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, v := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := c.write(buf, v, path+"["+strconv.Itoa(i)+"]", depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			buf.WriteString("null")
		case "!!bool":
			b, err := strconv.ParseBool(strings.ToLower(n.Value))
			if err != nil {
				return fmt.Errorf("line %d: boolean %q: use true or false", n.Line, n.Value)
			}
			buf.WriteString(strconv.FormatBool(b))
		case "!!int", "!!float":
			if !json.Valid([]byte(n.Value)) {
				// 0x1F, 0o17, .inf: keep the text as a string.
				writeJSONString(buf, n.Value)
			} else {
				buf.WriteString(n.Value)
			}
		default:
			writeJSONString(buf, n.Value)
		}
	default:
		return fmt.Errorf("line %d: unsupported YAML node", n.Line)
	}
	return nil
}

func writeJSONString(buf *bytes.Buffer, s string) {
	b, _ := json.Marshal(s) // a string always marshals
	buf.Write(b)
}
