// Command issuer is the benchmark harness's OpenID Connect issuer: a tiny
// loopback server of a discovery document and a JWKS, and the tool that
// makes the RSA key and the RS256 tokens the JWT benchmarks send.
//
//	issuer keygen -dir DIR
//	    writes DIR/key.pem (PKCS#8 RSA-2048 private key, mode 0600) and
//	    DIR/pub.pem (PKIX public key, for HAProxy's jwt_verify).
//	issuer serve -key DIR/key.pem -listen 127.0.0.1:PORT
//	    serves /.well-known/openid-configuration and /jwks.json; the issuer
//	    is http://127.0.0.1:PORT.
//	issuer tokens -key DIR/key.pem -iss URL -aud AUD -scope SCOPE -n N
//	    prints N distinct valid tokens, one a line (signed on every core).
//	issuer bad -key DIR/key.pem -iss URL -aud AUD -scope SCOPE
//	    prints "name token" lines, each a token that a correct verifier
//	    must refuse: altered payload, other key, expired, not yet valid,
//	    wrong issuer, wrong audience, missing scope, alg none, no exp.
//
// Everything stays on loopback; the key is throwaway and made per run.
package main

import (
	"bufio"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

const keyID = "bench-key-1"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: issuer keygen|serve|tokens|bad [flags]")
		os.Exit(2)
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "keygen":
		err = keygen(args)
	case "serve":
		err = serve(args)
	case "tokens":
		err = tokens(args)
	case "bad":
		err = bad(args)
	default:
		err = fmt.Errorf("unknown command %q (keygen, serve, tokens, bad)", cmd)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "issuer:", err)
		os.Exit(1)
	}
}

func keygen(args []string) error {
	fs := flag.NewFlagSet("keygen", flag.ExitOnError)
	dir := fs.String("dir", ".", "directory for key.pem and pub.pem")
	bits := fs.Int("bits", 2048, "RSA key size")
	_ = fs.Parse(args)
	k, err := rsa.GenerateKey(rand.Reader, *bits)
	if err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	priv, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return fmt.Errorf("marshal private key: %w", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return fmt.Errorf("marshal public key: %w", err)
	}
	if err := os.WriteFile(filepath.Join(*dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: priv}), 0o600); err != nil {
		return fmt.Errorf("write key: %w", err)
	}
	if err := os.WriteFile(filepath.Join(*dir, "pub.pem"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o644); err != nil {
		return fmt.Errorf("write public key: %w", err)
	}
	return nil
}

func loadKey(path string) (*rsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, errors.New("key file is not PEM")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("key is not RSA")
	}
	rk.Precompute()
	return rk, nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	keyPath := fs.String("key", "key.pem", "private key (only its public half is served)")
	listen := fs.String("listen", "127.0.0.1:0", "loopback listen address")
	_ = fs.Parse(args)
	k, err := loadKey(*keyPath)
	if err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(*listen)
	if err != nil {
		return fmt.Errorf("listen address: %w", err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("listen address %q is not a loopback IP", *listen)
	}
	srv := &http.Server{Addr: *listen, Handler: discoveryHandler(&k.PublicKey, "http://"+*listen), ReadHeaderTimeout: 5 * time.Second}
	return srv.ListenAndServe()
}

// discoveryHandler serves the OpenID Connect discovery document of iss and
// its key set, holding pub under keyID.
func discoveryHandler(pub *rsa.PublicKey, iss string) http.Handler {
	disc, _ := json.Marshal(map[string]any{
		"issuer":                                iss,
		"jwks_uri":                              iss + "/jwks.json",
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
	})
	jwks, _ := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": keyID,
		"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes()),
	}}})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(disc)
	})
	mux.HandleFunc("GET /jwks.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "max-age=3600")
		_, _ = w.Write(jwks)
	})
	return mux
}

// claimSpec is what every token claims.
type claimSpec struct {
	iss, aud, scope string
	ttl             time.Duration
}

// claimFlags declares the flags of a claimSpec and of the key file.
func claimFlags(fs *flag.FlagSet) (keyPath *string, spec func() claimSpec) {
	keyPath = fs.String("key", "key.pem", "private key")
	iss := fs.String("iss", "", "issuer (iss claim)")
	aud := fs.String("aud", "bench-api", "audience (aud claim)")
	scope := fs.String("scope", "bench/read", "scope claim")
	ttl := fs.Duration("ttl", 2*time.Hour, "lifetime (exp = now + ttl)")
	return keyPath, func() claimSpec { return claimSpec{iss: *iss, aud: *aud, scope: *scope, ttl: *ttl} }
}

// claims are the claims of a valid token of spec for sub, issued at now.
func (c claimSpec) claims(now time.Time, sub string) map[string]any {
	return map[string]any{
		"iss": c.iss, "aud": c.aud, "sub": sub, "scope": c.scope,
		"iat": now.Unix(), "exp": now.Add(c.ttl).Unix(), "jti": sub,
	}
}

type signer struct {
	key    *rsa.PrivateKey
	header string // encoded RS256 header
}

func newSigner(k *rsa.PrivateKey) *signer {
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": keyID})
	return &signer{key: k, header: b64(h)}
}

func (s *signer) sign(claims map[string]any) (string, error) {
	p, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("marshal claims: %w", err)
	}
	in := s.header + "." + b64(p)
	sum := sha256.Sum256([]byte(in))
	sig, err := rsa.SignPKCS1v15(nil, s.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	return in + "." + b64(sig), nil
}

// mint signs n distinct valid tokens (sub and jti user-0000000, ...) on
// workers goroutines.
func mint(k *rsa.PrivateKey, c claimSpec, now time.Time, n, workers int) ([]string, error) {
	s := newSigner(k)
	out := make([]string, n)
	workers = max(1, min(workers, n))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				t, err := s.sign(c.claims(now, fmt.Sprintf("user-%07d", i)))
				if err != nil {
					errs[w] = err
					return
				}
				out[i] = t
			}
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

func tokens(args []string) error {
	fs := flag.NewFlagSet("tokens", flag.ExitOnError)
	keyPath, spec := claimFlags(fs)
	n := fs.Int("n", 1, "number of distinct tokens")
	_ = fs.Parse(args)
	c := spec()
	if c.iss == "" || *n < 1 {
		return errors.New("tokens: -iss and -n >= 1 are required")
	}
	k, err := loadKey(*keyPath)
	if err != nil {
		return err
	}
	out, err := mint(k, c, time.Now(), *n, runtime.GOMAXPROCS(0))
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(os.Stdout)
	for _, t := range out {
		_, _ = bw.WriteString(t)
		_ = bw.WriteByte('\n')
	}
	return bw.Flush()
}

// namedToken is a token a correct verifier must refuse, and why.
type namedToken struct{ name, token string }

// badTokens returns tokens that each differ from a valid token of c in one
// respect; other is a key that is not the issuer's.
func badTokens(k, other *rsa.PrivateKey, c claimSpec, now time.Time) ([]namedToken, error) {
	s, forger := newSigner(k), newSigner(other)
	with := func(f func(m map[string]any)) map[string]any {
		m := c.claims(now, "bad")
		f(m)
		return m
	}
	cases := []struct {
		name string
		s    *signer
		c    map[string]any
	}{
		{"other-key", forger, with(func(map[string]any) {})},
		{"expired", s, with(func(m map[string]any) {
			m["iat"] = now.Add(-2 * time.Hour).Unix()
			m["exp"] = now.Add(-time.Hour).Unix()
		})},
		{"no-exp", s, with(func(m map[string]any) { delete(m, "exp") })},
		{"not-yet-valid", s, with(func(m map[string]any) { m["nbf"] = now.Add(time.Hour).Unix() })},
		{"wrong-iss", s, with(func(m map[string]any) { m["iss"] = c.iss + "/other" })},
		{"wrong-aud", s, with(func(m map[string]any) { m["aud"] = "other-api" })},
		{"wrong-scope", s, with(func(m map[string]any) { m["scope"] = "other/read " + c.scope + "x" })},
	}
	var out []namedToken
	for _, bc := range cases {
		t, err := bc.s.sign(bc.c)
		if err != nil {
			return nil, err
		}
		out = append(out, namedToken{bc.name, t})
	}
	// A valid token whose payload is changed after signing (sub → admin).
	good, err := s.sign(c.claims(now, "bad"))
	if err != nil {
		return nil, err
	}
	parts := strings.Split(good, ".")
	p, err := json.Marshal(with(func(m map[string]any) { m["sub"] = "admin" }))
	if err != nil {
		return nil, fmt.Errorf("marshal claims: %w", err)
	}
	out = append(out, namedToken{"altered-payload", parts[0] + "." + b64(p) + "." + parts[2]})
	// alg none, the valid claims, no signature.
	h, _ := json.Marshal(map[string]string{"alg": "none", "typ": "JWT", "kid": keyID})
	out = append(out, namedToken{"alg-none", b64(h) + "." + parts[1] + "."})
	return out, nil
}

func bad(args []string) error {
	fs := flag.NewFlagSet("bad", flag.ExitOnError)
	keyPath, spec := claimFlags(fs)
	_ = fs.Parse(args)
	c := spec()
	if c.iss == "" {
		return errors.New("bad: -iss is required")
	}
	k, err := loadKey(*keyPath)
	if err != nil {
		return err
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	toks, err := badTokens(k, other, c, time.Now())
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(os.Stdout)
	for _, t := range toks {
		fmt.Fprintf(bw, "%s %s\n", t.name, t.token)
	}
	return bw.Flush()
}
