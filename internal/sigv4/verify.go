package sigv4

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"strings"
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
	target := r.RequestURI
	if target == "" {
		target = r.URL.RequestURI()
	}
	if i := strings.Index(target, "://"); i >= 0 && !strings.HasPrefix(target, "/") {
		rest := target[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			target = rest[j:]
		} else {
			target = "/"
		}
	}
	path, query, _ := strings.Cut(target, "?")
	h := r.Header
	if h.Get("Content-Length") == "" && r.ContentLength > 0 {
		h = h.Clone()
		h.Set("Content-Length", fmt.Sprint(r.ContentLength))
	}
	return &Request{Method: r.Method, RawPath: path, RawQuery: query, Host: r.Host, Header: h}
}

// Result describes an accepted request.
type Result struct {
	Credential Credential
	Auth       *Auth
	// SignedAt is the request time from X-Amz-Date or Date.
	SignedAt time.Time
	// SessionToken is the token presented, if any.
	SessionToken string
	// CanonicalRequest and StringToSign that matched (for debug logs; they
	// contain no secrets).
	CanonicalRequest string
	StringToSign     string
}

// Verifier checks SigV4 signatures. Safe for concurrent use.
type Verifier struct {
	o     Options
	cache *keyCache
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
	return &Verifier{o: o, cache: newKeyCache(o.KeyCacheSize)}, nil
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
	authzVals := req.Header.Values("Authorization")
	params := ParseQuery(req.RawQuery, true)
	presigned := IsPresigned(params)
	switch {
	case len(authzVals) == 0 && !presigned:
		return nil, &Error{Code: CodeMissingAuthenticationToken, Message: msgMissingToken}
	case len(authzVals) > 0 && presigned, len(authzVals) > 1:
		return nil, &Error{Code: CodeIncompleteSignature, Message: msgBothMechanisms}
	}

	var (
		a       *Auth
		amzDate string
		ts      time.Time
		token   string
	)
	if presigned {
		var err error
		if a, err = ParsePresigned(params); err != nil {
			return nil, err
		}
		var ok bool
		if ts, ok = ParseAmzDate(a.AmzDate); !ok {
			return nil, badDate(a.AmzDate)
		}
		amzDate = a.AmzDate
		token = a.SecurityToken
		if token == "" {
			token = req.Header.Get("X-Amz-Security-Token")
		}
	} else {
		var problems []string
		a, problems = parseAuthorization(authzVals[0])
		xd, dh := req.Header.Get("X-Amz-Date"), req.Header.Get("Date")
		if a != nil && xd == "" && dh == "" {
			problems = append(problems, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
		}
		if len(problems) > 0 {
			return nil, &Error{Code: CodeIncompleteSignature, Message: strings.Join(problems, " ")}
		}
		if xd != "" {
			var ok bool
			if ts, ok = ParseAmzDate(xd); !ok {
				return nil, badDate(xd)
			}
			amzDate = xd
		} else {
			t, err := http.ParseTime(dh)
			if err != nil {
				return nil, badDate(dh)
			}
			ts, amzDate = t.UTC(), FormatTime(t)
		}
		token = req.Header.Get("X-Amz-Security-Token")
	}
	if !contains(a.SignedHeaders, "host") {
		return nil, &Error{Code: CodeIncompleteSignature, Message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."}
	}

	// Time.
	now := v.o.Now().UTC()
	if ts.After(now.Add(v.o.MaxSkew)) {
		return nil, newErr(CodeSignatureExpired, "Signature not yet current: %s is still later than %s (%s + %s)",
			amzDate, FormatTime(now.Add(v.o.MaxSkew)), FormatTime(now), window(v.o.MaxSkew))
	}
	if a.Expires == 0 && ts.Before(now.Add(-v.o.MaxSkew)) {
		return nil, newErr(CodeSignatureExpired, "Signature expired: %s is now earlier than %s (%s - %s)",
			amzDate, FormatTime(now.Add(-v.o.MaxSkew)), FormatTime(now), window(v.o.MaxSkew))
	}
	if a.Expires > 0 && now.After(ts.Add(a.Expires)) {
		return nil, newErr(CodeSignatureExpired, "Signature expired: %s is now earlier than %s (%s - %s)",
			amzDate, FormatTime(now.Add(-a.Expires)), FormatTime(now), window(a.Expires))
	}

	// Scope.
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
	if len(scopeProblems) > 0 {
		return nil, &Error{Code: CodeInvalidSignature, Message: strings.Join(scopeProblems, " ")}
	}

	// Credentials.
	cred, err := v.o.Lookup(ctx, a.AccessKeyID)
	if err != nil {
		if errors.Is(err, ErrUnknownAccessKey) {
			return nil, &Error{Code: CodeUnrecognizedClient, Message: msgInvalidToken}
		}
		return nil, fmt.Errorf("sigv4: look up access key: %w", err)
	}
	if cred.SessionToken != "" || token != "" {
		if subtle.ConstantTimeCompare([]byte(cred.SessionToken), []byte(token)) != 1 {
			return nil, &Error{Code: CodeUnrecognizedClient, Message: msgInvalidToken}
		}
	}
	if !cred.Expires.IsZero() && !now.Before(cred.Expires) {
		return nil, &Error{Code: CodeExpiredToken, Message: msgExpiredToken}
	}

	// Payload.
	payload := req.PayloadHash
	if v.o.AllowUnsignedPayload && req.Header.Get("X-Amz-Content-Sha256") == UnsignedPayload {
		payload = UnsignedPayload
	}
	if payload == "" {
		if req.HashPayload == nil {
			return nil, errors.New("sigv4: no payload hash supplied")
		}
		if payload, err = req.HashPayload(); err != nil {
			return nil, fmt.Errorf("sigv4: hash payload: %w", err)
		}
	}

	key := v.cache.get(a.AccessKeyID, cred.SecretAccessKey, a.Scope)
	headers := CanonicalHeaders(req.Header, req.Host, a.SignedHeaders)
	var firstCreq, firstSTS string
	for c := range candidates(req, a, params, !v.o.StrictPath) {
		creq := CanonicalRequest(req.Method, c.uri, c.query, headers, a.SignedHeaders, payload)
		sts := StringToSign(amzDate, a.Scope, creq)
		if firstCreq == "" {
			firstCreq, firstSTS = creq, sts
		}
		if subtle.ConstantTimeCompare([]byte(SignString(key, sts)), []byte(a.Signature)) == 1 {
			return &Result{Credential: cred, Auth: a, SignedAt: ts, SessionToken: token, CanonicalRequest: creq, StringToSign: sts}, nil
		}
	}
	return nil, mismatchError(firstCreq, firstSTS)
}

type candidate struct{ uri, query string }

// candidates yields the canonical URI and query variants real signers
// produce, most likely first: the path as sent, then normalised; '+' in the
// query as a space (form decoding), then literal; in the query form the
// security token signed, then added after signing. Variants are built only
// when the ones before them did not match, so a request signed the usual
// way costs one canonical URI and one query parse. params is
// ParseQuery(req.RawQuery, true), already parsed by the caller.
func candidates(req *Request, a *Auth, params []QueryParam, normalize bool) iter.Seq[candidate] {
	return func(yield func(candidate) bool) {
		canonicalQueries := func(params []QueryParam) []string {
			if a.Form != QueryForm {
				return []string{CanonicalQuery(params)}
			}
			qs := []string{CanonicalQuery(params, QuerySignature)}
			if a.SecurityToken != "" {
				qs = append(qs, CanonicalQuery(params, QuerySignature, QuerySecurityToken))
			}
			return qs
		}
		uri := CanonicalURI(req.RawPath, false)
		queries := canonicalQueries(params)
		for _, q := range queries {
			if !yield(candidate{uri, q}) {
				return
			}
		}
		if strings.Contains(req.RawQuery, "+") {
			literal := canonicalQueries(ParseQuery(req.RawQuery, false))
			for _, q := range literal {
				if !yield(candidate{uri, q}) {
					return
				}
			}
			queries = append(queries, literal...)
		}
		if !normalize {
			return
		}
		n := CanonicalURI(req.RawPath, true)
		if n == uri {
			return
		}
		for _, q := range queries {
			if !yield(candidate{n, q}) {
				return
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
