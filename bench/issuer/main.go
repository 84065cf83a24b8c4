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
	"log"
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
	log.SetFlags(0)
	log.SetPrefix("issuer: ")
	if len(os.Args) < 2 {
		log.Fatal("usage: issuer keygen|serve|tokens|bad [flags]")
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
		log.Fatal(err)
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
	iss := "http://" + *listen
	disc, _ := json.Marshal(map[string]any{
		"issuer":                                iss,
		"jwks_uri":                              iss + "/jwks.json",
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
	})
	jwks, _ := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": keyID,
		"n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes()),
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
	srv := &http.Server{Addr: *listen, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	return srv.ListenAndServe()
}

// claimFlags are the claims every token carries.
type claimFlags struct {
	key, iss, aud, scope *string
	ttl                  *time.Duration
}

func addClaimFlags(fs *flag.FlagSet) claimFlags {
	return claimFlags{
		key:   fs.String("key", "key.pem", "private key"),
		iss:   fs.String("iss", "", "issuer (iss claim)"),
		aud:   fs.String("aud", "bench-api", "audience (aud claim)"),
		scope: fs.String("scope", "bench/read", "scope claim"),
		ttl:   fs.Duration("ttl", 2*time.Hour, "lifetime (exp = now + ttl)"),
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

func baseClaims(c claimFlags, now time.Time, sub string) map[string]any {
	return map[string]any{
		"iss": *c.iss, "aud": *c.aud, "sub": sub, "scope": *c.scope,
		"iat": now.Unix(), "exp": now.Add(*c.ttl).Unix(), "jti": sub,
	}
}

func tokens(args []string) error {
	fs := flag.NewFlagSet("tokens", flag.ExitOnError)
	c := addClaimFlags(fs)
	n := fs.Int("n", 1, "number of distinct tokens")
	_ = fs.Parse(args)
	if *c.iss == "" || *n < 1 {
		return errors.New("tokens: -iss and -n >= 1 are required")
	}
	k, err := loadKey(*c.key)
	if err != nil {
		return err
	}
	s := newSigner(k)
	now := time.Now()
	out := make([]string, *n)
	workers := runtime.GOMAXPROCS(0)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < *n; i += workers {
				t, err := s.sign(baseClaims(c, now, fmt.Sprintf("user-%07d", i)))
				if err != nil {
					errs[w] = err
					return
				}
				out[i] = t
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	bw := bufio.NewWriter(os.Stdout)
	for _, t := range out {
		_, _ = bw.WriteString(t)
		_ = bw.WriteByte('\n')
	}
	return bw.Flush()
}

func bad(args []string) error {
	fs := flag.NewFlagSet("bad", flag.ExitOnError)
	c := addClaimFlags(fs)
	_ = fs.Parse(args)
	if *c.iss == "" {
		return errors.New("bad: -iss is required")
	}
	k, err := loadKey(*c.key)
	if err != nil {
		return err
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	s, forger := newSigner(k), newSigner(other)
	now := time.Now()
	with := func(f func(m map[string]any)) map[string]any {
		m := baseClaims(c, now, "bad")
		f(m)
		return m
	}
	type badToken struct {
		name string
		s    *signer
		c    map[string]any
	}
	cases := []badToken{
		{"other-key", forger, with(func(map[string]any) {})},
		{"expired", s, with(func(m map[string]any) {
			m["iat"] = now.Add(-2 * time.Hour).Unix()
			m["exp"] = now.Add(-time.Hour).Unix()
		})},
		{"no-exp", s, with(func(m map[string]any) { delete(m, "exp") })},
		{"not-yet-valid", s, with(func(m map[string]any) { m["nbf"] = now.Add(time.Hour).Unix() })},
		{"wrong-iss", s, with(func(m map[string]any) { m["iss"] = *c.iss + "/other" })},
		{"wrong-aud", s, with(func(m map[string]any) { m["aud"] = "other-api" })},
		{"wrong-scope", s, with(func(m map[string]any) { m["scope"] = "other/read bench/readx" })},
	}
	bw := bufio.NewWriter(os.Stdout)
	for _, bt := range cases {
		t, err := bt.s.sign(bt.c)
		if err != nil {
			return err
		}
		fmt.Fprintf(bw, "%s %s\n", bt.name, t)
	}
	// A valid token whose payload is changed after signing (sub → admin).
	good, err := s.sign(baseClaims(c, now, "bad"))
	if err != nil {
		return err
	}
	parts := strings.Split(good, ".")
	p, _ := json.Marshal(with(func(m map[string]any) { m["sub"] = "admin" }))
	fmt.Fprintf(bw, "altered-payload %s.%s.%s\n", parts[0], b64(p), parts[2])
	// alg none with the valid claims and no signature.
	h, _ := json.Marshal(map[string]string{"alg": "none", "typ": "JWT", "kid": keyID})
	fmt.Fprintf(bw, "alg-none %s.%s.\n", b64(h), parts[1])
	return bw.Flush()
}
