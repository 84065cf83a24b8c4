package sigv4

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SignInput describes a request to sign. Used by tests and tooling; the
// gateway itself only verifies.
type SignInput struct {
	Request    *Request // PayloadHash must be set; Header may be nil
	Credential Credential
	Scope      Scope // Date is derived from Time when empty
	Time       time.Time
	// NormalizePath signs the normalised path (non-S3 SigV4 rule).
	NormalizePath bool
	// SignPayloadHeader adds and signs X-Amz-Content-Sha256 (header form).
	SignPayloadHeader bool
	// OmitSessionToken adds the session token after signing instead of
	// signing it.
	OmitSessionToken bool
	// Presign produces the query form valid for Expires.
	Presign bool
	Expires time.Duration
}

// Signed is the outcome of Sign.
type Signed struct {
	CanonicalRequest string
	StringToSign     string
	Signature        string
	// Authorization is the header value (header form only).
	Authorization string
	// Header is the request header with the signing headers added.
	Header http.Header
	// RawQuery is the final query (query form: with the X-Amz-* parameters).
	RawQuery string
}

// Sign signs in.Request with SigV4 and returns the canonical request, string
// to sign, signature and the headers/query to send.
func Sign(in SignInput) *Signed {
	r := in.Request
	h := http.Header{}
	for k, v := range r.Header {
		h[k] = append([]string(nil), v...)
	}
	if h.Get("Host") == "" && r.Host != "" {
		h.Set("Host", r.Host)
	}
	amzDate := FormatTime(in.Time)
	scope := in.Scope
	if scope.Date == "" {
		scope.Date = amzDate[:8]
	}
	token := in.Credential.SessionToken
	rawQuery := r.RawQuery
	if !in.Presign {
		h.Set("X-Amz-Date", amzDate)
		if token != "" && !in.OmitSessionToken {
			h.Set("X-Amz-Security-Token", token)
		}
		if in.SignPayloadHeader {
			h.Set("X-Amz-Content-Sha256", r.PayloadHash)
		}
	}
	signed := make([]string, 0, len(h))
	for k := range h {
		signed = append(signed, strings.ToLower(k))
	}
	sort.Strings(signed)
	if in.Presign {
		add := []QueryParam{
			{QueryAlgorithm, Algorithm},
			{QueryCredential, in.Credential.AccessKeyID + "/" + scope.String()},
			{QueryDate, amzDate},
			{QuerySignedHeaders, strings.Join(signed, ";")},
			{QueryExpires, strconv.FormatInt(int64(in.Expires/time.Second), 10)},
		}
		if token != "" && !in.OmitSessionToken {
			add = append(add, QueryParam{QuerySecurityToken, token})
		}
		rawQuery = appendQuery(rawQuery, add)
	}
	creq := CanonicalRequest(r.Method, CanonicalURI(r.RawPath, in.NormalizePath),
		CanonicalQuery(ParseQuery(rawQuery, true)), CanonicalHeaders(h, r.Host, signed), signed, r.PayloadHash)
	sts := StringToSign(amzDate, scope, creq)
	sig := SignString(DeriveKey(in.Credential.SecretAccessKey, scope), sts)
	out := &Signed{CanonicalRequest: creq, StringToSign: sts, Signature: sig, Header: h}
	if in.Presign {
		tail := []QueryParam{}
		if token != "" && in.OmitSessionToken {
			tail = append(tail, QueryParam{QuerySecurityToken, token})
		}
		tail = append(tail, QueryParam{QuerySignature, sig})
		out.RawQuery = appendQuery(rawQuery, tail)
		return out
	}
	out.RawQuery = rawQuery
	out.Authorization = Algorithm + " Credential=" + in.Credential.AccessKeyID + "/" + scope.String() +
		", SignedHeaders=" + strings.Join(signed, ";") + ", Signature=" + sig
	h.Set("Authorization", out.Authorization)
	if token != "" && in.OmitSessionToken {
		h.Set("X-Amz-Security-Token", token)
	}
	return out
}

func appendQuery(raw string, params []QueryParam) string {
	var b strings.Builder
	b.WriteString(raw)
	for _, p := range params {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(URIEncode(p.Name, false))
		b.WriteByte('=')
		b.WriteString(URIEncode(p.Value, false))
	}
	return b.String()
}
