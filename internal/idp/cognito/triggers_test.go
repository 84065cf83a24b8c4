package cognito

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/gatehouse/gatehouse/internal/idp/tokens"
)

func TestParsePreToken(t *testing.T) {
	tests := []struct {
		name    string
		version string
		raw     string
		want    *tokens.Overrides
		wantErr bool
	}{
		{"empty", "1", ``, nil, false},
		{"null", "1", `null`, nil, false},
		{"no details", "1", `{}`, nil, false},
		{"v1 add and suppress", "1", `{"claimsOverrideDetails":{"claimsToAddOrOverride":{"scope":"a b"},"claimsToSuppress":["email"]}}`,
			&tokens.Overrides{ID: tokens.ClaimEdits{Add: map[string]any{"scope": "a b"}, Suppress: []string{"email"}}}, false},
		{"v1 non-string claim", "1", `{"claimsOverrideDetails":{"claimsToAddOrOverride":{"n":5}}}`, nil, true},
		{"v1 group override null removes", "1", `{"claimsOverrideDetails":{"groupOverrideDetails":null}}`,
			&tokens.Overrides{ID: tokens.ClaimEdits{Add: map[string]any{}}, Groups: &tokens.GroupOverride{}}, false},
		{"v1 group override", "1", `{"claimsOverrideDetails":{"groupOverrideDetails":{"groupsToOverride":["g"],"preferredRole":"r"}}}`,
			&tokens.Overrides{ID: tokens.ClaimEdits{Add: map[string]any{}}, Groups: &tokens.GroupOverride{Groups: []string{"g"}, PreferredRole: "r"}}, false},
		{"v2 access scopes", "2", `{"claimsAndScopeOverrideDetails":{"accessTokenGeneration":{"scopesToAdd":["s"],"claimsToAddOrOverride":{"n":5}}}}`,
			&tokens.Overrides{Access: tokens.ClaimEdits{Add: map[string]any{"n": float64(5)}}, ScopesToAdd: []string{"s"}}, false},
		{"malformed", "2", `{"claimsAndScopeOverrideDetails":[]}`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePreToken(tt.version, json.RawMessage(tt.raw))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func FuzzParsePreToken(f *testing.F) {
	for _, s := range []string{``, `null`, `{"claimsOverrideDetails":{"claimsToAddOrOverride":{"scope":"a"}}}`,
		`{"claimsAndScopeOverrideDetails":{"groupOverrideDetails":{"groupsToOverride":["g"]}}}`} {
		f.Add("1", s)
		f.Add("2", s)
	}
	f.Fuzz(func(t *testing.T, version, raw string) {
		ov, err := parsePreToken(version, json.RawMessage(raw))
		if err != nil || ov == nil {
			return
		}
		is := tokens.New(nil, fakeNow, func() string { return "id" })
		id, access := is.Claims(tokens.Request{Sub: "s", Username: "u", ClientID: "c", Overrides: ov})
		if id["sub"] != "s" || access["client_id"] != "c" || id["token_use"] != "id" {
			t.Fatalf("protected claims changed: %v %v", id, access)
		}
	})
}

func FuzzCheckPassword(f *testing.F) {
	h, _ := hashPassword(zeroReader{}, HashParams{Memory: 64, Time: 1, Threads: 1}, "pw")
	f.Add(string(h), "pw")
	f.Add("$argon2id$v=19$m=1,t=1,p=1$$", "")
	f.Add("$bcrypt$", "x")
	f.Fuzz(func(t *testing.T, encoded, pw string) {
		// Must not panic or burn unbounded resources.
		if len(encoded) > 256 {
			return
		}
		_ = checkPassword([]byte(encoded), pw)
	})
}
