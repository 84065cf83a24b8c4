package cognito

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"unicode"

	"golang.org/x/crypto/argon2"

	"github.com/gatehouse/gatehouse/internal/idp/srp"
	"github.com/gatehouse/gatehouse/internal/store"
)

// HashParams are argon2id parameters for stored password hashes.
type HashParams struct {
	// Memory in KiB, Time iterations, Threads lanes.
	Memory  uint32
	Time    uint32
	Threads uint8
}

// DefaultHashParams follow OWASP's argon2id floor (19 MiB, 2 passes, 1
// lane); docs/userpools.md justifies them against login throughput.
var DefaultHashParams = HashParams{Memory: 19 * 1024, Time: 2, Threads: 1}

const maxPasswordLen = 256

func hashPassword(r io.Reader, p HashParams, password string) ([]byte, error) {
	salt := make([]byte, 16)
	if _, err := io.ReadFull(r, salt); err != nil {
		return nil, fmt.Errorf("read salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, 32)
	enc := fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
	return []byte(enc), nil
}

// checkPassword verifies password against an encoded argon2id hash in
// constant time. Malformed hashes never match.
func checkPassword(encoded []byte, password string) bool {
	parts := strings.Split(string(encoded), "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<18 || t > 16 {
		return false
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is verified against for unknown users so the timing of a
// failed sign-in does not reveal whether the user exists.
func (s *Server) dummyCheck(password string) {
	if s.dummy == nil {
		return
	}
	checkPassword(s.dummy, password)
}

const passwordSymbols = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- "

func defaultPolicy(pp store.PasswordPolicy) store.PasswordPolicy {
	if pp.MinimumLength == 0 {
		pp.MinimumLength = 8
	}
	if pp.TemporaryPasswordValidityDays == 0 {
		pp.TemporaryPasswordValidityDays = 7
	}
	return pp
}

// checkPolicy enforces a pool's password policy with Cognito's messages.
func checkPolicy(pp store.PasswordPolicy, pw string) error {
	pp = defaultPolicy(pp)
	const prefix = "Password did not conform with password policy: "
	if len(pw) > maxPasswordLen {
		return apiErr(excInvalidPassword, prefix+"Password too long")
	}
	if len([]rune(pw)) < pp.MinimumLength {
		return apiErr(excInvalidPassword, prefix+"Password not long enough")
	}
	var upper, lower, digit, symbol bool
	for _, r := range pw {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		case r < unicode.MaxASCII && strings.ContainsRune(passwordSymbols, r):
			symbol = true
		}
	}
	switch {
	case pp.RequireLowercase && !lower:
		return apiErr(excInvalidPassword, prefix+"Password must have lowercase characters")
	case pp.RequireUppercase && !upper:
		return apiErr(excInvalidPassword, prefix+"Password must have uppercase characters")
	case pp.RequireNumbers && !digit:
		return apiErr(excInvalidPassword, prefix+"Password must have numeric characters")
	case pp.RequireSymbols && !symbol:
		return apiErr(excInvalidPassword, prefix+"Password must have symbol characters")
	}
	return nil
}

// setPassword stores the password material (argon2id hash, SRP salt and
// verifier) on u. The SRP verifier is keyed by the internal username.
func (s *Server) setPassword(poolID string, u *store.User, pw string) error {
	h, err := hashPassword(s.cfg.Rand, s.cfg.Hash, pw)
	if err != nil {
		return err
	}
	poolName, err := srp.PoolName(poolID)
	if err != nil {
		return err
	}
	salt, err := srp.NewSalt(s.cfg.Rand)
	if err != nil {
		return err
	}
	v, err := srp.Verifier(poolName, u.Username, pw, salt)
	if err != nil {
		return err
	}
	u.PasswordHash, u.SRPSalt, u.SRPVerifier = h, []byte(salt), v.Bytes()
	return nil
}

// tempPassword generates a password satisfying any policy.
func (s *Server) tempPassword(pp store.PasswordPolicy) (string, error) {
	pp = defaultPolicy(pp)
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
	n := max(pp.MinimumLength, 12)
	b := make([]byte, n)
	if _, err := io.ReadFull(s.cfg.Rand, b); err != nil {
		return "", fmt.Errorf("read random: %w", err)
	}
	out := []byte("Aa1!")
	for _, c := range b[4:] {
		out = append(out, alphabet[int(c)%len(alphabet)])
	}
	return string(out), nil
}

// newCode returns a 6-digit code.
func (s *Server) newCode() (string, error) {
	b := make([]byte, 4)
	if _, err := io.ReadFull(s.cfg.Rand, b); err != nil {
		return "", fmt.Errorf("read random: %w", err)
	}
	n := (uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])) % 1000000
	return fmt.Sprintf("%06d", n), nil
}

func codeHash(sub, purpose, code string) []byte {
	h := sha256.Sum256([]byte(sub + "|" + purpose + "|" + code))
	return h[:]
}
