package policy

import (
	"net/netip"
	"testing"
	"time"
)

// condPolicy wraps a Condition block in an Allow-everything statement, so
// the decision is Allow exactly when the condition holds.
func condPolicy(t *testing.T, cond string) *Policy {
	t.Helper()
	doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":` + cond + `}}`
	p, err := Parse([]byte(doc), ParseOptions{})
	if err != nil {
		t.Fatalf("Parse(%s): %v", doc, err)
	}
	return p
}

func ptr[T any](v T) *T { return &v }

var testNow = time.Date(2026, 11, 22, 1, 30, 0, 0, time.UTC)

// baseCtx is a request from 203.0.113.7 over TLS by IAM user alice.
func baseCtx() *Context {
	c := &Context{
		Now:             testNow,
		SourceIP:        netip.MustParseAddr("203.0.113.7"),
		SecureTransport: true,
		UserAgent:       ptr("curl/8.5"),
		Principal: &Identity{
			ARN: "arn:aws:iam::111122223333:user/alice", Account: "111122223333", Type: PrincipalUser,
			UserID: "AIDAEXAMPLE", Username: "alice", Tags: map[string]string{"Team": "blue", "CostCenter": "42"},
		},
	}
	c.Set("aws:TagKeys", "key1:legal", "key1:hr")
	c.Set("test:single", "hello")
	c.Set("test:bin", "\x00\x01binary")
	c.Set("test:num", "10")
	c.Set("test:arn", "arn:aws:iam::111122223333:role/dev/ops")
	return c
}

func TestConditionOperators(t *testing.T) {
	tests := []struct {
		name string
		cond string
		ctx  func(*Context)
		want bool
	}{
		// String operators.
		{"StringEquals match", `{"StringEquals":{"aws:username":"alice"}}`, nil, true},
		{"StringEquals is case sensitive", `{"StringEquals":{"aws:username":"Alice"}}`, nil, false},
		{"StringEquals values are ORed", `{"StringEquals":{"aws:username":["bob","alice"]}}`, nil, true},
		{"StringEquals key name case-insensitive", `{"StringEquals":{"AWS:USERNAME":"alice"}}`, nil, true},
		{"StringEquals missing key is false", `{"StringEquals":{"aws:Referer":"x"}}`, nil, false},
		{"StringNotEquals match", `{"StringNotEquals":{"aws:username":"bob"}}`, nil, true},
		{"StringNotEquals multiple values act as AND (none may match)", `{"StringNotEquals":{"aws:username":["bob","alice"]}}`, nil, false},
		{"StringNotEquals missing key is true", `{"StringNotEquals":{"aws:Referer":"x"}}`, nil, true},
		{"StringEqualsIgnoreCase", `{"StringEqualsIgnoreCase":{"aws:username":"ALICE"}}`, nil, true},
		{"StringNotEqualsIgnoreCase", `{"StringNotEqualsIgnoreCase":{"aws:username":"ALICE"}}`, nil, false},
		{"StringLike star", `{"StringLike":{"aws:UserAgent":"curl/*"}}`, nil, true},
		{"StringLike question mark", `{"StringLike":{"aws:UserAgent":"curl/?.5"}}`, nil, true},
		{"StringLike is case sensitive", `{"StringLike":{"aws:UserAgent":"CURL/*"}}`, nil, false},
		{"StringLike needs whole match", `{"StringLike":{"aws:UserAgent":"curl"}}`, nil, false},
		{"StringNotLike", `{"StringNotLike":{"aws:UserAgent":"Mozilla*"}}`, nil, true},
		{"StringNotLike missing key is true", `{"StringNotLike":{"aws:Referer":"*"}}`, nil, true},
		{"StringLike escaped star is literal", `{"StringLike":{"test:single":"hel${*}"}}`, func(c *Context) { c.Set("test:single", "hel*") }, true},
		{"StringLike escaped star does not wildcard", `{"StringLike":{"test:single":"hel${*}"}}`, nil, false},
		{"StringEquals escaped dollar", `{"StringEquals":{"test:single":"${$}x"}}`, func(c *Context) { c.Set("test:single", "$x") }, true},
		{"StringEquals JSON number value compares as text", `{"StringEquals":{"test:num":10}}`, nil, true},

		// Numeric operators.
		{"NumericEquals", `{"NumericEquals":{"test:num":"10"}}`, nil, true},
		{"NumericEquals decimal", `{"NumericEquals":{"test:num":"10.0"}}`, nil, true},
		{"NumericNotEquals", `{"NumericNotEquals":{"test:num":["10","11"]}}`, nil, false},
		{"NumericLessThan", `{"NumericLessThan":{"test:num":11}}`, nil, true},
		{"NumericLessThan equal is false", `{"NumericLessThan":{"test:num":10}}`, nil, false},
		{"NumericLessThanEquals", `{"NumericLessThanEquals":{"test:num":10}}`, nil, true},
		{"NumericGreaterThan", `{"NumericGreaterThan":{"test:num":9.5}}`, nil, true},
		{"NumericGreaterThanEquals", `{"NumericGreaterThanEquals":{"test:num":"11"}}`, nil, false},
		{"Numeric on non-number context value is false", `{"NumericEquals":{"test:single":"1"}}`, nil, false},
		{"Numeric missing key is false", `{"NumericEquals":{"test:none":"1"}}`, nil, false},
		{"NumericNotEquals missing key is true", `{"NumericNotEquals":{"test:none":"1"}}`, nil, true},

		// Date operators against aws:CurrentTime (2026-11-22T01:30:00Z).
		{"DateGreaterThan", `{"DateGreaterThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}`, nil, true},
		{"DateLessThan", `{"DateLessThan":{"aws:CurrentTime":"2026-11-22T01:30:01Z"}}`, nil, true},
		{"DateLessThan date only", `{"DateLessThan":{"aws:CurrentTime":"2026-11-22"}}`, nil, false},
		{"DateEquals", `{"DateEquals":{"aws:CurrentTime":"2026-11-22T02:30:00+01:00"}}`, nil, true},
		{"DateNotEquals", `{"DateNotEquals":{"aws:CurrentTime":"2026-11-22T01:30:00Z"}}`, nil, false},
		{"DateLessThanEquals", `{"DateLessThanEquals":{"aws:CurrentTime":"2026-11-22T01:30:00Z"}}`, nil, true},
		{"DateGreaterThanEquals epoch", `{"DateGreaterThanEquals":{"aws:CurrentTime":1795311000}}`, nil, true},
		{"Date on EpochTime key", `{"DateGreaterThan":{"aws:EpochTime":"2026-11-22T01:29:59Z"}}`, nil, true},
		{"NumericLessThan on EpochTime", `{"NumericLessThan":{"aws:EpochTime":1795311001}}`, nil, true},
		{"Date missing key is false", `{"DateGreaterThan":{"aws:TokenIssueTime":"2020-01-01"}}`, nil, false},

		// Bool.
		{"Bool true", `{"Bool":{"aws:SecureTransport":"true"}}`, nil, true},
		{"Bool JSON false", `{"Bool":{"aws:SecureTransport":false}}`, nil, false},
		{"Bool false on plain HTTP", `{"Bool":{"aws:SecureTransport":"false"}}`, func(c *Context) { c.SecureTransport = false }, true},
		{"Bool missing key is false", `{"Bool":{"aws:MultiFactorAuthPresent":"false"}}`, nil, false},
		{"BoolIfExists missing key is true", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}`, nil, true},
		{"BoolIfExists present and false", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}}`, func(c *Context) { c.Principal.MFAPresent = ptr(false) }, false},

		// Binary.
		{"BinaryEquals", `{"BinaryEquals":{"test:bin":"AAFiaW5hcnk="}}`, nil, true},
		{"BinaryEquals mismatch", `{"BinaryEquals":{"test:bin":"AAI="}}`, nil, false},

		// IP addresses.
		{"IpAddress in range", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, nil, true},
		{"IpAddress host bits set (AWS example form)", `{"IpAddress":{"aws:SourceIp":"203.0.113.99/24"}}`, nil, true},
		{"IpAddress out of range", `{"IpAddress":{"aws:SourceIp":"198.51.100.0/24"}}`, nil, false},
		{"IpAddress bare address", `{"IpAddress":{"aws:SourceIp":"203.0.113.7"}}`, nil, true},
		{"IpAddress list ORed", `{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","203.0.113.0/28"]}}`, nil, true},
		{"IpAddress IPv6", `{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}`, func(c *Context) { c.SourceIP = netip.MustParseAddr("2001:db8::1") }, true},
		{"IpAddress IPv6 caller vs IPv4 range", `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, func(c *Context) { c.SourceIP = netip.MustParseAddr("2001:db8::1") }, false},
		{"IpAddress IPv4-mapped caller", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, func(c *Context) { c.SourceIP = netip.MustParseAddr("::ffff:203.0.113.7") }, true},
		{"NotIpAddress out of range", `{"NotIpAddress":{"aws:SourceIp":"198.51.100.0/24"}}`, nil, true},
		{"NotIpAddress in one of several ranges", `{"NotIpAddress":{"aws:SourceIp":["198.51.100.0/24","203.0.113.0/24"]}}`, nil, false},
		{"NotIpAddress missing key is true", `{"NotIpAddress":{"aws:SourceIp":"198.51.100.0/24"}}`, func(c *Context) { c.SourceIP = netip.Addr{} }, true},
		{"IpAddress missing key is false", `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, func(c *Context) { c.SourceIP = netip.Addr{} }, false},

		// ARN operators.
		{"ArnEquals exact", `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/alice"}}`, nil, true},
		{"ArnLike wildcard in resource", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/*"}}`, nil, true},
		{"ArnLike wildcard account", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/alice"}}`, nil, true},
		{"ArnLike star does not cross components", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:*alice"}}`, nil, false},
		{"ArnLike is case sensitive", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/Alice"}}`, nil, false},
		{"ArnLike star spans slash and colon in resource", `{"ArnLike":{"test:arn":"arn:aws:iam::111122223333:role/*"}}`, nil, true},
		{"ArnNotLike", `{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/*"}}`, nil, true},
		{"ArnNotEquals missing key is true", `{"ArnNotEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:1:t"}}`, nil, true},
		{"ArnLike non-ARN context value is false", `{"ArnLike":{"test:single":"*"}}`, nil, false},

		// Null.
		{"Null true on absent key", `{"Null":{"aws:Referer":"true"}}`, nil, true},
		{"Null true on present key", `{"Null":{"aws:UserAgent":"true"}}`, nil, false},
		{"Null false on present key", `{"Null":{"aws:UserAgent":"false"}}`, nil, true},
		{"Null false on absent key", `{"Null":{"aws:Referer":false}}`, nil, false},

		// IfExists.
		{"StringEqualsIfExists absent", `{"StringEqualsIfExists":{"aws:Referer":"x"}}`, nil, true},
		{"StringEqualsIfExists present mismatch", `{"StringEqualsIfExists":{"aws:UserAgent":"x"}}`, nil, false},
		{"IpAddressIfExists absent", `{"IpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}}`, func(c *Context) { c.SourceIP = netip.Addr{} }, true},
		{"NumericLessThanIfExists present", `{"NumericLessThanIfExists":{"test:num":"5"}}`, nil, false},

		{"DateLessThanIfExists absent", `{"DateLessThanIfExists":{"aws:TokenIssueTime":"2000-01-01"}}`, nil, true},
		{"DateLessThanIfExists present", `{"DateLessThanIfExists":{"aws:CurrentTime":"2000-01-01"}}`, nil, false},
		{"ArnLikeIfExists absent", `{"ArnLikeIfExists":{"aws:SourceArn":"arn:aws:sns:*:*:t"}}`, nil, true},
		{"ArnNotLikeIfExists present", `{"ArnNotLikeIfExists":{"aws:PrincipalArn":"arn:aws:iam::*:user/*"}}`, nil, false},
		{"BinaryEqualsIfExists absent", `{"BinaryEqualsIfExists":{"test:none":"AAE="}}`, nil, true},
		{"StringNotEqualsIfExists present", `{"StringNotEqualsIfExists":{"aws:username":"alice"}}`, nil, false},
		{"NotIpAddressIfExists present", `{"NotIpAddressIfExists":{"aws:SourceIp":"203.0.113.0/24"}}`, nil, false},
		{"StringEqualsIgnoreCaseIfExists present", `{"StringEqualsIgnoreCaseIfExists":{"aws:username":"ALICE"}}`, nil, true},
		{"DateNotEqualsIfExists absent", `{"DateNotEqualsIfExists":{"aws:TokenIssueTime":"2000-01-01"}}`, nil, true},

		// Set qualifiers (aws:TagKeys = [key1:legal, key1:hr]).
		{"ForAnyValue:BinaryEquals", `{"ForAnyValue:BinaryEquals":{"test:bins":"AAE="}}`, func(c *Context) { c.Set("test:bins", "x", "\x00\x01") }, true},
		{"ForAllValues:StringEqualsIgnoreCase", `{"ForAllValues:StringEqualsIgnoreCase":{"aws:TagKeys":["KEY1:LEGAL","KEY1:HR"]}}`, nil, true},
		{"ForAnyValue:StringNotLike", `{"ForAnyValue:StringNotLike":{"aws:TagKeys":"key1:l*"}}`, nil, true},
		{"ForAllValues:StringNotEqualsIgnoreCase", `{"ForAllValues:StringNotEqualsIgnoreCase":{"aws:TagKeys":"KEY1:HR"}}`, nil, false},
		{"ForAnyValue:NumericNotEquals", `{"ForAnyValue:NumericNotEquals":{"test:nums":"1"}}`, func(c *Context) { c.Set("test:nums", "1", "2") }, true},
		{"ForAllValues:NotIpAddress", `{"ForAllValues:NotIpAddress":{"test:ips":"10.0.0.0/8"}}`, func(c *Context) { c.Set("test:ips", "192.0.2.1", "10.1.1.1") }, false},
		{"ForAnyValue:ArnNotLike", `{"ForAnyValue:ArnNotLike":{"test:arns":"arn:aws:iam::*:role/*"}}`, func(c *Context) {
			c.Set("test:arns", "arn:aws:iam::1:role/a", "arn:aws:iam::2:user/b")
		}, true},
		{"ForAllValues:DateNotEquals", `{"ForAllValues:DateNotEquals":{"test:dates":"2024-01-01"}}`, func(c *Context) { c.Set("test:dates", "2024-01-01T00:00:00Z") }, false},
		{"ForAllValues:StringLikeIfExists absent", `{"ForAllValues:StringLikeIfExists":{"test:none":"x"}}`, nil, true},
		{"ForAllValues all match", `{"ForAllValues:StringLike":{"aws:TagKeys":"key1*"}}`, nil, true},
		{"ForAllValues one fails", `{"ForAllValues:StringEquals":{"aws:TagKeys":["key1:legal"]}}`, nil, false},
		{"ForAllValues subset of policy values", `{"ForAllValues:StringEquals":{"aws:TagKeys":["key1:legal","key1:hr","other"]}}`, nil, true},
		{"ForAllValues missing key is true", `{"ForAllValues:StringEquals":{"test:none":"x"}}`, nil, true},
		{"ForAllValues empty set is true", `{"ForAllValues:StringEquals":{"aws:TagKeys":"x"}}`, func(c *Context) { c.Set("aws:TagKeys") }, true},
		{"ForAnyValue one matches", `{"ForAnyValue:StringEquals":{"aws:TagKeys":"key1:hr"}}`, nil, true},
		{"ForAnyValue none matches", `{"ForAnyValue:StringEquals":{"aws:TagKeys":"key2"}}`, nil, false},
		{"ForAnyValue missing key is false", `{"ForAnyValue:StringEquals":{"test:none":"x"}}`, nil, false},
		{"ForAnyValue IfExists missing key is true", `{"ForAnyValue:StringEqualsIfExists":{"test:none":"x"}}`, nil, true},
		{"ForAnyValue negated missing key is false", `{"ForAnyValue:StringNotEquals":{"test:none":"x"}}`, nil, false},
		// AWS doc table: ForAllValues:StringNotLike key1* → key2:audit matches, key1:legal does not, absent matches.
		{"ForAllValues:StringNotLike all unmatched", `{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}`, func(c *Context) { c.Set("aws:TagKeys", "key2:audit") }, true},
		{"ForAllValues:StringNotLike one matched", `{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}`, func(c *Context) { c.Set("aws:TagKeys", "key1:legal") }, false},
		{"ForAllValues:StringNotLike absent", `{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}`, func(c *Context) { c.Set("aws:TagKeys") }, true},
		{"ForAnyValue:StringNotEquals some value outside", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"key1:legal"}}`, nil, true},
		{"ForAnyValue:StringNotEquals all inside", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["key1:legal","key1:hr"]}}`, nil, false},
		{"plain operator on multivalued key: any value", `{"StringEquals":{"aws:TagKeys":"key1:hr"}}`, nil, true},
		{"plain negated operator on multivalued key: none may match", `{"StringNotEquals":{"aws:TagKeys":"key1:hr"}}`, nil, false},
		{"ForAnyValue on single-valued key", `{"ForAnyValue:StringEquals":{"aws:username":"alice"}}`, nil, true},
		{"ForAllValues:NumericLessThan", `{"ForAllValues:NumericLessThan":{"test:nums":"10"}}`, func(c *Context) { c.Set("test:nums", "1", "9") }, true},
		{"ForAnyValue:IpAddress", `{"ForAnyValue:IpAddress":{"test:ips":"10.0.0.0/8"}}`, func(c *Context) { c.Set("test:ips", "192.0.2.1", "10.1.1.1") }, true},
		{"ForAllValues:ArnLike", `{"ForAllValues:ArnLike":{"test:arns":"arn:aws:iam::*:role/*"}}`, func(c *Context) {
			c.Set("test:arns", "arn:aws:iam::1:role/a", "arn:aws:iam::2:user/b")
		}, false},
		{"ForAnyValue:DateGreaterThan", `{"ForAnyValue:DateGreaterThan":{"test:dates":"2025-01-01"}}`, func(c *Context) { c.Set("test:dates", "2024-01-01", "2025-06-01T00:00:00Z") }, true},
		{"ForAllValues:Bool", `{"ForAllValues:Bool":{"test:bools":"true"}}`, func(c *Context) { c.Set("test:bools", "true", "false") }, false},

		// Multiple keys and operators are ANDed.
		{"two keys AND both true", `{"StringEquals":{"aws:username":"alice","aws:PrincipalAccount":"111122223333"}}`, nil, true},
		{"two keys AND one false", `{"StringEquals":{"aws:username":"alice","aws:PrincipalAccount":"999999999999"}}`, nil, false},
		{"two operators AND", `{"StringEquals":{"aws:username":"alice"},"IpAddress":{"aws:SourceIp":"198.51.100.0/24"}}`, nil, false},

		// Principal-derived keys.
		{"PrincipalTag case-insensitive tag key", `{"StringEquals":{"aws:PrincipalTag/team":"blue"}}`, nil, true},
		{"PrincipalTag missing tag", `{"StringEquals":{"aws:PrincipalTag/none":"blue"}}`, nil, false},
		{"PrincipalType", `{"StringEquals":{"aws:PrincipalType":"User"}}`, nil, true},
		{"userid", `{"StringEquals":{"aws:userid":"AIDAEXAMPLE"}}`, nil, true},
		{"anonymous has no username", `{"StringEquals":{"aws:username":"alice"}}`, func(c *Context) { c.Principal = nil }, false},
		{"anonymous: Null username", `{"Null":{"aws:username":"true"}}`, func(c *Context) { c.Principal = nil }, true},
		{"OrgPaths multivalued", `{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"o-a/r-b/*"}}`, func(c *Context) { c.Principal.OrgPaths = []string{"o-a/r-b/ou-1/"} }, true},
		{"TokenIssueTime", `{"DateLessThan":{"aws:TokenIssueTime":"2026-11-22T01:00:00Z"}}`, func(c *Context) { c.Principal.TokenIssueTime = testNow.Add(-time.Hour) }, true},
		{"MultiFactorAuthAge", `{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}`, func(c *Context) { c.Principal.MFAAgeSeconds = ptr(int64(60)) }, true},
		{"Referer present", `{"StringLike":{"aws:Referer":"https://example.com/*"}}`, func(c *Context) { c.Referer = ptr("https://example.com/a") }, true},
		{"SourceVpc absent by default", `{"Null":{"aws:SourceVpc":"true"}}`, nil, true},

		// Policy variables in condition values.
		{"variable in StringEquals", `{"StringEquals":{"test:single":"${aws:username}"}}`, func(c *Context) { c.Set("test:single", "alice") }, true},
		{"variable in StringLike", `{"StringLike":{"test:single":"home/${aws:username}/*"}}`, func(c *Context) { c.Set("test:single", "home/alice/x") }, true},
		{"variable value is literal, not a wildcard", `{"StringLike":{"test:single":"${aws:PrincipalTag/team}"}}`, func(c *Context) {
			c.Principal.Tags["Team"] = "*"
			c.Set("test:single", "anything")
		}, false},
		{"variable default used when absent", `{"StringEquals":{"test:single":"${aws:Referer, 'none'}"}}`, func(c *Context) { c.Set("test:single", "none") }, true},
		{"unresolved variable makes condition false", `{"StringNotEquals":{"test:single":"${aws:Referer}"}}`, nil, false},
		{"variable in ArnLike", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::${aws:PrincipalAccount}:user/*"}}`, nil, true},
		{"CurrentTime variable", `{"StringEquals":{"test:single":"${aws:CurrentTime}"}}`, func(c *Context) { c.Set("test:single", "2026-11-22T01:30:00Z") }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := condPolicy(t, tt.cond)
			ctx := baseCtx()
			if tt.ctx != nil {
				tt.ctx(ctx)
			}
			d := p.Evaluate(&Request{Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:us-east-1:111122223333:a/dev/GET/", Context: ctx})
			if got := d.Effect == Allow; got != tt.want {
				_, tr := Explain(&Request{Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:us-east-1:111122223333:a/dev/GET/", Context: ctx}, p)
				t.Errorf("condition %s = %v, want %v (trace %+v)", tt.cond, got, tt.want, tr)
			}
		})
	}
}

func TestVersion2008DoesNotExpandVariables(t *testing.T) {
	doc := `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"test:v":"${aws:username}"}}}}`
	p, err := Parse([]byte(doc), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := baseCtx()
	ctx.Set("test:v", "${aws:username}")
	if d := p.Evaluate(&Request{Action: "a:b", Resource: "arn:aws:s3:::x", Context: ctx}); d.Effect != Allow {
		t.Errorf("2008 policy: literal ${aws:username} should match literally, got %v", d.Effect)
	}
	ctx.Set("test:v", "alice")
	if d := p.Evaluate(&Request{Action: "a:b", Resource: "arn:aws:s3:::x", Context: ctx}); d.Effect != ImplicitDeny {
		t.Errorf("2008 policy: variable must not expand, got %v", d.Effect)
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

// TestSourceIPFastPathMatchesGeneral checks that Evaluate's aws:SourceIp
// shortcut for IpAddress / NotIpAddress decides exactly as the general
// condition path (which Explain's traces use) for every qualifier and kind
// of caller address, absent included.
func TestSourceIPFastPathMatchesGeneral(t *testing.T) {
	addrs := []struct {
		name string
		ip   netip.Addr
	}{
		{"absent", netip.Addr{}},
		{"v4 inside", mustAddr("203.0.113.7")},
		{"v4 outside", mustAddr("198.51.100.1")},
		{"v4-mapped inside", mustAddr("::ffff:203.0.113.7")},
		{"v6 inside", mustAddr("2001:db8::1")},
		{"v6 zoned inside", mustAddr("2001:db8::1%eth0")},
		{"v6 outside", mustAddr("2001:db9::1")},
	}
	for _, op := range []string{"IpAddress", "NotIpAddress", "IpAddressIfExists", "NotIpAddressIfExists"} {
		for _, q := range []string{"", "ForAnyValue:", "ForAllValues:"} {
			for _, vals := range []string{`"203.0.113.0/24"`, `["10.0.0.0/8","2001:db8::/32"]`, `["2001:db8::/32","203.0.113.7"]`} {
				cond := `{"` + q + op + `":{"aws:SourceIp":` + vals + `}}`
				p := condPolicy(t, cond)
				for _, a := range addrs {
					t.Run(cond+"/"+a.name, func(t *testing.T) {
						ctx := baseCtx()
						ctx.SourceIP = a.ip
						r := &Request{Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:us-east-1:111122223333:abc/dev/GET/x", Context: ctx}
						d, traces := Explain(r, p)
						if got, want := d.Effect == Allow, traces[0].Applies; got != want {
							t.Errorf("Evaluate allows = %v, general condition path = %v", got, want)
						}
					})
				}
			}
		}
	}
}
