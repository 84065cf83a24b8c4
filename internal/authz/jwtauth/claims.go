package jwtauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

var (
	errIssuer   = errors.New("issuer mismatch")
	errAudience = errors.New("audience mismatch")
	errExpired  = errors.New("token expired")
	errNotYet   = errors.New("token not valid yet")
	errIssued   = errors.New("token issued in the future")
	errClaims   = errors.New("invalid claims")
)

// numericDate reads an optional NumericDate claim (RFC 7519 §2).
func numericDate(claims map[string]any, name string) (time.Time, bool, error) {
	v, ok := claims[name]
	if !ok {
		return time.Time{}, false, nil
	}
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, false, fmt.Errorf("%w: %s is not a number", errClaims, name)
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e11 {
		return time.Time{}, false, fmt.Errorf("%w: %s is out of range", errClaims, name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true, nil
}

// timeClaims checks exp (required), nbf and iat (when present) against now
// with leeway skew. It returns exp.
func timeClaims(claims map[string]any, now time.Time, skew time.Duration) (time.Time, error) {
	exp, ok, err := numericDate(claims, "exp")
	if err != nil {
		return time.Time{}, err
	}
	if !ok {
		return time.Time{}, fmt.Errorf("%w: exp missing", errClaims)
	}
	if !now.Before(exp.Add(skew)) {
		return time.Time{}, errExpired
	}
	nbf, ok, err := numericDate(claims, "nbf")
	if err != nil {
		return time.Time{}, err
	}
	if ok && now.Add(skew).Before(nbf) {
		return time.Time{}, errNotYet
	}
	iat, ok, err := numericDate(claims, "iat")
	if err != nil {
		return time.Time{}, err
	}
	if ok && now.Add(skew).Before(iat) {
		return time.Time{}, errIssued
	}
	return exp, nil
}

// stringClaim returns a string claim; present reports whether it exists.
func stringClaim(claims map[string]any, name string) (s string, present bool, err error) {
	v, ok := claims[name]
	if !ok {
		return "", false, nil
	}
	s, ok = v.(string)
	if !ok {
		return "", true, fmt.Errorf("%w: %s is not a string", errClaims, name)
	}
	return s, true, nil
}

// audienceMatches applies reference §2.2 step 7: aud (string or array of
// strings) when present, otherwise client_id; any configured entry matches.
func audienceMatches(claims map[string]any, audiences []string) error {
	var got []string
	if v, ok := claims["aud"]; ok {
		switch a := v.(type) {
		case string:
			got = []string{a}
		case []any:
			for _, e := range a {
				s, ok := e.(string)
				if !ok {
					return fmt.Errorf("%w: aud element is not a string", errClaims)
				}
				got = append(got, s)
			}
		default:
			return fmt.Errorf("%w: aud is neither a string nor an array", errClaims)
		}
	} else {
		cid, present, err := stringClaim(claims, "client_id")
		if err != nil {
			return err
		}
		if present {
			got = []string{cid}
		}
	}
	for _, g := range got {
		for _, w := range audiences {
			if g == w {
				return nil
			}
		}
	}
	return errAudience
}

// tokenScopes reads scope (space-separated string) or, when absent, scp
// (array of strings, or a space-separated string).
func tokenScopes(claims map[string]any) ([]string, error) {
	if v, ok := claims["scope"]; ok {
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%w: scope is not a string", errClaims)
		}
		return strings.Fields(s), nil
	}
	v, ok := claims["scp"]
	if !ok {
		return nil, nil
	}
	switch a := v.(type) {
	case string:
		return strings.Fields(a), nil
	case []any:
		out := make([]string, 0, len(a))
		for _, e := range a {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%w: scp element is not a string", errClaims)
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: scp is neither a string nor an array", errClaims)
}

// anyScope reports whether have contains at least one of want.
func anyScope(have, want []string) bool {
	for _, w := range want {
		for _, h := range have {
			if h == w {
				return true
			}
		}
	}
	return false
}

// RenderClaims turns decoded claims into the string values API Gateway
// hands to integrations (reference §2.3): strings as they are, numbers in
// their JSON text, booleans "true"/"false", arrays as "[a b]", objects as
// JSON text, null-valued claims omitted. Every value is a string; the map
// has the type of exchange.Principal.Claims so that it is built only once.
func RenderClaims(claims map[string]any) map[string]any {
	out := make(map[string]any, len(claims))
	for k, v := range claims {
		if v == nil {
			continue
		}
		out[k] = renderValue(v)
	}
	return out
}

func renderValue(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		if t {
			return "true"
		}
		return "false"
	case nil:
		return "<nil>"
	case []any:
		var b strings.Builder
		b.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(renderValue(e))
		}
		b.WriteByte(']')
		return b.String()
	case map[string]any:
		js, err := json.Marshal(t)
		if err != nil {
			return ""
		}
		return string(js)
	}
	return fmt.Sprint(v)
}
