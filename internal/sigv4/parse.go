package sigv4

import (
	"strconv"
	"strings"
	"time"
)

// Form says where the SigV4 material was found.
type Form int

// Forms.
const (
	HeaderForm Form = iota + 1 // Authorization header
	QueryForm                  // presigned URL
)

// Limits on attacker-controlled input.
const (
	// MaxAuthorizationLen bounds the Authorization header value.
	MaxAuthorizationLen = 8 << 10
	// MaxSignedHeaders bounds the number of signed headers.
	MaxSignedHeaders = 128
	// MaxExpires is the longest presigned-URL validity AWS accepts (7 days).
	MaxExpires = 604800 * time.Second
)

// Credential-scope fields as sent by the client (not yet checked).
type credentialScope struct {
	AccessKeyID string
	Date        string
	Region      string
	Service     string
	Terminator  string
}

// Auth is the SigV4 material of a request, parsed but not verified.
type Auth struct {
	Form        Form
	AccessKeyID string
	// Scope is the credential scope the client claims.
	Scope Scope
	// Terminator is the last credential element (must be aws4_request).
	Terminator string
	// SignedHeaders are the lower-case signed header names in the order sent.
	SignedHeaders []string
	// Signature is the lower-case hex signature.
	Signature string
	// Query form only: X-Amz-Date, X-Amz-Expires and X-Amz-Security-Token
	// from the query.
	AmzDate string
	// Expires is X-Amz-Expires; zero when absent.
	Expires       time.Duration
	SecurityToken string
}

func parseCredential(v string) (credentialScope, bool) {
	parts := strings.Split(v, "/")
	if len(parts) != 5 || parts[0] == "" {
		return credentialScope{}, false
	}
	return credentialScope{parts[0], parts[1], parts[2], parts[3], parts[4]}, true
}

func parseSignedHeaders(v string) ([]string, bool) {
	if v == "" {
		return nil, false
	}
	if strings.Count(v, ";") >= MaxSignedHeaders {
		return nil, false
	}
	hs := strings.Split(v, ";")
	for i, h := range hs {
		if h == "" {
			return nil, false
		}
		hs[i] = strings.ToLower(h)
	}
	return hs, true
}

func validSignature(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if _, ok := unhex(s[i]); !ok {
			return false
		}
	}
	return true
}

// ParseAuthorization parses an Authorization header value of the form
// "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...".
// It returns an *Error (CodeIncompleteSignature) with AWS's wording when the
// value is malformed or incomplete.
func ParseAuthorization(value string) (*Auth, error) {
	a, problems := parseAuthorization(value)
	if len(problems) > 0 {
		return nil, &Error{Code: CodeIncompleteSignature, Message: strings.Join(problems, " ")}
	}
	return a, nil
}

func parseAuthorization(value string) (*Auth, []string) {
	if len(value) > MaxAuthorizationLen {
		return nil, []string{"Authorization header is too long."}
	}
	v := strings.TrimSpace(value)
	alg, rest, _ := strings.Cut(v, " ")
	a := &Auth{Form: HeaderForm}
	seen := map[string]bool{}
	var problems []string
	for piece := range strings.SplitSeq(rest, ",") {
		piece = strings.TrimSpace(piece)
		if piece == "" {
			continue
		}
		k, val, ok := strings.Cut(piece, "=")
		if !ok {
			return nil, []string{"'" + piece + "' not a valid key=value pair (missing equal-sign) in Authorization header: '" + value + "'."}
		}
		if seen[k] {
			return nil, []string{"Authorization header has a duplicate '" + k + "' parameter."}
		}
		seen[k] = true
		switch k {
		case "Credential":
			c, ok := parseCredential(val)
			if !ok {
				return nil, []string{"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" + val + "'"}
			}
			a.AccessKeyID = c.AccessKeyID
			a.Scope = Scope{Date: c.Date, Region: c.Region, Service: c.Service}
			a.Terminator = c.Terminator
		case "SignedHeaders":
			hs, ok := parseSignedHeaders(val)
			if !ok {
				return nil, []string{"Authorization header has an invalid 'SignedHeaders' parameter."}
			}
			a.SignedHeaders = hs
		case "Signature":
			a.Signature = strings.ToLower(val)
		}
	}
	if alg != Algorithm {
		return nil, []string{"Unsupported AWS 'algorithm': '" + alg + "'."}
	}
	if !seen["Credential"] {
		problems = append(problems, "Authorization header requires 'Credential' parameter.")
	}
	if !seen["Signature"] {
		problems = append(problems, "Authorization header requires 'Signature' parameter.")
	}
	if !seen["SignedHeaders"] {
		problems = append(problems, "Authorization header requires 'SignedHeaders' parameter.")
	}
	if len(problems) == 0 && !validSignature(a.Signature) {
		problems = append(problems, "Authorization header has an invalid 'Signature' parameter.")
	}
	return a, problems
}

// Query parameter names of the presigned form.
const (
	QueryAlgorithm     = "X-Amz-Algorithm"
	QueryCredential    = "X-Amz-Credential"
	QueryDate          = "X-Amz-Date"
	QueryExpires       = "X-Amz-Expires"
	QuerySignedHeaders = "X-Amz-SignedHeaders"
	QuerySignature     = "X-Amz-Signature"
	QuerySecurityToken = "X-Amz-Security-Token"
)

// IsPresigned reports whether params carry presigned-URL SigV4 material.
func IsPresigned(params []QueryParam) bool {
	for _, p := range params {
		switch p.Name {
		case QueryAlgorithm, QueryCredential, QuerySignature:
			return true
		}
	}
	return false
}

// ParsePresigned parses the presigned query form from decoded parameters.
// It returns an *Error (CodeIncompleteSignature) when parameters are missing,
// repeated or malformed.
func ParsePresigned(params []QueryParam) (*Auth, error) {
	vals := map[string]string{}
	for _, p := range params {
		switch p.Name {
		case QueryAlgorithm, QueryCredential, QueryDate, QueryExpires, QuerySignedHeaders, QuerySignature, QuerySecurityToken:
			if _, dup := vals[p.Name]; dup {
				return nil, newErr(CodeIncompleteSignature, "Query-string parameter '%s' must not be repeated.", p.Name)
			}
			vals[p.Name] = p.Value
		}
	}
	for _, n := range []string{QueryAlgorithm, QueryCredential, QuerySignature, QueryDate, QuerySignedHeaders} {
		if _, ok := vals[n]; !ok {
			return nil, &Error{Code: CodeIncompleteSignature, Message: msgQueryParamsNeed}
		}
	}
	if vals[QueryAlgorithm] != Algorithm {
		return nil, newErr(CodeIncompleteSignature, "X-Amz-Algorithm only supports \"%s\".", Algorithm)
	}
	a := &Auth{Form: QueryForm, AmzDate: vals[QueryDate], SecurityToken: vals[QuerySecurityToken]}
	c, ok := parseCredential(vals[QueryCredential])
	if !ok {
		return nil, newErr(CodeIncompleteSignature, "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", vals[QueryCredential])
	}
	a.AccessKeyID = c.AccessKeyID
	a.Scope = Scope{Date: c.Date, Region: c.Region, Service: c.Service}
	a.Terminator = c.Terminator
	hs, ok := parseSignedHeaders(vals[QuerySignedHeaders])
	if !ok {
		return nil, newErr(CodeIncompleteSignature, "X-Amz-SignedHeaders is invalid.")
	}
	a.SignedHeaders = hs
	a.Signature = strings.ToLower(vals[QuerySignature])
	if !validSignature(a.Signature) {
		return nil, newErr(CodeIncompleteSignature, "X-Amz-Signature is invalid.")
	}
	exp, ok := vals[QueryExpires]
	if !ok {
		// Optional: without it the header form's skew window applies (the
		// AWS SDK for Go presigner omits it unless the caller sets it).
		return a, nil
	}
	n, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || n < 0 {
		return nil, newErr(CodeIncompleteSignature, "X-Amz-Expires should be a number")
	}
	// Compare in seconds: n*time.Second overflows (and wraps negative) for
	// large n, which would pass as a URL that never expires.
	if n < 1 || n > int64(MaxExpires/time.Second) {
		return nil, newErr(CodeIncompleteSignature, "X-Amz-Expires must be less than a week (in seconds) that is 604800")
	}
	a.Expires = time.Duration(n) * time.Second
	return a, nil
}

// ParseAmzDate parses an X-Amz-Date value (ISO-8601 basic, UTC).
func ParseAmzDate(v string) (time.Time, bool) {
	if len(v) != len(TimeFormat) {
		return time.Time{}, false
	}
	t, err := time.Parse(TimeFormat, v)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}
