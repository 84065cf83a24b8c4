package jwtauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
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

// claimSet is a scanned claim set: its top-level members, and where the
// registered claims gatehouse reads are among them.
type claimSet struct {
	members []member
	// Indexes into members, -1 when the claim is absent.
	iss, aud, clientID, exp, nbf, iat, scope, scp, sub, tokenUse int
}

// scanClaims scans a payload (one JSON object, strict: see scanObject),
// appending its members to dst.
func scanClaims(payload string, dst []member) (claimSet, error) {
	c := claimSet{iss: -1, aud: -1, clientID: -1, exp: -1, nbf: -1, iat: -1, scope: -1, scp: -1, sub: -1, tokenUse: -1}
	ms, err := scanObject(payload, dst)
	c.members = ms
	if err != nil {
		return c, err
	}
	for i := range ms {
		switch ms[i].name {
		case "iss":
			c.iss = i
		case "aud":
			c.aud = i
		case "client_id":
			c.clientID = i
		case "exp":
			c.exp = i
		case "nbf":
			c.nbf = i
		case "iat":
			c.iat = i
		case "scope":
			c.scope = i
		case "scp":
			c.scp = i
		case "sub":
			c.sub = i
		case "token_use":
			c.tokenUse = i
		}
	}
	return c, nil
}

// numericDate reads a NumericDate claim (RFC 7519 §2): a non-negative
// number of seconds, possibly fractional, at most 1e11.
func numericDate(v jsonValue, name string) (time.Time, error) {
	if v.kind != kindNumber {
		return time.Time{}, fmt.Errorf("%w: %s is not a number", errClaims, name)
	}
	// Fast path, same result: an integer of at most 11 digits is exact as
	// a float64 and below the bound.
	if r := v.raw; len(r) <= 11 {
		var n int64
		digits := true
		for i := 0; i < len(r); i++ {
			if r[i] < '0' || r[i] > '9' {
				digits = false
				break
			}
			n = n*10 + int64(r[i]-'0')
		}
		if digits {
			return time.Unix(n, 0).UTC(), nil
		}
	}
	f, err := strconv.ParseFloat(v.raw, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e11 {
		return time.Time{}, fmt.Errorf("%w: %s is out of range", errClaims, name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

// timeClaims checks exp (required), nbf and iat (when present) against now
// with leeway skew. It returns exp.
func (c *claimSet) timeClaims(now time.Time, skew time.Duration) (time.Time, error) {
	if c.exp < 0 {
		return time.Time{}, fmt.Errorf("%w: exp missing", errClaims)
	}
	exp, err := numericDate(c.members[c.exp].jsonValue, "exp")
	if err != nil {
		return time.Time{}, err
	}
	if !now.Before(exp.Add(skew)) {
		return time.Time{}, errExpired
	}
	if c.nbf >= 0 {
		nbf, err := numericDate(c.members[c.nbf].jsonValue, "nbf")
		if err != nil {
			return time.Time{}, err
		}
		if now.Add(skew).Before(nbf) {
			return time.Time{}, errNotYet
		}
	}
	if c.iat >= 0 {
		iat, err := numericDate(c.members[c.iat].jsonValue, "iat")
		if err != nil {
			return time.Time{}, err
		}
		if now.Add(skew).Before(iat) {
			return time.Time{}, errIssued
		}
	}
	return exp, nil
}

// stringClaim returns the string claim at index i (-1: absent); present
// reports whether it exists.
func (c *claimSet) stringClaim(i int, name string) (s string, present bool, err error) {
	if i < 0 {
		return "", false, nil
	}
	if m := &c.members[i]; m.kind == kindString {
		return m.str, true, nil
	}
	return "", true, fmt.Errorf("%w: %s is not a string", errClaims, name)
}

// audienceMatches applies reference §2.2 step 7: aud (string or array of
// strings) when present, otherwise client_id; any configured entry matches.
// Every element of an aud array must be a string, matching or not.
func (c *claimSet) audienceMatches(audiences []string) error {
	match := false
	if c.aud >= 0 {
		switch v := c.members[c.aud].jsonValue; v.kind {
		case kindString:
			match = oneOf(v.str, audiences)
		case kindArray:
			err := arrayElems(v.raw, func(e jsonValue) error {
				if e.kind != kindString {
					return fmt.Errorf("%w: aud element is not a string", errClaims)
				}
				match = match || oneOf(e.str, audiences)
				return nil
			})
			if err != nil {
				return err
			}
		default:
			return fmt.Errorf("%w: aud is neither a string nor an array", errClaims)
		}
	} else {
		cid, present, err := c.stringClaim(c.clientID, "client_id")
		if err != nil {
			return err
		}
		match = present && oneOf(cid, audiences)
	}
	if !match {
		return errAudience
	}
	return nil
}

func oneOf(s string, list []string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// tokenScopes reads scope (space-separated string) or, when absent, scp
// (array of strings, or a space-separated string).
func (c *claimSet) tokenScopes() ([]string, error) {
	if c.scope >= 0 {
		v := c.members[c.scope].jsonValue
		if v.kind != kindString {
			return nil, fmt.Errorf("%w: scope is not a string", errClaims)
		}
		return strings.Fields(v.str), nil
	}
	if c.scp < 0 {
		return nil, nil
	}
	switch v := c.members[c.scp].jsonValue; v.kind {
	case kindString:
		return strings.Fields(v.str), nil
	case kindArray:
		out := []string{}
		err := arrayElems(v.raw, func(e jsonValue) error {
			if e.kind != kindString {
				return fmt.Errorf("%w: scp element is not a string", errClaims)
			}
			out = append(out, e.str)
			return nil
		})
		if err != nil {
			return nil, err
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

// render turns the claims into the string values API Gateway hands to
// integrations (reference §2.3): strings as they are, numbers in their JSON
// text, booleans "true"/"false", arrays as "[a b]", objects as JSON text,
// null-valued claims omitted. Every value is a string; the map has the type
// of exchange.Principal.Claims so that it is built only once (per token, on
// first use: verified.Claims).
func (c *claimSet) render() map[string]any {
	n := 0
	for i := range c.members {
		if c.members[i].kind != kindNull {
			n++
		}
	}
	out := make(map[string]any, n)
	for i := range c.members {
		m := &c.members[i]
		switch m.kind {
		case kindString:
			out[m.name] = m.str
		case kindNumber:
			out[m.name] = m.raw
		case kindTrue:
			out[m.name] = "true"
		case kindFalse:
			out[m.name] = "false"
		case kindArray:
			var b strings.Builder
			renderArray(&b, m.raw)
			out[m.name] = b.String()
		case kindObject:
			out[m.name] = renderObject(m.jsonValue)
		}
	}
	return out
}

// renderArray writes a checked array Go style: "[a b]", elements rendered
// like claims, null elements as "<nil>".
func renderArray(b *strings.Builder, raw string) {
	b.Grow(len(raw))
	b.WriteByte('[')
	first := true
	_ = arrayElems(raw, func(e jsonValue) error {
		if !first {
			b.WriteByte(' ')
		}
		first = false
		switch e.kind {
		case kindString:
			b.WriteString(e.str)
		case kindNumber:
			b.WriteString(e.raw)
		case kindTrue:
			b.WriteString("true")
		case kindFalse:
			b.WriteString("false")
		case kindNull:
			b.WriteString("<nil>")
		case kindArray:
			renderArray(b, e.raw)
		case kindObject:
			b.WriteString(renderObject(e))
		}
		return nil
	})
	b.WriteByte(']')
}

// renderObject is an object's compact JSON text as encoding/json writes it
// (members sorted, HTML characters escaped).
func renderObject(v jsonValue) string {
	js, err := json.Marshal(generic(v))
	if err != nil {
		return ""
	}
	return string(js)
}
