package arn

import (
	"errors"
	"regexp"
	"testing"
)

func TestMethodARN(t *testing.T) {
	tests := []struct {
		name                                      string
		region, account, api, stage, method, path string
		want                                      string
	}{
		// Reference §4.1: GET /pets/{petId} called as /pets/a1b2.
		{"path parameter uses the actual path", "us-east-1", "123456789012", "abc123", "dev", "GET", "/pets/a1b2",
			"arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/pets/a1b2"},
		{"root has trailing slash", "us-east-1", "123456789012", "abc123", "dev", "GET", "/",
			"arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/"},
		{"empty path is root", "us-east-1", "123456789012", "abc123", "dev", "GET", "",
			"arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/"},
		{"ANY route uses the real verb, lower case input", "eu-west-1", "111122223333", "a1", "prod", "post", "/mydemoresource/x",
			"arn:aws:execute-api:eu-west-1:111122223333:a1/prod/POST/mydemoresource/x"},
		{"HTTP default stage", "us-east-1", "123456789012", "xyz", "$default", "GET", "/items/7",
			"arn:aws:execute-api:us-east-1:123456789012:xyz/$default/GET/items/7"},
		{"decoded path kept decoded", "us-east-1", "123456789012", "abc123", "dev", "GET", "/a b/ü",
			"arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/a b/ü"},
		{"trailing slash preserved", "us-east-1", "123456789012", "abc123", "dev", "DELETE", "/pets/",
			"arn:aws:execute-api:us-east-1:123456789012:abc123/dev/DELETE/pets/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MethodARN(tt.region, tt.account, tt.api, tt.stage, tt.method, tt.path)
			if got != tt.want {
				t.Errorf("MethodARN = %q, want %q", got, tt.want)
			}
			e, err := ParseExecuteAPI(got)
			if err != nil {
				t.Fatalf("ParseExecuteAPI(%q): %v", got, err)
			}
			if e.String() != got {
				t.Errorf("round trip = %q, want %q", e.String(), got)
			}
		})
	}
}

func TestAuthorizerARN(t *testing.T) {
	got := AuthorizerARN("us-east-1", "123456789012", "abc123", "auth1")
	want := "arn:aws:execute-api:us-east-1:123456789012:abc123/authorizers/auth1"
	if got != want {
		t.Errorf("AuthorizerARN = %q, want %q", got, want)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    ARN
		wantErr bool
	}{
		{"execute-api", "arn:aws:execute-api:us-east-1:123456789012:abc/dev/GET/a:b",
			ARN{"aws", "execute-api", "us-east-1", "123456789012", "abc/dev/GET/a:b"}, false},
		{"iam user", "arn:aws:iam::123456789012:user/alice", ARN{"aws", "iam", "", "123456789012", "user/alice"}, false},
		{"empty resource", "arn:aws:s3:::", ARN{"aws", "s3", "", "", ""}, false},
		{"too few parts", "arn:aws:iam::123456789012", ARN{}, true},
		{"no prefix", "aws:iam::1:user/x:y", ARN{}, true},
		{"upper case prefix", "ARN:aws:iam::1:user/x", ARN{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrNotARN) {
					t.Fatalf("Parse(%q) err = %v, want ErrNotARN", tt.in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if got.String() != tt.in {
				t.Errorf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func TestParseExecuteAPIErrors(t *testing.T) {
	for _, in := range []string{
		"arn:aws:iam::123456789012:user/alice",
		"arn:aws:execute-api:us-east-1:123456789012:abc",
		"arn:aws:execute-api:us-east-1:123456789012:abc/dev",
		"arn:aws:execute-api:us-east-1:123456789012:abc/dev/GET",
		"arn:aws:execute-api:us-east-1:123456789012:/dev/GET/",
		"not-an-arn",
	} {
		t.Run(in, func(t *testing.T) {
			if _, err := ParseExecuteAPI(in); err == nil {
				t.Errorf("ParseExecuteAPI(%q) succeeded, want error", in)
			}
		})
	}
}

func TestMaskAccount(t *testing.T) {
	tests := []struct{ in, want string }{
		{"arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/pets", "arn:aws:execute-api:us-east-1:********9012:abc123/dev/GET/pets"},
		{"arn:aws:execute-api:us-east-1:123:abc/dev/GET/", "arn:aws:execute-api:us-east-1:123:abc/dev/GET/"},
		{"arn:aws:execute-api:us-east-1:123456789012:abc/dev/GET/123456789012", "arn:aws:execute-api:us-east-1:********9012:abc/dev/GET/123456789012"},
		{"garbage", "garbage"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := MaskAccount(tt.in); got != tt.want {
				t.Errorf("MaskAccount = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestIsAccountID(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"twelve digits", "123456789012", true},
		{"leading zeros", "000000000001", true},
		{"eleven digits", "12345678901", false},
		{"thirteen digits", "1234567890123", false},
		{"letter", "12345678901a", false},
		{"space", "12345678901 ", false},
		{"fullwidth digit, twelve bytes", "123456789\uff11", false},
		{"empty", "", false},
		{"root ARN", "arn:aws:iam::123456789012:root", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsAccountID(tt.in); got != tt.want {
				t.Errorf("IsAccountID(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzParseExecuteAPI(f *testing.F) {
	f.Add("arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/pets/a1b2")
	f.Add("arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/")
	f.Add("arn:aws:iam::123456789012:user/alice")
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseExecuteAPI(s)
		if err != nil {
			return
		}
		if got := e.String(); got != s {
			t.Fatalf("round trip %q -> %q", s, got)
		}
		_ = MaskAccount(s)
	})
}

// userPoolPattern is the grammar ParseUserPool implements, as a regular
// expression: the reference its table and fuzz target check it against.
var userPoolPattern = regexp.MustCompile(`^arn:aws[a-z-]*:cognito-idp:([a-z0-9-]+):\d{12}:userpool/([\w-]+_[0-9a-zA-Z]+)$`)

func TestParseUserPool(t *testing.T) {
	tests := []struct {
		in             string
		region, poolID string
		ok             bool
	}{
		{"arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbC123", "eu-west-1", "eu-west-1_AbC123", true},
		{"arn:aws-cn:cognito-idp:cn-north-1:123456789012:userpool/cn-north-1_x", "cn-north-1", "cn-north-1_x", true},
		{"arn:aws-us-gov:cognito-idp:us-gov-west-1:123456789012:userpool/us-gov-west-1_Z9", "us-gov-west-1", "us-gov-west-1_Z9", true},
		{"arn:aws:cognito-idp:us-east-1:123456789012:userpool/a_b_c", "us-east-1", "a_b_c", true},
		{"arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_", "", "", false},
		{"arn:aws:cognito-idp:us-east-1:123456789012:userpool/_abc", "", "", false},
		{"arn:aws:cognito-idp:us-east-1:123456789012:userpool/noUnderscore", "", "", false},
		{"arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_a-b", "", "", false},
		{"arn:aws:cognito-idp:us-east-1:123456789012:userpool/us east_1", "", "", false},
		{"arn:aws:cognito-idp:us-east-1:12345678901:userpool/us-east-1_a", "", "", false},
		{"arn:aws:cognito-idp:US-EAST-1:123456789012:userpool/us-east-1_a", "", "", false},
		{"arn:aws:cognito-idp::123456789012:userpool/us-east-1_a", "", "", false},
		{"arn:aws:cognito:us-east-1:123456789012:userpool/us-east-1_a", "", "", false},
		{"arn:gcp:cognito-idp:us-east-1:123456789012:userpool/us-east-1_a", "", "", false},
		{"arn:aws:cognito-idp:us-east-1:123456789012:identitypool/us-east-1_a", "", "", false},
		{"arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_a/extra", "", "", false},
		{"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_a", "", "", false},
		{"", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			region, id, ok := ParseUserPool(tc.in)
			if region != tc.region || id != tc.poolID || ok != tc.ok {
				t.Fatalf("ParseUserPool = %q, %q, %v; want %q, %q, %v", region, id, ok, tc.region, tc.poolID, tc.ok)
			}
			if m := userPoolPattern.FindStringSubmatch(tc.in); (m != nil) != tc.ok {
				t.Fatalf("test case disagrees with the reference pattern")
			}
		})
	}
}

func FuzzParseUserPool(f *testing.F) {
	f.Add("arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbC123")
	f.Add("arn:aws-cn:cognito-idp:cn-north-1:123456789012:userpool/a_b_c")
	f.Add("arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_")
	f.Fuzz(func(t *testing.T, s string) {
		region, id, ok := ParseUserPool(s)
		m := userPoolPattern.FindStringSubmatch(s)
		if ok != (m != nil) {
			t.Fatalf("ParseUserPool(%q) ok=%v, pattern match=%v", s, ok, m != nil)
		}
		if ok && (region != m[1] || id != m[2]) {
			t.Fatalf("ParseUserPool(%q) = %q, %q; pattern %q, %q", s, region, id, m[1], m[2])
		}
	})
}
