package sigv4

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Fixed parameters of both conformance suites (testdata/README.md).
const (
	suiteKeyID  = "AKIDEXAMPLE"
	suiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	suiteRegion = "us-east-1"
	suiteSvc    = "service"
)

var suiteTime = time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)

// rawRequest is a request read from a suite file: the request line's target
// is kept byte for byte; folded header lines are joined with one space.
type rawRequest struct {
	method, target string
	header         http.Header
	body           []byte
}

func parseRaw(t testing.TB, b []byte) rawRequest {
	t.Helper()
	head, body, _ := bytes.Cut(b, []byte("\n\n"))
	lines := strings.Split(string(head), "\n")
	line := lines[0]
	sp1, sp2 := strings.IndexByte(line, ' '), strings.LastIndexByte(line, ' ')
	if sp1 < 0 || sp2 <= sp1 {
		t.Fatalf("bad request line %q", line)
	}
	r := rawRequest{method: line[:sp1], target: line[sp1+1 : sp2], header: http.Header{}, body: body}
	var last string
	for _, l := range lines[1:] {
		if l == "" {
			continue
		}
		if l[0] == ' ' || l[0] == '\t' {
			vals := r.header[last]
			vals[len(vals)-1] += " " + strings.TrimSpace(l)
			continue
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("bad header line %q", l)
		}
		last = textproto.CanonicalMIMEHeaderKey(k)
		r.header[last] = append(r.header[last], strings.TrimLeft(v, " "))
	}
	return r
}

func (r rawRequest) request() *Request {
	path, query, _ := strings.Cut(r.target, "?")
	return &Request{Method: r.method, RawPath: path, RawQuery: query, Host: r.header.Get("Host"),
		Header: r.header.Clone(), PayloadHash: HashPayload(r.body)}
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func suiteVerifier(t testing.TB, token string) *Verifier {
	t.Helper()
	v, err := NewVerifier(Options{
		Region: suiteRegion, Service: suiteSvc, Now: func() time.Time { return suiteTime },
		Lookup: func(_ context.Context, id string) (Credential, error) {
			if id != suiteKeyID {
				return Credential{}, ErrUnknownAccessKey
			}
			return Credential{AccessKeyID: id, SecretAccessKey: suiteSecret, SessionToken: token}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// checkVerify verifies req, expects success with the given canonical request
// and string to sign, and expects a flipped signature to be refused.
func checkVerify(t *testing.T, v *Verifier, req *Request, wantCreq, wantSTS string) {
	t.Helper()
	res, err := v.Verify(context.Background(), req)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got := res.CanonicalRequest(); got != wantCreq {
		t.Errorf("verifier canonical request:\n got %q\nwant %q", got, wantCreq)
	}
	if got := res.StringToSign(); got != wantSTS {
		t.Errorf("verifier string to sign:\n got %q\nwant %q", got, wantSTS)
	}
	bad := *req
	bad.Header = req.Header.Clone()
	if a := bad.Header.Get("Authorization"); a != "" {
		bad.Header.Set("Authorization", flipLast(a))
	} else {
		bad.RawQuery = flipLast(bad.RawQuery)
	}
	_, err = v.Verify(context.Background(), &bad)
	var se *Error
	if !errors.As(err, &se) || se.Code != CodeInvalidSignature {
		t.Errorf("altered signature: got %v, want InvalidSignature", err)
	}
}

// flipLast changes the last hex digit of s (the end of the signature).
func flipLast(s string) string {
	c := s[len(s)-1]
	if c == '0' {
		c = '1'
	} else {
		c = '0'
	}
	return s[:len(s)-1] + string(c)
}

func TestClassicSuite(t *testing.T) {
	root := filepath.Join("testdata", "aws4_testsuite")
	var cases []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".req") {
			cases = append(cases, strings.TrimSuffix(p, ".req"))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 34 {
		t.Fatalf("found %d classic cases, want 34", len(cases))
	}
	for _, base := range cases {
		name, _ := filepath.Rel(root, filepath.Dir(base))
		t.Run(name, func(t *testing.T) {
			req := parseRaw(t, []byte(readFile(t, base+".req")))
			sreq := parseRaw(t, []byte(readFile(t, base+".sreq")))
			wantCreq := readFile(t, base+".creq")
			wantSTS := readFile(t, base+".sts")
			wantAuthz := readFile(t, base+".authz")

			// The token is whatever the signed request carries; it is signed
			// only when the expected canonical request lists it.
			token := sreq.header.Get("X-Amz-Security-Token")
			if token == "" {
				for l := range strings.SplitSeq(wantCreq, "\n") {
					if v, ok := strings.CutPrefix(l, "x-amz-security-token:"); ok {
						token = v
					}
				}
			}
			omit := token != "" && !strings.Contains(wantCreq, "x-amz-security-token:")

			in := req.request()
			s := Sign(SignInput{Request: in, Credential: Credential{AccessKeyID: suiteKeyID, SecretAccessKey: suiteSecret, SessionToken: token},
				Scope: Scope{Region: suiteRegion, Service: suiteSvc}, Time: suiteTime, NormalizePath: true, OmitSessionToken: omit})
			if s.CanonicalRequest != wantCreq {
				t.Errorf("signer canonical request:\n got %q\nwant %q", s.CanonicalRequest, wantCreq)
			}
			if s.StringToSign != wantSTS {
				t.Errorf("signer string to sign:\n got %q\nwant %q", s.StringToSign, wantSTS)
			}
			if s.Authorization != wantAuthz {
				t.Errorf("signer authorization:\n got %q\nwant %q", s.Authorization, wantAuthz)
			}

			// Verify the unsigned request plus the expected Authorization.
			vreq := req.request()
			vreq.Header.Set("Authorization", wantAuthz)
			if token != "" {
				vreq.Header.Set("X-Amz-Security-Token", token)
			}
			v := suiteVerifier(t, token)
			checkVerify(t, v, vreq, wantCreq, wantSTS)

			// The .sreq file is verified as is. One upstream file
			// (get-vanilla-with-session-token) carries a signature that
			// disagrees with its own .authz; it must then be refused.
			sr := sreq.request()
			_, err := v.Verify(context.Background(), sr)
			if sreq.header.Get("Authorization") == wantAuthz {
				if err != nil {
					t.Errorf("verify .sreq: %v", err)
				}
			} else {
				var se *Error
				if !errors.As(err, &se) || se.Code != CodeInvalidSignature {
					t.Errorf("verify .sreq with inconsistent Authorization: got %v, want InvalidSignature", err)
				}
			}
		})
	}
}

type suiteContext struct {
	Credentials struct {
		AccessKeyID     string `json:"access_key_id"`
		SecretAccessKey string `json:"secret_access_key"`
		Token           string `json:"token"`
	} `json:"credentials"`
	Expiration       int64  `json:"expiration_in_seconds"`
	Normalize        bool   `json:"normalize"`
	Region           string `json:"region"`
	Service          string `json:"service"`
	SignBody         bool   `json:"sign_body"`
	Timestamp        string `json:"timestamp"`
	OmitSessionToken bool   `json:"omit_session_token"`
}

func TestV4Suite(t *testing.T) {
	root := filepath.Join("testdata", "aws-signing-test-suite", "v4")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 38 {
		t.Fatalf("found %d v4 cases, want 38", len(entries))
	}
	for _, e := range entries {
		dir := filepath.Join(root, e.Name())
		t.Run(e.Name(), func(t *testing.T) {
			var ctx suiteContext
			if err := json.Unmarshal([]byte(readFile(t, filepath.Join(dir, "context.json"))), &ctx); err != nil {
				t.Fatal(err)
			}
			ts, err := time.Parse(time.RFC3339, ctx.Timestamp)
			if err != nil || !ts.Equal(suiteTime) || ctx.Region != suiteRegion || ctx.Service != suiteSvc {
				t.Fatalf("unexpected context %+v (%v)", ctx, err)
			}
			cred := Credential{AccessKeyID: ctx.Credentials.AccessKeyID, SecretAccessKey: ctx.Credentials.SecretAccessKey, SessionToken: ctx.Credentials.Token}
			raw := parseRaw(t, []byte(readFile(t, filepath.Join(dir, "request.txt"))))
			v := suiteVerifier(t, ctx.Credentials.Token)
			for _, form := range []string{"header", "query"} {
				t.Run(form, func(t *testing.T) {
					wantCreq := readFile(t, filepath.Join(dir, form+"-canonical-request.txt"))
					wantSTS := readFile(t, filepath.Join(dir, form+"-string-to-sign.txt"))
					wantSig := readFile(t, filepath.Join(dir, form+"-signature.txt"))
					s := Sign(SignInput{Request: raw.request(), Credential: cred, Scope: Scope{Region: ctx.Region, Service: ctx.Service},
						Time: ts, NormalizePath: ctx.Normalize, SignPayloadHeader: ctx.SignBody, OmitSessionToken: ctx.OmitSessionToken,
						Presign: form == "query", Expires: time.Duration(ctx.Expiration) * time.Second})
					if s.CanonicalRequest != wantCreq {
						t.Errorf("signer canonical request:\n got %q\nwant %q", s.CanonicalRequest, wantCreq)
					}
					if s.StringToSign != wantSTS {
						t.Errorf("signer string to sign:\n got %q\nwant %q", s.StringToSign, wantSTS)
					}
					if s.Signature != wantSig {
						t.Errorf("signer signature: got %s want %s", s.Signature, wantSig)
					}
					signed := parseRaw(t, []byte(readFile(t, filepath.Join(dir, form+"-signed-request.txt"))))
					checkVerify(t, v, signed.request(), wantCreq, wantSTS)
				})
			}
		})
	}
}

func TestV4aSuite(t *testing.T) {
	t.Skip("SigV4a (AWS4-ECDSA-P256-SHA256) is not accepted by API Gateway REST/HTTP APIs and gatehouse does not implement it; testdata kept for a future verifier")
}
