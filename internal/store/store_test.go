package store

import (
	"bytes"
	"errors"
	"reflect"
	"regexp"
	"testing"
)

func TestCursorRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		key  []string
	}{
		{"one", []string{"us-east-1_abc"}},
		{"two", []string{"-5", "name with \"quotes\" and /slashes/"}},
		{"empty part", []string{""}},
		{"unicode", []string{"zoë😀"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := EncodeCursor(tc.key...)
			got, err := DecodeCursor(tok, len(tc.key))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.key) {
				t.Errorf("got %q, want %q", got, tc.key)
			}
		})
	}
	if got, err := DecodeCursor("", 1); got != nil || err != nil {
		t.Errorf("empty token = %v, %v; want nil, nil", got, err)
	}
	for name, tok := range map[string]string{
		"not base64":  "***",
		"not json":    "bm90IGpzb24",
		"wrong arity": EncodeCursor("a"),
		"too long":    string(bytes.Repeat([]byte("A"), maxTokenLen+1)),
	} {
		if _, err := DecodeCursor(tok, 2); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: got %v, want ErrInvalid", name, err)
		}
	}
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add(EncodeCursor("a"), 1)
	f.Add(EncodeCursor("1", "b"), 2)
	f.Add("%%%", 1)
	f.Fuzz(func(t *testing.T, tok string, parts int) {
		parts = parts%4 + 1
		if parts < 1 {
			parts += 4
		}
		key, err := DecodeCursor(tok, parts)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if tok != "" && len(key) != parts {
			t.Fatalf("decoded %d parts, want %d", len(key), parts)
		}
	})
}

func TestIDs(t *testing.T) {
	for range 50 {
		id, err := NewUserPoolID("eu-west-2", nil)
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^eu-west-2_[0-9A-Za-z]{9}$`).MatchString(id) {
			t.Fatalf("pool id %q", id)
		}
		c, err := NewClientID(nil)
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^[a-z0-9]{26}$`).MatchString(c) {
			t.Fatalf("client id %q", c)
		}
		sec, err := NewClientSecret(nil)
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^[a-z0-9]{51}$`).MatchString(sec) {
			t.Fatalf("client secret %q", sec)
		}
	}
	for _, region := range []string{"", "us_east"} {
		if _, err := NewUserPoolID(region, nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("region %q: got %v, want ErrInvalid", region, err)
		}
	}
	// Bytes at or above the rejection limit are skipped, not folded.
	r := bytes.NewReader(append(bytes.Repeat([]byte{255}, 18), bytes.Repeat([]byte{1}, 18)...))
	id, err := NewUserPoolID("r", r)
	if err != nil {
		t.Fatal(err)
	}
	if id != "r_111111111" {
		t.Errorf("deterministic id = %q, want r_111111111", id)
	}
	if _, err := NewClientID(bytes.NewReader(nil)); err == nil {
		t.Error("short random source: want error")
	}
}

func TestDeriveAliases(t *testing.T) {
	attrs := Attributes{{Name: "email", Value: "a@example.com"}, {Name: "email_verified", Value: "true"},
		{Name: "phone_number", Value: "+15550100"}, {Name: "phone_number_verified", Value: "false"},
		{Name: "preferred_username", Value: "ally"}}
	tests := []struct {
		name     string
		settings PoolSettings
		status   string
		want     Attributes
	}{
		{"no aliases", PoolSettings{}, StatusConfirmed, nil},
		{"verified email and preferred_username", PoolSettings{AliasAttributes: []string{"email", "phone_number", "preferred_username"}},
			StatusConfirmed, Attributes{{Name: "email", Value: "a@example.com"}, {Name: "preferred_username", Value: "ally"}}},
		{"unconfirmed holds no alias", PoolSettings{AliasAttributes: []string{"email", "preferred_username"}}, StatusUnconfirmed, nil},
		{"username attributes held while unconfirmed", PoolSettings{UsernameAttributes: []string{"email", "phone_number"}},
			StatusUnconfirmed, Attributes{{Name: "email", Value: "a@example.com"}, {Name: "phone_number", Value: "+15550100"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := DeriveAliases(tc.settings, User{Status: tc.status, Attributes: attrs})
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestAttributes(t *testing.T) {
	var a Attributes
	a = a.Set("b", "1").Set("a", "2").Set("b", "3")
	if want := (Attributes{{"b", "3"}, {"a", "2"}}); !reflect.DeepEqual(a, want) {
		t.Errorf("after Set: %+v, want %+v", a, want)
	}
	if v, ok := a.Get("a"); !ok || v != "2" {
		t.Errorf("Get(a) = %q, %v", v, ok)
	}
	if _, ok := a.Get("z"); ok {
		t.Error("Get(z) found")
	}
	a = a.Delete("b")
	if want := (Attributes{{"a", "2"}}); !reflect.DeepEqual(a, want) {
		t.Errorf("after Delete: %+v, want %+v", a, want)
	}
}

func TestAliasKeys(t *testing.T) {
	u := User{Aliases: Attributes{{"email", "A@B.com"}, {"preferred_username", "Al"}}}
	got, err := AliasKeys(u, true)
	if err != nil {
		t.Fatal(err)
	}
	if want := []AliasKey{{"email", "a@b.com"}, {"preferred_username", "al"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	for name, bad := range map[string]Attributes{
		"empty value": {{"email", ""}},
		"empty name":  {{"", "x"}},
		"repeated":    {{"email", "a"}, {"email", "b"}},
	} {
		if _, err := AliasKeys(User{Aliases: bad}, false); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: got %v, want ErrInvalid", name, err)
		}
	}
}

// TestPageLimit backs docs/storage.md: page size defaults to 60 and is
// capped at 1000.
func TestPageLimit(t *testing.T) {
	tests := []struct {
		name  string
		limit int
		want  int
	}{
		{"zero is the default", 0, 60},
		{"negative is the default", -3, 60},
		{"one", 1, 1},
		{"as asked", 250, 250},
		{"at the cap", 1000, 1000},
		{"over the cap", 1001, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (ListOptions{Limit: tt.limit}).PageLimit(); got != tt.want {
				t.Errorf("PageLimit(%d) = %d, want %d", tt.limit, got, tt.want)
			}
		})
	}
}
