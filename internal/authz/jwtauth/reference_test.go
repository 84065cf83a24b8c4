package jwtauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// The reference claim decoder and renderer: gatehouse's first
// implementation, built on the encoding/json token decoder. The scanner in
// json.go and claimSet.render must agree with it on every input
// (FuzzDecodeObject, TestScanMatchesReference).

// refDecodeObject decodes one JSON object in a single pass, numbers as
// json.Number, refusing duplicate member names at any depth, nesting deeper
// than maxDepth and trailing data.
func refDecodeObject(b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if t != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	m, err := refDecodeMembers(dec, 1)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after JSON object")
	}
	return m, nil
}

func refDecodeMembers(dec *json.Decoder, depth int) (map[string]any, error) {
	m := map[string]any{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, ok := t.(string)
		if !ok {
			return nil, errors.New("object member name is not a string")
		}
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("duplicate member %q", k)
		}
		v, err := refDecodeValue(dec, depth)
		if err != nil {
			return nil, err
		}
		m[k] = v
	}
	if _, err := dec.Token(); err != nil { // '}'
		return nil, err
	}
	return m, nil
}

func refDecodeValue(dec *json.Decoder, depth int) (any, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t {
	case json.Delim('{'):
		if depth >= maxDepth {
			return nil, errors.New("JSON nested too deeply")
		}
		return refDecodeMembers(dec, depth+1)
	case json.Delim('['):
		if depth >= maxDepth {
			return nil, errors.New("JSON nested too deeply")
		}
		a := []any{}
		for dec.More() {
			v, err := refDecodeValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		if _, err := dec.Token(); err != nil { // ']'
			return nil, err
		}
		return a, nil
	}
	return t, nil
}

// refRenderClaims renders decoded claims as API Gateway does (reference
// §2.3).
func refRenderClaims(claims map[string]any) map[string]any {
	out := make(map[string]any, len(claims))
	for k, v := range claims {
		if v == nil {
			continue
		}
		out[k] = refRenderValue(v)
	}
	return out
}

func refRenderValue(v any) string {
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
			b.WriteString(refRenderValue(e))
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

// The reference claim checks, on the reference decoder's map.

// refNumericDate reads an optional NumericDate claim (RFC 7519 §2).
func refNumericDate(claims map[string]any, name string) (time.Time, bool, error) {
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

// refTimeClaims checks exp (required), nbf and iat (when present) against now
// with leeway skew. It returns exp.
func refTimeClaims(claims map[string]any, now time.Time, skew time.Duration) (time.Time, error) {
	exp, ok, err := refNumericDate(claims, "exp")
	if err != nil {
		return time.Time{}, err
	}
	if !ok {
		return time.Time{}, fmt.Errorf("%w: exp missing", errClaims)
	}
	if !now.Before(exp.Add(skew)) {
		return time.Time{}, errExpired
	}
	nbf, ok, err := refNumericDate(claims, "nbf")
	if err != nil {
		return time.Time{}, err
	}
	if ok && now.Add(skew).Before(nbf) {
		return time.Time{}, errNotYet
	}
	iat, ok, err := refNumericDate(claims, "iat")
	if err != nil {
		return time.Time{}, err
	}
	if ok && now.Add(skew).Before(iat) {
		return time.Time{}, errIssued
	}
	return exp, nil
}

// refStringClaim returns a string claim; present reports whether it exists.
func refStringClaim(claims map[string]any, name string) (s string, present bool, err error) {
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

// refAudienceMatches applies reference §2.2 step 7: aud (string or array of
// strings) when present, otherwise client_id; any configured entry matches.
func refAudienceMatches(claims map[string]any, audiences []string) error {
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
		cid, present, err := refStringClaim(claims, "client_id")
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

// refTokenScopes reads scope (space-separated string) or, when absent, scp
// (array of strings, or a space-separated string).
func refTokenScopes(claims map[string]any) ([]string, error) {
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
