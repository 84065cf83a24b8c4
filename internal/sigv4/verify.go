package sigv4

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Credential is what a CredentialLookup returns for an access key id.
type Credential struct {
	AccessKeyID     string
	SecretAccessKey string
	// SessionToken, when set, marks temporary credentials: the request must
	// present exactly this token in X-Amz-Security-Token.
	SessionToken string
	// Expires, when non-zero, is the instant temporary credentials stop
	// being valid.
	Expires time.Time
	// Principal is opaque caller data handed back in Result (for example the
	// identity the key belongs to).
	Principal any
}

// CredentialLookup finds the credential of an access key id. It returns an
// error wrapping ErrUnknownAccessKey for an unknown id.
type CredentialLookup func(ctx context.Context, accessKeyID string) (Credential, error)

// Options configure a Verifier.
type Options struct {
	// Region every credential scope must name. Required.
	Region string
	// Service every credential scope must name. Default "execute-api".
	Service string
	// Lookup resolves access key ids. Required.
	Lookup CredentialLookup
	// Now is the clock. Required.
	Now func() time.Time
	// MaxSkew is the allowed difference between the request time and Now
	// for the header form (and the future bound of the query form).
	// Default 5 minutes, as API Gateway.
	MaxSkew time.Duration
	// KeyCacheSize bounds the derived signing-key cache (entries). Default
	// 1024; negative disables the cache.
	KeyCacheSize int
	// AllowUnsignedPayload accepts X-Amz-Content-Sha256: UNSIGNED-PAYLOAD as
	// the payload hash. API Gateway refuses it, so the default is false: the
	// body's real hash is always used.
	AllowUnsignedPayload bool
	// StrictPath disables the second attempt with a dot-segment and
	// duplicate-slash normalised path (the SigV4 rule for non-S3 services).
	StrictPath bool
}

// Request is the part of an HTTP request that SigV4 covers.
type Request struct {
	Method string
	// RawPath is the path exactly as received on the wire, without the
	// query ("/dev/a%20b"); for API Gateway it includes the stage.
	RawPath string
	// RawQuery is the query string as received, without '?'.
	RawQuery string
	// Host is the Host header value (used when Header has no Host entry).
	Host   string
	Header http.Header
	// PayloadHash is the lower-case hex SHA-256 of the body. When empty,
	// HashPayload is called (only once the request is otherwise valid).
	PayloadHash string
	HashPayload func() (string, error)
}

// FromHTTP builds a Request from a server-side *http.Request. The raw path
// and query come from RequestURI (the request target as sent). The payload
// hash is left to the caller.
func FromHTTP(r *http.Request) *Request {
	q := &Request{}
	q.SetFromHTTP(r)
	return q
}

// SetFromHTTP is FromHTTP filling q (so a caller can keep q on its stack);
// it resets every field.
func (q *Request) SetFromHTTP(r *http.Request) {
	target := r.RequestURI
	if target == "" {
		target = r.URL.RequestURI()
	}
	// Absolute form: strip scheme and authority. (The origin form, the
	// usual case, starts with '/' and skips the scan.)
	if !strings.HasPrefix(target, "/") {
		if i := strings.Index(target, "://"); i >= 0 {
			rest := target[i+3:]
			if j := strings.IndexByte(rest, '/'); j >= 0 {
				target = rest[j:]
			} else {
				target = "/"
			}
		}
	}
	path, query, _ := strings.Cut(target, "?")
	h := r.Header
	if r.ContentLength > 0 && h.Get("Content-Length") == "" {
		h = h.Clone()
		h.Set("Content-Length", fmt.Sprint(r.ContentLength))
	}
	*q = Request{Method: r.Method, RawPath: path, RawQuery: query, Host: r.Host, Header: h}
}

// Result describes an accepted request.
type Result struct {
	Credential Credential
	Auth       *Auth
	// SignedAt is the request time from X-Amz-Date or Date.
	SignedAt time.Time
	// SessionToken is the token presented, if any.
	SessionToken string

	// What the matching candidate was built from, for CanonicalRequest and
	// StringToSign.
	req     *Request
	payload string
	amzDate string
	cand    candidate
}

// CanonicalRequest returns the canonical request that matched (for debug
// logs; it contains no secrets). It is rebuilt on each call from a copy of
// the verified Request (which shares its Header map: call it before
// changing the request's headers).
func (r *Result) CanonicalRequest() string {
	q := r.req.RawQuery
	return CanonicalRequest(r.req.Method, CanonicalURI(r.req.RawPath, r.cand.normalize),
		CanonicalQuery(ParseQuery(q, !r.cand.literal), r.cand.exclude.names()...),
		CanonicalHeaders(r.req.Header, r.req.Host, r.Auth.SignedHeaders), r.Auth.SignedHeaders, r.payload)
}

// StringToSign returns the string to sign that matched (see
// CanonicalRequest).
func (r *Result) StringToSign() string {
	return StringToSign(r.amzDate, r.Auth.Scope, r.CanonicalRequest())
}

// verified is a Result, its Auth and a copy of the verified Request in one
// allocation.
type verified struct {
	res  Result
	auth Auth
	req  Request
}

// Verifier checks SigV4 signatures. Safe for concurrent use.
type Verifier struct {
	o       Options
	cache   *keyCache
	scratch sync.Pool // of *scratch
}

// NewVerifier returns a Verifier for o.
func NewVerifier(o Options) (*Verifier, error) {
	if o.Region == "" || o.Lookup == nil || o.Now == nil {
		return nil, errors.New("sigv4: region, lookup and clock are required")
	}
	if o.Service == "" {
		o.Service = "execute-api"
	}
	if o.MaxSkew == 0 {
		o.MaxSkew = 5 * time.Minute
	}
	if o.KeyCacheSize == 0 {
		o.KeyCacheSize = 1024
	}
	v := &Verifier{o: o, cache: newKeyCache(o.KeyCacheSize)}
	v.scratch.New = func() any { return new(scratch) }
	return v, nil
}

func window(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d min.", int64(d/time.Minute))
	}
	return fmt.Sprintf("%d sec.", int64(d/time.Second))
}

func badDate(v string) *Error {
	return newErr(CodeIncompleteSignature, "Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", v)
}

// Verify checks req. It returns a *Error for every refusal (use errors.As)
// and a plain wrapped error only when the credential lookup or payload
// hashing fails internally.
func (v *Verifier) Verify(ctx context.Context, req *Request) (*Result, error) {
	s := v.scratch.Get().(*scratch)
	defer func() {
		s.release()
		v.scratch.Put(s)
	}()
	out := &verified{}
	vd, err := v.verify(ctx, req, s, &out.auth)
	if err != nil {
		return nil, err
	}
	out.req = *req
	out.req.HashPayload = nil
	out.res = Result{Credential: vd.cred, Auth: &out.auth, SignedAt: vd.signedAt, SessionToken: vd.token,
		req: &out.req, payload: vd.payload, amzDate: vd.amzDate, cand: vd.cand}
	return &out.res, nil
}

// VerifyCredential is Verify for callers that need only the verified
// credential and the session token presented (empty when none): it keeps
// the parsed SigV4 material in pooled memory and allocates no Result.
// Refusals and errors are those of Verify.
func (v *Verifier) VerifyCredential(ctx context.Context, req *Request) (cred Credential, sessionToken string, err error) {
	s := v.scratch.Get().(*scratch)
	defer func() {
		s.release()
		v.scratch.Put(s)
	}()
	vd, err := v.verify(ctx, req, s, &s.auth)
	if err != nil {
		return Credential{}, "", err
	}
	return vd.cred, vd.token, nil
}

// verdict is what verify established about an accepted request.
type verdict struct {
	cred     Credential
	signedAt time.Time
	token    string
	amzDate  string
	payload  string
	cand     candidate
}

// verify is Verify and VerifyCredential: it parses req's SigV4 material
// into a (which it overwrites) using s, and checks it.
func (v *Verifier) verify(ctx context.Context, req *Request, s *scratch, a *Auth) (verdict, error) {
	authzVals := req.Header.Values("Authorization")
	s.params = splitQuery(s.params[:0], req.RawQuery)
	presigned := isPresignedRaw(s.params)
	switch {
	case len(authzVals) == 0 && !presigned:
		return verdict{}, &Error{Code: CodeMissingAuthenticationToken, Message: msgMissingToken}
	case len(authzVals) > 0 && presigned, len(authzVals) > 1:
		return verdict{}, &Error{Code: CodeIncompleteSignature, Message: msgBothMechanisms}
	}

	var (
		amzDate string
		ts      time.Time
		token   string
	)
	if presigned {
		s.amz = appendAmzParams(s.amz[:0], s.params)
		if err := parsePresignedInto(a, s.amz); err != nil {
			return verdict{}, err
		}
		var ok bool
		if ts, ok = ParseAmzDate(a.AmzDate); !ok {
			return verdict{}, badDate(a.AmzDate)
		}
		amzDate = a.AmzDate
		token = a.SecurityToken
		if token == "" {
			token = req.Header.Get("X-Amz-Security-Token")
		}
	} else {
		problems, fatal := parseAuthorizationInto(a, authzVals[0])
		xd, dh := headerValue(req.Header, "x-amz-date"), req.Header.Get("Date")
		if !fatal && xd == "" && dh == "" {
			problems = append(problems, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
		}
		if len(problems) > 0 {
			return verdict{}, &Error{Code: CodeIncompleteSignature, Message: strings.Join(problems, " ")}
		}
		if xd != "" {
			var ok bool
			if ts, ok = ParseAmzDate(xd); !ok {
				return verdict{}, badDate(xd)
			}
			amzDate = xd
		} else {
			t, err := http.ParseTime(dh)
			if err != nil {
				return verdict{}, badDate(dh)
			}
			ts, amzDate = t.UTC(), FormatTime(t)
		}
		token = headerValue(req.Header, "x-amz-security-token")
	}
	if !contains(a.SignedHeaders, "host") {
		return verdict{}, &Error{Code: CodeIncompleteSignature, Message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."}
	}

	// Time.
	now := v.o.Now().UTC()
	if ts.After(now.Add(v.o.MaxSkew)) {
		return verdict{}, newErr(CodeSignatureExpired, "Signature not yet current: %s is still later than %s (%s + %s)",
			amzDate, FormatTime(now.Add(v.o.MaxSkew)), FormatTime(now), window(v.o.MaxSkew))
	}
	if a.Expires == 0 && ts.Before(now.Add(-v.o.MaxSkew)) {
		return verdict{}, newErr(CodeSignatureExpired, "Signature expired: %s is now earlier than %s (%s - %s)",
			amzDate, FormatTime(now.Add(-v.o.MaxSkew)), FormatTime(now), window(v.o.MaxSkew))
	}
	if a.Expires > 0 && now.After(ts.Add(a.Expires)) {
		return verdict{}, newErr(CodeSignatureExpired, "Signature expired: %s is now earlier than %s (%s - %s)",
			amzDate, FormatTime(now.Add(-a.Expires)), FormatTime(now), window(a.Expires))
	}

	// Scope.
	if a.Scope.Region != v.o.Region || a.Scope.Service != v.o.Service || a.Terminator != Terminator || a.Scope.Date != amzDate[:8] {
		var scopeProblems []string
		if a.Scope.Region != v.o.Region {
			scopeProblems = append(scopeProblems, fmt.Sprintf("Credential should be scoped to a valid region, not '%s'.", a.Scope.Region))
		}
		if a.Scope.Service != v.o.Service {
			scopeProblems = append(scopeProblems, fmt.Sprintf("Credential should be scoped to correct service: '%s'.", v.o.Service))
		}
		if a.Terminator != Terminator {
			scopeProblems = append(scopeProblems, fmt.Sprintf("Credential should be scoped with a valid terminator: '%s', not '%s'.", Terminator, a.Terminator))
		}
		if a.Scope.Date != amzDate[:8] {
			scopeProblems = append(scopeProblems, fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", a.Scope.Date, amzDate[:8], amzDate))
		}
		return verdict{}, &Error{Code: CodeInvalidSignature, Message: strings.Join(scopeProblems, " ")}
	}

	// Credentials.
	cred, err := v.o.Lookup(ctx, a.AccessKeyID)
	if err != nil {
		if errors.Is(err, ErrUnknownAccessKey) {
			return verdict{}, &Error{Code: CodeUnrecognizedClient, Message: msgInvalidToken}
		}
		return verdict{}, fmt.Errorf("sigv4: look up access key: %w", err)
	}
	if cred.SessionToken != "" || token != "" {
		if !constantTimeEqual(cred.SessionToken, token) {
			return verdict{}, &Error{Code: CodeUnrecognizedClient, Message: msgInvalidToken}
		}
	}
	if !cred.Expires.IsZero() && !now.Before(cred.Expires) {
		return verdict{}, &Error{Code: CodeExpiredToken, Message: msgExpiredToken}
	}

	// Payload.
	payload := req.PayloadHash
	if v.o.AllowUnsignedPayload && headerValue(req.Header, "x-amz-content-sha256") == UnsignedPayload {
		payload = UnsignedPayload
	}
	if payload == "" {
		if req.HashPayload == nil {
			return verdict{}, errors.New("sigv4: no payload hash supplied")
		}
		if payload, err = req.HashPayload(); err != nil {
			return verdict{}, fmt.Errorf("sigv4: hash payload: %w", err)
		}
	}

	// Signature (a.sig: decoded by the parsers).
	key := v.cache.get(a.AccessKeyID, cred.SecretAccessKey, a.Scope)
	s.hdrs = appendCanonicalHeaders(s.hdrs[:0], req.Header, req.Host, a.SignedHeaders)
	var firstCreq, firstSTS string
	match := func(c candidate, path string) bool {
		s.canonicalRequest(req.Method, path, !c.literal, c.exclude, payload)
		s.stringToSign(amzDate, a.Scope)
		key.sign(s.sts, &s.mac)
		if subtle.ConstantTimeCompare(s.mac[:], a.sig[:]) == 1 {
			return true
		}
		if firstCreq == "" {
			firstCreq, firstSTS = string(s.creq), string(s.sts)
		}
		return false
	}
	if c, ok := candidates(req, a, !v.o.StrictPath, match); ok {
		return verdict{cred: cred, signedAt: ts, token: token, amzDate: amzDate, payload: payload, cand: c}, nil
	}
	return verdict{}, mismatchError(firstCreq, firstSTS)
}

// headerValue is h.Get for a lower-case name (see headerValues).
func headerValue(h http.Header, name string) string {
	if v := headerValues(h, name); len(v) > 0 {
		return v[0]
	}
	return ""
}

// candidate is one way real signers build the canonical URI and query.
type candidate struct {
	normalize bool      // the path with dot segments and duplicate slashes removed
	literal   bool      // '+' in the query kept literally (not a space)
	exclude   exclusion // query parameters left out of the canonical query
}

// exclusion names the query parameters a canonical query leaves out.
type exclusion uint8

const (
	excludeNone      exclusion = iota // header form
	excludeSignature                  // query form: X-Amz-Signature
	excludeSigToken                   // query form, token added after signing: X-Amz-Signature and X-Amz-Security-Token
)

// excludes reports whether the parameter name is left out.
func (e exclusion) excludes(name string) bool {
	switch e {
	case excludeSignature:
		return name == QuerySignature
	case excludeSigToken:
		return name == QuerySignature || name == QuerySecurityToken
	}
	return false
}

// names lists the excluded parameters (for CanonicalQuery).
func (e exclusion) names() []string {
	switch e {
	case excludeSignature:
		return []string{QuerySignature}
	case excludeSigToken:
		return []string{QuerySignature, QuerySecurityToken}
	}
	return nil
}

// candidates tries the canonical URI and query variants real signers
// produce, most likely first, and returns the first that match accepts: the
// path as sent, then normalised; '+' in the query as a space (form
// decoding), then literal; in the query form the security token signed,
// then added after signing. Variants are built only when the ones before
// them did not match, so a request signed the usual way costs one canonical
// request. match gets the candidate and the path to canonicalise.
func candidates(req *Request, a *Auth, normalize bool, match func(c candidate, path string) bool) (candidate, bool) {
	excludes := [2]exclusion{excludeNone}
	n := 1
	if a.Form == QueryForm {
		excludes[0] = excludeSignature
		if a.SecurityToken != "" {
			excludes[1], n = excludeSigToken, 2
		}
	}
	literal := strings.Contains(req.RawQuery, "+")
	path := req.RawPath
	if path == "" {
		path = "/"
	}
	for _, norm := range [2]bool{false, true} {
		if norm {
			if !normalize {
				break
			}
			np := NormalizePath(path)
			if np == path {
				break
			}
			path = np
		}
		for _, lit := range [2]bool{false, true} {
			if lit && !literal {
				break
			}
			for _, ex := range excludes[:n] {
				if c := (candidate{normalize: norm, literal: lit, exclude: ex}); match(c, path) {
					return c, true
				}
			}
		}
	}
	return candidate{}, false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
