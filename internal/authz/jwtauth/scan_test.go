package jwtauth

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/jwks"
)

// compareWithReference scans payload with the claim scanner and with the
// reference decoder (reference_test.go) and fails unless both accept or
// both refuse it and, when accepted, agree on the rendered claims and on
// every claim check.
func compareWithReference(t *testing.T, payload []byte) {
	t.Helper()
	ref, refErr := refDecodeObject(payload)
	cs, err := scanClaims(string(payload), nil)
	if (err == nil) != (refErr == nil) {
		t.Fatalf("scanner error %v, reference error %v, for %q", err, refErr, payload)
	}
	if err != nil {
		return
	}
	if got, want := cs.render(), refRenderClaims(ref); !reflect.DeepEqual(got, want) {
		t.Fatalf("rendered claims differ for %q:\n got  %#v\n want %#v", payload, got, want)
	}
	sameErr := func(what string, got, want error) {
		t.Helper()
		if (got == nil) != (want == nil) || got != nil && reason(got) != reason(want) {
			t.Fatalf("%s: error %v, reference %v, for %q", what, got, want, payload)
		}
	}
	for _, name := range []string{"iss", "sub", "client_id"} {
		idx := map[string]int{"iss": cs.iss, "sub": cs.sub, "client_id": cs.clientID}[name]
		s, present, err := cs.stringClaim(idx, name)
		rs, rpresent, rerr := refStringClaim(ref, name)
		sameErr(name, err, rerr)
		if s != rs || present != rpresent {
			t.Fatalf("%s = %q %v, reference %q %v", name, s, present, rs, rpresent)
		}
	}
	for _, auds := range [][]string{{testAudience}, {"x", "y"}, {""}} {
		sameErr(fmt.Sprint("aud ", auds), cs.audienceMatches(auds), refAudienceMatches(ref, auds))
	}
	for _, skew := range []time.Duration{0, time.Minute} {
		exp, err := cs.timeClaims(testNow, skew)
		rexp, rerr := refTimeClaims(ref, testNow, skew)
		sameErr("time", err, rerr)
		if !exp.Equal(rexp) {
			t.Fatalf("exp = %v, reference %v, for %q", exp, rexp, payload)
		}
	}
	scopes, err := cs.tokenScopes()
	rscopes, rerr := refTokenScopes(ref)
	sameErr("scopes", err, rerr)
	if !reflect.DeepEqual(scopes, rscopes) {
		t.Fatalf("scopes = %#v, reference %#v, for %q", scopes, rscopes, payload)
	}
	use := ""
	if cs.tokenUse >= 0 && cs.members[cs.tokenUse].kind == kindString {
		use = cs.members[cs.tokenUse].str
	}
	if ruse, _ := ref["token_use"].(string); use != ruse {
		t.Fatalf("token_use = %q, reference %q", use, ruse)
	}
	aud, audOK := "", false
	if cs.aud >= 0 && cs.members[cs.aud].kind == kindString {
		aud, audOK = cs.members[cs.aud].str, true
	}
	if raud, rok := ref["aud"].(string); aud != raud || audOK != rok {
		t.Fatalf("aud string = %q %v, reference %q %v", aud, audOK, raud, rok)
	}
}

// scanCases are claim sets and near-JSON the scanner must treat exactly as
// the reference decoder does.
var scanCases = []struct{ name, payload string }{
	{"typical id token", `{"sub":"u","aud":"client-123","iss":"https://x","exp":1795000000,"iat":1700000000,"token_use":"id","email_verified":true,"cognito:groups":["admin","regular"]}`},
	{"access token with client_id and scope", `{"sub":"u","client_id":"client-123","scope":"read  write ","exp":1795000000,"token_use":"access"}`},
	{"empty object", `{}`},
	{"white space everywhere", " \t\r\n{ \"a\" : 1 , \"b\" :\t[ 1 , 2 ] }\n "},
	{"null claims omitted", `{"a":null,"b":"x","aud":null}`},
	{"numbers kept as text", `{"n":1.5,"big":12345678901234567890,"e":1e400,"neg":-0,"exp":1.795e9,"f":0.5E+2}`},
	{"leading zero", `{"n":01}`},
	{"bare minus", `{"n":-}`},
	{"dot without digits", `{"n":1.}`},
	{"exponent without digits", `{"n":1e+}`},
	{"plus sign", `{"n":+1}`},
	{"hex", `{"n":0x10}`},
	{"NaN", `{"exp":NaN}`},
	{"escapes", `{"s":"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00"}`},
	{"escaped member names equal", `{"a":1,"\u0061":2}`},
	{"escaped names differ", `{"a":1,"\u0062":2}`},
	{"lone surrogate", `{"s":"\ud800x"}`},
	{"bad escape", `{"s":"\x"}`},
	{"short unicode escape", `{"s":"\u12"}`},
	{"control character in string", "{\"s\":\"a\x01b\"}"},
	{"invalid UTF-8 in string", "{\"s\":\"a\xffb\",\"t\":\"\xed\xa0\x80\"}"},
	{"invalid UTF-8 in name", "{\"\xff\":1}"},
	{"valid UTF-8", `{"s":"héllo ✓ 😀","😀":"k"}`},
	{"UTF-8 BOM", "\xef\xbb\xbf{}"},
	{"duplicate top-level", `{"sub":"a","sub":"b"}`},
	{"duplicate nested", `{"a":{"b":1,"b":2}}`},
	{"duplicate in array object", `{"a":[{"b":1,"b":2}]}`},
	{"trailing data", `{"a":1}{}`},
	{"trailing garbage", `{"a":1}x`},
	{"trailing comma object", `{"a":1,}`},
	{"trailing comma array", `{"a":[1,]}`},
	{"missing colon", `{"a" 1}`},
	{"unquoted name", `{a:1}`},
	{"single quotes", `{'a':1}`},
	{"truncated", `{"a":[1,2`},
	{"truncated string", `{"a":"x`},
	{"truncated escape", `{"a":"x\`},
	{"not an object", `[1,2]`},
	{"string document", `"x"`},
	{"empty", ``},
	{"literals", `{"t":true,"f":false,"n":null,"a":[true,false,null]}`},
	{"bad literal", `{"t":tru}`},
	{"literal with tail", `{"t":truex}`},
	{"arrays rendered Go style", `{"a":["x",1,true,null,["y",[]],{"k":"<v>&"}],"e":[]}`},
	{"objects rendered as JSON", `{"o":{"b":[1,"x"],"a":null,"c":{"d":"é<>&"}},"empty":{}}`},
	{"aud array match", `{"aud":["x","client-123"],"exp":1795000000}`},
	{"aud array with a number", `{"aud":["client-123",1],"exp":1795000000}`},
	{"aud number", `{"aud":1}`},
	{"aud object", `{"aud":{"a":"client-123"}}`},
	{"client_id number", `{"client_id":5}`},
	{"client_id when aud present", `{"aud":"x","client_id":"client-123"}`},
	{"iss not a string", `{"iss":["x"]}`},
	{"sub number", `{"sub":5}`},
	{"exp missing", `{"iat":1}`},
	{"exp string", `{"exp":"1795000000"}`},
	{"exp negative", `{"exp":-1}`},
	{"exp huge", `{"exp":1e12}`},
	{"exp at bound", `{"exp":100000000000}`},
	{"exp 11 digits", `{"exp":99999999999}`},
	{"exp fraction", `{"exp":1795000000.25,"nbf":1.5,"iat":0}`},
	{"exp past", `{"exp":1700000000}`},
	{"nbf future", `{"exp":1795000000,"nbf":1795000000}`},
	{"iat future", `{"exp":1795000000,"iat":1795000000}`},
	{"iat null", `{"exp":1795000000,"iat":null}`},
	{"scope wins", `{"scope":"a b","scp":["c"]}`},
	{"scope empty", `{"scope":""}`},
	{"scope array", `{"scope":["a"]}`},
	{"scp array", `{"scp":["a","b"]}`},
	{"scp empty array", `{"scp":[]}`},
	{"scp string", `{"scp":" a  b "}`},
	{"scp mixed", `{"scp":["a",1]}`},
	{"scp object", `{"scp":{}}`},
	{"token_use number", `{"token_use":1}`},
	{"depth 32 allowed", `{"a":` + strings.Repeat("[", 31) + strings.Repeat("]", 31) + `}`},
	{"depth 33 refused", `{"a":` + strings.Repeat("[", 32) + strings.Repeat("]", 32) + `}`},
	{"nested objects at the limit", `{"a":` + strings.Repeat(`{"a":`, 31) + `1` + strings.Repeat("}", 31) + `}`},
	{"nested objects over the limit", `{"a":` + strings.Repeat(`{"a":`, 32) + `1` + strings.Repeat("}", 32) + `}`},
	{"many members", manyMembers(100, false)},
	{"many members, last duplicate", manyMembers(100, true)},
	{"many nested members, last duplicate", `{"o":` + manyMembers(100, true) + `}`},
}

// manyMembers is an object with n members; dup repeats the first name last.
func manyMembers(n int, dup bool) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := range n {
		fmt.Fprintf(&b, `"m%d":%d,`, i, i)
	}
	if dup {
		b.WriteString(`"m0":0`)
	} else {
		b.WriteString(`"last":0`)
	}
	b.WriteByte('}')
	return b.String()
}

func TestScanMatchesReference(t *testing.T) {
	for _, tc := range scanCases {
		t.Run(tc.name, func(t *testing.T) {
			compareWithReference(t, []byte(tc.payload))
		})
	}
}

// TestScanRefuses pins refusals the reference decoder shares (checked by
// TestScanMatchesReference) but which matter for security on their own.
func TestScanRefuses(t *testing.T) {
	for _, name := range []string{"duplicate top-level", "duplicate nested", "duplicate in array object",
		"escaped member names equal", "many members, last duplicate", "many nested members, last duplicate",
		"trailing data", "depth 33 refused", "nested objects over the limit", "not an object"} {
		t.Run(name, func(t *testing.T) {
			for _, tc := range scanCases {
				if tc.name == name {
					if _, err := scanClaims(tc.payload, nil); err == nil {
						t.Fatalf("accepted %q", tc.payload)
					}
					return
				}
			}
			t.Fatalf("no case %q", name)
		})
	}
}

// TestHeaderMemo checks that a remembered header gives the parse result
// of the same bytes, and that a different header is parsed afresh.
func TestHeaderMemo(t *testing.T) {
	a, src, _ := newTestJWT(t, nil)
	good := rsToken(t, claims())
	tests := []struct {
		name   string
		tok    string
		wantOK bool
	}{
		{"first", good, true},
		{"same header again", good, true},
		{"other kid", signRaw(t, `{"alg":"RS256","kid":"rsa-9"}`, mustJSON(claims()), rs256(keysOnce().rsa)), false},
		{"alg none after a good header", b64([]byte(`{"alg":"none","kid":"rsa-1"}`)) + "." + b64([]byte(mustJSON(claims()))) + ".AAAA", false},
		{"good after bad", good, true},
		{"header with duplicate after good", signRaw(t, `{"alg":"RS256","kid":"rsa-1","kid":"rsa-1"}`, mustJSON(claims()), rs256(keysOnce().rsa)), false},
		{"good again", good, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := a.v.verify(t.Context(), tc.tok)
			if got := err == nil; got != tc.wantOK {
				t.Fatalf("accepted = %v (%v), want %v", got, err, tc.wantOK)
			}
		})
	}
	if src.n.Load() == 0 {
		t.Error("key source never consulted")
	}
	m := a.v.header.Load()
	if m == nil || m.seg != strings.SplitN(good, ".", 2)[0] || m.h.Kid != testKid {
		t.Errorf("memo = %+v, want the good token's header", m)
	}
}

// TestVerifyAllocs bounds the allocations of a cold verification and of a
// cache hit, so that a regression to per-token maps of interfaces shows.
func TestVerifyAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	c := claims()
	c["scope"] = "read"
	tok := rsToken(t, c)
	cold, _, _ := newTestJWT(t, nil)
	cached, _, _ := newTestJWT(t, func(c *JWTConfig) { c.Cache = NewCache(0) })
	ctx := t.Context()
	if _, err := cached.v.verify(ctx, tok); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		a    *JWT
		max  float64
	}{
		// 21 with Go 1.26, 9 of them inside crypto/rsa; the previous
		// decoder made 165.
		{"cold", cold, 25},
		{"cached", cached, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := testing.AllocsPerRun(50, func() {
				if _, err := tc.a.v.verify(ctx, tok); err != nil {
					t.Fatal(err)
				}
			})
			if n > tc.max {
				t.Errorf("allocations = %v, want at most %v", n, tc.max)
			}
		})
	}
}

// TestParseTokenStrictBase64 checks that every segment is strict unpadded
// base64url, with the same verdict as jwks.DecodeSegment.
func TestParseTokenStrictBase64(t *testing.T) {
	good := rsToken(t, claims())
	p := strings.Split(good, ".")
	// A one-byte segment: "QQ" is canonical, "QR" has non-zero unused bits.
	tests := []struct {
		name string
		tok  string
		want bool
	}{
		{"good", good, true},
		{"LF in header", p[0][:4] + "\n" + p[0][4:] + "." + p[1] + "." + p[2], false},
		{"CR in payload", p[0] + "." + p[1][:4] + "\r" + p[1][4:] + "." + p[2], false},
		{"CRLF in signature", p[0] + "." + p[1] + "." + p[2][:8] + "\r\n" + p[2][8:], false},
		{"space in payload", p[0] + "." + p[1][:4] + " " + p[1][4:] + "." + p[2], false},
		{"tab in signature", p[0] + "." + p[1] + "." + p[2][:8] + "\t" + p[2][8:], false},
		{"padding", p[0] + "." + p[1] + "." + p[2] + "==", false},
		{"plus", p[0] + "." + p[1] + "." + "+" + p[2][1:], false},
		{"slash", p[0] + "." + p[1] + "." + "/" + p[2][1:], false},
		{"NUL", p[0] + "." + p[1] + "." + "\x00" + p[2][1:], false},
		{"non-ASCII", p[0] + "." + p[1] + "." + "é" + p[2][2:], false},
		{"canonical one-byte signature", p[0] + "." + p[1] + ".QQ", true},
		{"non-zero unused bits", p[0] + "." + p[1] + ".QR", false},
		{"impossible length", p[0] + "." + p[1] + ".QQQQQ", false},
		{"empty payload", p[0] + ".." + p[2], true},
		{"empty header", "." + p[1] + "." + p[2], false},
		{"empty signature", p[0] + "." + p[1] + ".", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseCompact(tc.tok)
			if got := err == nil; got != tc.want {
				t.Fatalf("parsed = %v (%v), want %v", got, err, tc.want)
			}
			if tc.want {
				return
			}
			// When the syntax is fine otherwise, jwks.DecodeSegment
			// refuses one of the segments too.
			refused := false
			for i, seg := range strings.Split(tc.tok, ".") {
				if _, err := jwks.DecodeSegment(seg); err != nil || seg == "" && i != 1 {
					refused = true
				}
			}
			if !refused {
				t.Errorf("jwks.DecodeSegment accepts every segment of %q", tc.tok)
			}
		})
	}
}
