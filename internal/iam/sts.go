package iam

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/policy"
	"github.com/gatehouse/gatehouse/internal/sigv4"
)

// STS API constants.
const (
	STSVersion   = "2011-06-15"
	STSNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"
	// DefaultSTSMaxBody bounds the form body of an STS request.
	DefaultSTSMaxBody = 64 << 10
	// Session duration bounds of AssumeRole.
	MinSessionDuration     = 900 * time.Second
	DefaultSessionDuration = time.Hour
	MaxSessionDuration     = 12 * time.Hour
	// ChainedSessionLimit bounds sessions assumed by an assumed-role caller.
	ChainedSessionLimit = time.Hour
)

// STSOptions configure the STS handler.
type STSOptions struct {
	// Directory returns the current directory (swapped on reload).
	Directory func() *Directory
	// Region the requests must be signed for (settings.region).
	Region string
	// Now is the clock. Required.
	Now func() time.Time
	// Rand is the randomness for credentials; default crypto/rand.Reader.
	Rand io.Reader
	// Logger receives one record per issued session (never secrets).
	Logger *slog.Logger
	// MaxSkew is the SigV4 clock skew (default 5 minutes).
	MaxSkew time.Duration
	// MaxBody bounds the request body (default DefaultSTSMaxBody).
	MaxBody int64
	// RequestID returns a request id; default a random UUID.
	RequestID func() string
	// SourceIP resolves the client address for aws:SourceIp in trust
	// policies; nil leaves it unset.
	SourceIP func(*http.Request) netip.Addr
}

// STS is an http.Handler answering the STS Query API actions AssumeRole
// and GetCallerIdentity. Every request must be SigV4-signed (service "sts")
// by a known principal.
type STS struct {
	o        STSOptions
	verifier *sigv4.Verifier
}

// NewSTS returns the STS handler.
func NewSTS(o STSOptions) (*STS, error) {
	if o.Directory == nil || o.Now == nil || o.Region == "" {
		return nil, errors.New("iam: sts needs a directory, a clock and a region")
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultSTSMaxBody
	}
	if o.RequestID == nil {
		o.RequestID = uuid.NewString
	}
	v, err := sigv4.NewVerifier(sigv4.Options{
		Region: o.Region, Service: "sts", Now: o.Now, MaxSkew: o.MaxSkew,
		Lookup: func(ctx context.Context, id string) (sigv4.Credential, error) { return o.Directory().Lookup(ctx, id) },
	})
	if err != nil {
		return nil, fmt.Errorf("iam: sts verifier: %w", err)
	}
	return &STS{o: o, verifier: v}, nil
}

// stsError is an STS error response.
type stsError struct {
	status  int
	typ     string // Sender or Receiver
	code    string
	message string
}

func (e *stsError) Error() string { return e.code + ": " + e.message }

func senderErr(status int, code, format string, args ...any) *stsError {
	return &stsError{status: status, typ: "Sender", code: code, message: fmt.Sprintf(format, args...)}
}

// sigv4STSError maps a SigV4 refusal to STS's error code and status.
func sigv4STSError(err error) *stsError {
	var se *sigv4.Error
	if !errors.As(err, &se) {
		return &stsError{status: http.StatusInternalServerError, typ: "Receiver", code: "InternalFailure", message: "An internal error occurred."}
	}
	switch se.Code {
	case sigv4.CodeMissingAuthenticationToken:
		return senderErr(http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token")
	case sigv4.CodeIncompleteSignature:
		return senderErr(http.StatusBadRequest, "IncompleteSignature", "%s", se.Message)
	case sigv4.CodeUnrecognizedClient:
		return senderErr(http.StatusForbidden, "InvalidClientTokenId", "%s", se.Message)
	case sigv4.CodeExpiredToken:
		return senderErr(http.StatusBadRequest, "ExpiredToken", "%s", se.Message)
	}
	return senderErr(http.StatusForbidden, "SignatureDoesNotMatch", "%s", se.Message)
}

type xmlErrorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

type responseMetadata struct {
	RequestID string `xml:"RequestId"`
}

type xmlCredentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type xmlAssumeRoleResponse struct {
	XMLName xml.Name `xml:"AssumeRoleResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		AssumedRoleUser struct {
			Arn           string `xml:"Arn"`
			AssumedRoleID string `xml:"AssumedRoleId"`
		} `xml:"AssumedRoleUser"`
		Credentials xmlCredentials `xml:"Credentials"`
	} `xml:"AssumeRoleResult"`
	ResponseMetadata responseMetadata `xml:"ResponseMetadata"`
}

type xmlGetCallerIdentityResponse struct {
	XMLName xml.Name `xml:"GetCallerIdentityResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		Arn     string `xml:"Arn"`
		UserID  string `xml:"UserId"`
		Account string `xml:"Account"`
	} `xml:"GetCallerIdentityResult"`
	ResponseMetadata responseMetadata `xml:"ResponseMetadata"`
}

func (s *STS) writeXML(w http.ResponseWriter, status int, reqID string, v any) {
	b, err := xml.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = nil
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", reqID)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (s *STS) writeError(w http.ResponseWriter, reqID string, e *stsError) {
	var r xmlErrorResponse
	r.Xmlns = STSNamespace
	r.Error.Type, r.Error.Code, r.Error.Message = e.typ, e.code, e.message
	r.RequestID = reqID
	s.writeXML(w, e.status, reqID, r)
}

// ServeHTTP implements http.Handler.
func (s *STS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := s.o.RequestID()
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		s.writeError(w, reqID, senderErr(http.StatusMethodNotAllowed, "InvalidAction", "Only GET and POST are supported."))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, s.o.MaxBody+1))
	if err != nil {
		s.writeError(w, reqID, senderErr(http.StatusBadRequest, "MalformedInput", "The request body could not be read."))
		return
	}
	if int64(len(body)) > s.o.MaxBody {
		s.writeError(w, reqID, senderErr(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "Request body must be at most %d bytes.", s.o.MaxBody))
		return
	}
	req := sigv4.FromHTTP(r)
	req.PayloadHash = sigv4.HashPayload(body)
	res, err := s.verifier.Verify(r.Context(), req)
	if err != nil {
		e := sigv4STSError(err)
		if e.typ == "Receiver" {
			s.o.Logger.ErrorContext(r.Context(), "sts: signature verification failed", "request_id", reqID, "err", err)
		}
		s.writeError(w, reqID, e)
		return
	}
	caller, ok := IdentityOf(res.Credential)
	if !ok {
		s.writeError(w, reqID, sigv4STSError(errors.New("no identity")))
		return
	}
	params, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		params = url.Values{}
	}
	if r.Method == http.MethodPost && len(body) > 0 {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			s.writeError(w, reqID, senderErr(http.StatusBadRequest, "MalformedInput", "The form body could not be parsed."))
			return
		}
		for k, v := range form {
			params[k] = append(params[k], v...)
		}
	}
	action, version := params.Get("Action"), params.Get("Version")
	if version != STSVersion || (action != "AssumeRole" && action != "GetCallerIdentity") {
		s.writeError(w, reqID, senderErr(http.StatusBadRequest, "InvalidAction", "Could not find operation %s for version %s", action, version))
		return
	}
	switch action {
	case "GetCallerIdentity":
		var out xmlGetCallerIdentityResponse
		out.Xmlns = STSNamespace
		out.Result.Arn, out.Result.UserID, out.Result.Account = caller.CallerARN(), caller.UserID, caller.Account
		out.ResponseMetadata.RequestID = reqID
		s.writeXML(w, http.StatusOK, reqID, out)
	case "AssumeRole":
		out, e := s.assumeRole(r, reqID, caller, params)
		if e != nil {
			s.writeError(w, reqID, e)
			return
		}
		s.writeXML(w, http.StatusOK, reqID, out)
	}
}

var sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]*$`)

func validationErr(format string, args ...any) *stsError {
	return senderErr(http.StatusBadRequest, "ValidationError", format, args...)
}

func (s *STS) assumeRole(r *http.Request, reqID string, caller *Identity, params url.Values) (*xmlAssumeRoleResponse, *stsError) {
	roleARN, sessionName := params.Get("RoleArn"), params.Get("RoleSessionName")
	switch {
	case !params.Has("RoleArn"):
		return nil, validationErr("1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null")
	case !params.Has("RoleSessionName"):
		return nil, validationErr("1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null")
	case len(roleARN) < 20 || len(roleARN) > 2048:
		return nil, validationErr("1 validation error detected: Value '%s' at 'roleArn' failed to satisfy constraint: Member must have length between 20 and 2048", roleARN)
	case len(sessionName) < 2 || len(sessionName) > 64:
		return nil, validationErr("1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must have length between 2 and 64", sessionName)
	case !sessionNamePattern.MatchString(sessionName):
		return nil, validationErr("1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*", sessionName)
	}
	dir := s.o.Directory()
	chained := caller.Type == TypeAssumedRole
	duration := DefaultSessionDuration
	if v := params.Get("DurationSeconds"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		switch {
		case err != nil:
			return nil, validationErr("1 validation error detected: Value '%s' at 'durationSeconds' failed to satisfy constraint: Member must be a number", v)
		case n < int64(MinSessionDuration/time.Second):
			return nil, validationErr("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900", n)
		case n > int64(MaxSessionDuration/time.Second):
			return nil, validationErr("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200", n)
		}
		duration = time.Duration(n) * time.Second
		if chained && duration > ChainedSessionLimit {
			return nil, validationErr("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
		}
	}
	if caller.IsRoot() {
		return nil, senderErr(http.StatusForbidden, "AccessDenied", "Roles may not be assumed by root accounts.")
	}
	denied := senderErr(http.StatusForbidden, "AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", caller.CallerARN(), roleARN)
	role, ok := dir.RoleByARN(roleARN)
	if !ok {
		return nil, denied
	}
	if duration > role.MaxSessionDuration {
		return nil, validationErr("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	now := s.o.Now().UTC()
	if !s.trusted(r, now, caller, role) {
		return nil, denied
	}
	store := dir.Sessions()
	if store == nil {
		return nil, &stsError{status: http.StatusInternalServerError, typ: "Receiver", code: "InternalFailure", message: "Temporary credentials are not enabled."}
	}
	sess, err := s.newSession(now, duration, role, sessionName, caller)
	if err != nil {
		s.o.Logger.ErrorContext(r.Context(), "sts: generate credentials", "request_id", reqID, "err", err)
		return nil, &stsError{status: http.StatusInternalServerError, typ: "Receiver", code: "InternalFailure", message: "An internal error occurred."}
	}
	if err := store.Put(r.Context(), sess); err != nil {
		if errors.Is(err, ErrSessionStoreFull) {
			return nil, senderErr(http.StatusBadRequest, "Throttling", "Rate exceeded")
		}
		s.o.Logger.ErrorContext(r.Context(), "sts: store session", "request_id", reqID, "err", err)
		return nil, &stsError{status: http.StatusInternalServerError, typ: "Receiver", code: "InternalFailure", message: "An internal error occurred."}
	}
	id := dir.SessionIdentity(role, sess)
	s.o.Logger.InfoContext(r.Context(), "sts: role assumed", "request_id", reqID, "caller", caller.CallerARN(),
		"role", role.ARN, "session", sessionName, "access_key_id", sess.AccessKeyID, "expiration", sess.Expiration)

	var out xmlAssumeRoleResponse
	out.Xmlns = STSNamespace
	out.Result.AssumedRoleUser.AssumedRoleID = id.UserID
	out.Result.AssumedRoleUser.Arn = id.SessionARN
	out.Result.Credentials = xmlCredentials{
		AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.SecretAccessKey, SessionToken: sess.SessionToken,
		Expiration: sess.Expiration.UTC().Format(time.RFC3339),
	}
	out.ResponseMetadata.RequestID = reqID
	return &out, nil
}

// trusted decides whether caller may assume role. The trust policy must
// allow it. A caller of another account than the role's also needs an
// allow from its own identity policies. Within one account, an allowing
// statement that lists the caller's own ARN suffices; when the trust policy
// admits the caller only as "*" or as a principal of its account (however
// its conditions narrow that), the caller's identity policies must allow
// sts:AssumeRole on the role too, as in IAM for access granted to the
// account.
func (s *STS) trusted(r *http.Request, now time.Time, caller *Identity, role *Role) bool {
	ctx := &policy.Context{Now: now, SecureTransport: r.TLS != nil, Principal: caller.PolicyIdentity()}
	if s.o.SourceIP != nil {
		ctx.SourceIP = s.o.SourceIP(r)
	}
	if ua := r.UserAgent(); ua != "" {
		ctx.UserAgent = &ua
	}
	req := &policy.Request{Action: "sts:AssumeRole", Resource: role.ARN, Context: ctx}
	d := role.Trust.Evaluate(req)
	if d.Effect != policy.Allow {
		return false
	}
	if role.Account == "" || caller.Account == role.Account {
		for _, m := range d.Matches {
			if m.Effect == policy.StatementAllow && m.NamesPrincipal {
				return true // granted to this principal specifically
			}
		}
	}
	// Cross-account (whoever the trust policy names), or granted to the
	// account or to everyone: the caller's own policies must allow as well.
	return policy.Evaluate(req, caller.ParsedPolicies()...).Effect == policy.Allow
}

var keyIDEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

func (s *STS) newSession(now time.Time, d time.Duration, role *Role, name string, caller *Identity) (Session, error) {
	buf := make([]byte, 10+30+96)
	if _, err := io.ReadFull(s.o.Rand, buf); err != nil {
		return Session{}, fmt.Errorf("read random: %w", err)
	}
	return Session{
		AccessKeyID:     "ASIA" + keyIDEncoding.EncodeToString(buf[:10]),
		SecretAccessKey: base64.StdEncoding.EncodeToString(buf[10:40]),
		SessionToken:    strings.TrimRight(base64.StdEncoding.EncodeToString(buf[40:]), "="),
		IssuedAt:        now,
		Expiration:      now.Add(d),
		RoleARN:         role.ARN,
		SessionName:     name,
		SourceARN:       caller.CallerARN(),
	}, nil
}
