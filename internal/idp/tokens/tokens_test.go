package tokens

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

var update = flag.Bool("update", false, "rewrite golden files")

func fixedIDs() func() string {
	n := 0
	return func() string {
		n++
		return fmt.Sprintf("00000000-0000-4000-8000-%012d", n)
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s mismatch:\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

func baseRequest() Request {
	return Request{
		PoolID:   "us-east-1_AbCdEfGhI",
		Issuer:   "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEfGhI",
		ClientID: "6h89qn2bfglbmvfebq9aaknqk0",
		Username: "janedoe",
		Sub:      "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
		Attributes: store.Attributes{
			{Name: "sub", Value: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"},
			{Name: "email", Value: "jane@example.com"},
			{Name: "email_verified", Value: "true"},
			{Name: "phone_number_verified", Value: "false"},
			{Name: "updated_at", Value: "1700000000"},
			{Name: "custom:tier", Value: "42"},
		},
		Groups: []GroupInfo{
			{Name: "admin", RoleArn: "arn:aws:iam::123456789012:role/admin", Precedence: 1},
			{Name: "regular", Precedence: 1<<63 - 1},
		},
		AuthTime:       time.Unix(1700000000, 0),
		OriginJTI:      "11111111-1111-4111-8111-111111111111",
		EventID:        "22222222-2222-4222-8222-222222222222",
		IDValidity:     time.Hour,
		AccessValidity: 30 * time.Minute,
	}
}

func TestClaimsGolden(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Request)
	}{
		{"plain", func(*Request) {}},
		{"no groups", func(r *Request) { r.Groups = nil }},
		{"v1 overrides", func(r *Request) {
			r.Overrides = &Overrides{ID: ClaimEdits{
				Add:      map[string]any{"scope": "admin-c regular-c", "tier": "gold", "sub": "evil", "email": "x@y"},
				Suppress: []string{"email", "iss", "custom:tier"},
			}}
		}},
		{"group override empty removes", func(r *Request) {
			r.Overrides = &Overrides{Groups: &GroupOverride{}}
		}},
		{"v2 access edits", func(r *Request) {
			r.Overrides = &Overrides{
				Access:           ClaimEdits{Add: map[string]any{"tenant": "t1", "client_id": "evil"}, Suppress: []string{"event_id"}},
				Groups:           &GroupOverride{Groups: []string{"g1"}, PreferredRole: "arn:aws:iam::1:role/x"},
				ScopesToAdd:      []string{"photos/read"},
				ScopesToSuppress: []string{AdminScope},
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := New(nil, func() time.Time { return time.Unix(1700000100, 0) }, fixedIDs())
			req := baseRequest()
			tt.edit(&req)
			id, access := is.Claims(req)
			got, err := json.MarshalIndent(map[string]any{"id": id, "access": access}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, strings.ReplaceAll(tt.name, " ", "_")+".json", append(got, '\n'))
		})
	}
}

func TestClaimsInvariants(t *testing.T) {
	is := New(nil, func() time.Time { return time.Unix(1700000100, 0) }, fixedIDs())
	id, access := is.Claims(baseRequest())
	if _, ok := access["aud"]; ok {
		t.Error("access token has aud")
	}
	if _, ok := access["email"]; ok {
		t.Error("access token carries attributes")
	}
	if id["jti"] == access["jti"] {
		t.Error("id and access jti equal")
	}
	if id["origin_jti"] != access["origin_jti"] {
		t.Error("origin_jti differs")
	}
	if got, want := id["exp"].(int64)-id["iat"].(int64), int64(3600); got != want {
		t.Errorf("id lifetime = %d, want %d", got, want)
	}
	if got, want := access["exp"].(int64)-access["iat"].(int64), int64(1800); got != want {
		t.Errorf("access lifetime = %d, want %d", got, want)
	}
}

func TestPreferredRoleTie(t *testing.T) {
	_, _, pref := groupClaims([]GroupInfo{{Name: "a", RoleArn: "r1", Precedence: 1}, {Name: "b", RoleArn: "r2", Precedence: 1}})
	if pref != "" {
		t.Errorf("preferred = %q, want none on a tie", pref)
	}
	_, _, pref = groupClaims([]GroupInfo{{Name: "a", RoleArn: "r1", Precedence: 2}, {Name: "b", RoleArn: "r2", Precedence: 1}})
	if pref != "r2" {
		t.Errorf("preferred = %q, want r2", pref)
	}
}

func TestValidities(t *testing.T) {
	tests := []struct {
		name                 string
		c                    store.Client
		wantID, wantA, wantR time.Duration
	}{
		{"defaults", store.Client{}, time.Hour, time.Hour, 30 * 24 * time.Hour},
		{"default units", store.Client{IDTokenValidity: 2, AccessTokenValidity: 3, RefreshTokenValidity: 5}, 2 * time.Hour, 3 * time.Hour, 5 * 24 * time.Hour},
		{"explicit units", store.Client{IDTokenValidity: 300, AccessTokenValidity: 10, RefreshTokenValidity: 60,
			TokenValidityUnits: store.TokenValidityUnits{IDToken: "seconds", AccessToken: "minutes", RefreshToken: "minutes"}},
			5 * time.Minute, 10 * time.Minute, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, a, r := Validities(tt.c)
			if id != tt.wantID || a != tt.wantA || r != tt.wantR {
				t.Errorf("got %v %v %v, want %v %v %v", id, a, r, tt.wantID, tt.wantA, tt.wantR)
			}
		})
	}
}

func TestNewRefreshToken(t *testing.T) {
	tok, hash, err := NewRefreshToken(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, "eyJjdHkiOiJKV1Qi") || strings.Count(tok, ".") != 4 {
		t.Errorf("token shape %q", tok[:20])
	}
	if !bytes.Equal(hash, store.HashToken(tok)) {
		t.Error("hash mismatch")
	}
	tok2, _, _ := NewRefreshToken(rand.Reader)
	if tok == tok2 {
		t.Error("tokens repeat")
	}
}
