package store

import (
	"crypto/rand"
	"fmt"
	"io"
	"strings"
)

// NormalizeKey returns the key a backend indexes a username or alias value
// under: the value itself, or its lower-case form in case-insensitive pools.
func NormalizeKey(value string, caseInsensitive bool) string {
	if caseInsensitive {
		return strings.ToLower(value)
	}
	return value
}

// DeriveAliases implements Cognito's rule for which sign-in aliases a user
// holds, for callers to assign to User.Aliases after every change:
//   - each UsernameAttributes attribute the user has is held in any status;
//   - an AliasAttributes attribute is held once the user is no longer
//     UNCONFIRMED and, for email and phone_number, the matching
//     *_verified attribute is "true".
func DeriveAliases(s PoolSettings, u User) Attributes {
	var out Attributes
	for _, name := range s.UsernameAttributes {
		if v, ok := u.Attributes.Get(name); ok && v != "" {
			out = out.Set(name, v)
		}
	}
	if u.Status == StatusUnconfirmed {
		return out
	}
	for _, name := range s.AliasAttributes {
		v, ok := u.Attributes.Get(name)
		if !ok || v == "" {
			continue
		}
		if name == "email" || name == "phone_number" {
			if verified, _ := u.Attributes.Get(name + "_verified"); verified != "true" {
				continue
			}
		}
		out = out.Set(name, v)
	}
	return out
}

const (
	alnum      = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	lowerAlnum = "0123456789abcdefghijklmnopqrstuvwxyz"
)

// randomString returns n characters drawn uniformly from alphabet, reading
// from r (crypto/rand.Reader when nil). Rejection sampling avoids bias.
func randomString(r io.Reader, alphabet string, n int) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n*2)
	for len(out) < n {
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", fmt.Errorf("read random: %w", err)
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out), nil
}

// NewUserPoolID returns a pool id of Cognito's form `{region}_{9 alnum}`.
// r is the randomness source (nil = crypto/rand).
func NewUserPoolID(region string, r io.Reader) (string, error) {
	if region == "" || strings.Contains(region, "_") {
		return "", fmt.Errorf("region %q: %w", region, ErrInvalid)
	}
	s, err := randomString(r, alnum, 9)
	if err != nil {
		return "", err
	}
	return region + "_" + s, nil
}

// NewClientID returns an app client id: 26 characters [a-z0-9].
func NewClientID(r io.Reader) (string, error) {
	return randomString(r, lowerAlnum, 26)
}

// NewClientSecret returns a client secret: 51 characters [a-z0-9].
func NewClientSecret(r io.Reader) (string, error) {
	return randomString(r, lowerAlnum, 51)
}
