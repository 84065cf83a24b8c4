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

	// headers backs SignedHeaders for the usual handful of names.
	headers [6]string
	// sig is Signature decoded.
	sig [32]byte
}

func parseCredential(v string) (credentialScope, bool) {
	var parts [5]string
	for i := range 4 {
		j := strings.IndexByte(v, '/')
		if j < 0 {
			return credentialScope{}, false
		}
		parts[i], v = v[:j], v[j+1:]
	}
	if parts[0] == "" || strings.IndexByte(v, '/') >= 0 {
		return credentialScope{}, false
	}
	return credentialScope{parts[0], parts[1], parts[2], parts[3], v}, true
}

// parseSignedHeaders splits and lower-cases a SignedHeaders value, appending
// the names to dst (which may have spare capacity to avoid an allocation).
func parseSignedHeaders(dst []string, v string) ([]string, bool) {
	if v == "" {
		return nil, false
	}
	if strings.Count(v, ";") >= MaxSignedHeaders {
		return nil, false
	}
	for {
		h, rest, more := strings.Cut(v, ";")
		if h == "" {
			return nil, false
		}
		dst = append(dst, strings.ToLower(h))
		if !more {
			return dst, true
		}
		v = rest
	}
}

// setSignature validates a presented signature (64 hex digits, any case),
// stores it lower-cased in a.Signature and decoded in a.sig, in one pass.
func (a *Auth) setSignature(s string) bool {
	if len(s) != 2*len(a.sig) {
		a.Signature = strings.ToLower(s)
		return false
	}
	var flags byte
	for i := range a.sig {
		h, l := hexDigits[s[2*i]], hexDigits[s[2*i+1]]
		flags |= h | l
		a.sig[i] = h<<4 | l&0x0f
	}
	if flags&0x80 != 0 {
		a.Signature = strings.ToLower(s)
		return false
	}
	if flags&0x40 != 0 {
		s = strings.ToLower(s)
	}
	a.Signature = s
	return true
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
	a := &Auth{}
	if problems, _ := parseAuthorizationInto(a, value); len(problems) > 0 {
		return nil, problems
	}
	return a, nil
}

// parseAuthorizationInto parses value into a (which it overwrites) and
// returns AWS's complaints. fatal reports a complaint that stops parsing
// (AWS then reports it alone); otherwise the complaints are about missing or
// invalid parameters, and the caller may add its own to the list.
func parseAuthorizationInto(a *Auth, value string) (problems []string, fatal bool) {
	if len(value) > MaxAuthorizationLen {
		return []string{"Authorization header is too long."}, true
	}
	v := strings.TrimSpace(value)
	alg, rest, _ := strings.Cut(v, " ")
	*a = Auth{Form: HeaderForm}
	var seenCred, seenSH, seenSig, sigOK bool
	var seenOther map[string]bool
	for rest != "" {
		var piece string
		piece, rest, _ = strings.Cut(rest, ",")
		piece = strings.TrimSpace(piece)
		if piece == "" {
			continue
		}
		k, val, ok := strings.Cut(piece, "=")
		if !ok {
			return []string{"'" + piece + "' not a valid key=value pair (missing equal-sign) in Authorization header: '" + value + "'."}, true
		}
		var seen *bool
		switch k {
		case "Credential":
			seen = &seenCred
		case "SignedHeaders":
			seen = &seenSH
		case "Signature":
			seen = &seenSig
		default:
			if seenOther == nil {
				seenOther = map[string]bool{}
			}
			if seenOther[k] {
				return []string{"Authorization header has a duplicate '" + k + "' parameter."}, true
			}
			seenOther[k] = true
			continue
		}
		if *seen {
			return []string{"Authorization header has a duplicate '" + k + "' parameter."}, true
		}
		*seen = true
		switch k {
		case "Credential":
			c, ok := parseCredential(val)
			if !ok {
				return []string{"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" + val + "'"}, true
			}
			a.AccessKeyID = c.AccessKeyID
			a.Scope = Scope{Date: c.Date, Region: c.Region, Service: c.Service}
			a.Terminator = c.Terminator
		case "SignedHeaders":
			hs, ok := parseSignedHeaders(a.headers[:0], val)
			if !ok {
				return []string{"Authorization header has an invalid 'SignedHeaders' parameter."}, true
			}
			a.SignedHeaders = hs
		case "Signature":
			sigOK = a.setSignature(val)
		}
	}
	if alg != Algorithm {
		return []string{"Unsupported AWS 'algorithm': '" + alg + "'."}, true
	}
	if !seenCred {
		problems = append(problems, "Authorization header requires 'Credential' parameter.")
	}
	if !seenSig {
		problems = append(problems, "Authorization header requires 'Signature' parameter.")
	}
	if !seenSH {
		problems = append(problems, "Authorization header requires 'SignedHeaders' parameter.")
	}
	if len(problems) == 0 && !sigOK {
		problems = append(problems, "Authorization header has an invalid 'Signature' parameter.")
	}
	return problems, false
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

// presignedParams are the query parameters ParsePresigned reads, in the
// order of the slots of parsePresignedInto.
var presignedParams = [...]string{QueryAlgorithm, QueryCredential, QueryDate, QueryExpires, QuerySignedHeaders, QuerySignature, QuerySecurityToken}

const (
	slotAlgorithm = iota
	slotCredential
	slotDate
	slotExpires
	slotSignedHeaders
	slotSignature
	slotSecurityToken
)

// ParsePresigned parses the presigned query form from decoded parameters.
// It returns an *Error (CodeIncompleteSignature) when parameters are missing,
// repeated or malformed.
func ParsePresigned(params []QueryParam) (*Auth, error) {
	a := &Auth{}
	if err := parsePresignedInto(a, params); err != nil {
		return nil, err
	}
	return a, nil
}

// parsePresignedInto is ParsePresigned writing into a.
func parsePresignedInto(a *Auth, params []QueryParam) *Error {
	var vals [len(presignedParams)]string
	var seen [len(presignedParams)]bool
	for _, p := range params {
		if len(p.Name) < 10 || p.Name[:6] != "X-Amz-" {
			continue
		}
		for i, n := range presignedParams {
			if p.Name == n {
				if seen[i] {
					return newErr(CodeIncompleteSignature, "Query-string parameter '%s' must not be repeated.", p.Name)
				}
				seen[i], vals[i] = true, p.Value
				break
			}
		}
	}
	if !seen[slotAlgorithm] || !seen[slotCredential] || !seen[slotSignature] || !seen[slotDate] || !seen[slotSignedHeaders] {
		return &Error{Code: CodeIncompleteSignature, Message: msgQueryParamsNeed}
	}
	if vals[slotAlgorithm] != Algorithm {
		return newErr(CodeIncompleteSignature, "X-Amz-Algorithm only supports \"%s\".", Algorithm)
	}
	*a = Auth{Form: QueryForm, AmzDate: vals[slotDate], SecurityToken: vals[slotSecurityToken]}
	c, ok := parseCredential(vals[slotCredential])
	if !ok {
		return newErr(CodeIncompleteSignature, "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", vals[slotCredential])
	}
	a.AccessKeyID = c.AccessKeyID
	a.Scope = Scope{Date: c.Date, Region: c.Region, Service: c.Service}
	a.Terminator = c.Terminator
	hs, ok := parseSignedHeaders(a.headers[:0], vals[slotSignedHeaders])
	if !ok {
		return newErr(CodeIncompleteSignature, "X-Amz-SignedHeaders is invalid.")
	}
	a.SignedHeaders = hs
	if !a.setSignature(vals[slotSignature]) {
		return newErr(CodeIncompleteSignature, "X-Amz-Signature is invalid.")
	}
	if !seen[slotExpires] {
		// Optional: without it the header form's skew window applies (the
		// AWS SDK for Go presigner omits it unless the caller sets it).
		return nil
	}
	n, err := strconv.ParseInt(vals[slotExpires], 10, 64)
	if err != nil || n < 0 {
		return newErr(CodeIncompleteSignature, "X-Amz-Expires should be a number")
	}
	// Compare in seconds: n*time.Second overflows (and wraps negative) for
	// large n, which would pass as a URL that never expires.
	if n < 1 || n > int64(MaxExpires/time.Second) {
		return newErr(CodeIncompleteSignature, "X-Amz-Expires must be less than a week (in seconds) that is 604800")
	}
	a.Expires = time.Duration(n) * time.Second
	return nil
}

// ParseAmzDate parses an X-Amz-Date value (ISO-8601 basic, UTC). It
// accepts exactly what time.Parse(TimeFormat, v) accepts for a value of
// that length (FuzzParseAmzDate checks it), without its layout scanning.
func ParseAmzDate(v string) (time.Time, bool) {
	if len(v) != len(TimeFormat) || v[8] != 'T' || v[15] != 'Z' {
		return time.Time{}, false
	}
	num := func(s string) (int, bool) {
		n := 0
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	year, ok1 := num(v[0:4])
	month, ok2 := num(v[4:6])
	day, ok3 := num(v[6:8])
	hour, ok4 := num(v[9:11])
	minute, ok5 := num(v[11:13])
	sec, ok6 := num(v[13:15])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 ||
		month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC)
	if t.Day() != day { // day beyond the month's length
		return time.Time{}, false
	}
	return t, true
}
