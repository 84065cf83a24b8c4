package gwresp

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/exchange"
)

var update = flag.Bool("update", false, "rewrite golden files")

type mapVars map[string]string

func (m mapVars) Lookup(n string) (string, bool) { v, ok := m[n]; return v, ok }

// TestDefaultsGolden renders every type with AWS's defaults for both API
// kinds and compares with testdata/defaults.golden.
func TestDefaultsGolden(t *testing.T) {
	var b strings.Builder
	for _, kind := range []exchange.Kind{exchange.REST, exchange.HTTP} {
		c, err := NewCatalogue(kind, nil)
		if err != nil {
			t.Fatal(err)
		}
		name := map[exchange.Kind]string{exchange.REST: "rest", exchange.HTTP: "http"}[kind]
		for _, typ := range Types() {
			r := c.Render(New(typ, nil), nil, "")
			fmt.Fprintf(&b, "%s %s %d errortype=%q %s\n", name, typ, r.Status, r.Header.Get("X-Amzn-Errortype"), r.Body)
		}
	}
	golden := filepath.Join("testdata", "defaults.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("defaults differ from %s (run with -update after checking):\n%s", golden, b.String())
	}
}

func TestReferenceDefaults(t *testing.T) {
	// Byte-exact bodies from reference §1.2 and §12.1.
	rest, _ := NewCatalogue(exchange.REST, nil)
	httpc, _ := NewCatalogue(exchange.HTTP, nil)
	tests := []struct {
		name       string
		c          *Catalogue
		e          *Error
		wantStatus int
		wantBody   string
	}{
		{"rest missing token", rest, New(MissingAuthenticationToken, nil), 403, `{"message":"Missing Authentication Token"}`},
		{"rest unauthorized", rest, New(Unauthorized, nil), 401, `{"message":"Unauthorized"}`},
		{"rest access denied capital M", rest, WithMessage(AccessDenied, "User is not authorized to access this resource with an explicit deny", nil), 403, `{"Message":"User is not authorized to access this resource with an explicit deny"}`},
		{"rest authorizer configuration null", rest, New(AuthorizerConfigurationError, nil), 500, `{"message":null}`},
		{"rest throttled", rest, New(Throttled, nil), 429, `{"message":"Too Many Requests"}`},
		{"rest quota", rest, New(QuotaExceeded, nil), 429, `{"message":"Limit Exceeded"}`},
		{"rest timeout", rest, New(IntegrationTimeout, nil), 504, `{"message":"Endpoint request timed out"}`},
		{"http not found", httpc, New(ResourceNotFound, nil), 404, `{"message":"Not Found"}`},
		{"http forbidden", httpc, New(AccessDenied, nil), 403, `{"message":"Forbidden"}`},
		{"http 5xx", httpc, New(Default5XX, nil), 500, `{"message":"Internal Server Error"}`},
		{"http timeout", httpc, New(IntegrationTimeout, nil), 503, `{"message":"Service Unavailable"}`},
		{"status override", httpc, &Error{Type: ResourceNotFound, Status: 418}, 418, `{"message":"Not Found"}`},
		{"message with quotes escaped", rest, WithMessage(InvalidSignature, `bad "sig"`+"\n", nil), 403, `{"message":"bad \"sig\"\n"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.c.Render(tc.e, nil, "")
			if r.Status != tc.wantStatus || string(r.Body) != tc.wantBody {
				t.Fatalf("got %d %s, want %d %s", r.Status, r.Body, tc.wantStatus, tc.wantBody)
			}
			if !json.Valid(r.Body) {
				t.Errorf("body is not JSON: %s", r.Body)
			}
		})
	}
}

func TestCustomisationInheritance(t *testing.T) {
	c, err := NewCatalogue(exchange.REST, map[Type]Custom{
		Default4XX: {Status: 400, Headers: map[string]string{"Access-Control-Allow-Origin": "'*'"}},
		Unauthorized: {Templates: map[string]string{
			"application/json": `{"error":$context.error.messageString,"rid":"$context.requestId"}`,
			"text/plain":       `nope $context.error.message`,
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	vars := mapVars{"context.requestId": "rid-1"}
	// A 4XX type without its own customisation takes DEFAULT_4XX's status and headers,
	// keeps its own message, and (with DEFAULT_4XX customised) the lower-case template.
	r := c.Render(WithMessage(AccessDenied, "denied", nil), vars, "")
	if r.Status != 400 || string(r.Body) != `{"message":"denied"}` || r.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("inherited: %d %s %v", r.Status, r.Body, r.Header)
	}
	// 5XX types are not affected by DEFAULT_4XX.
	if r := c.Render(New(IntegrationTimeout, nil), vars, ""); r.Status != 504 || r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("5xx: %d %v", r.Status, r.Header)
	}
	// The type's own template, chosen by Accept.
	if r := c.Render(New(Unauthorized, nil), vars, "text/plain, application/json"); string(r.Body) != "nope Unauthorized" || r.Header.Get("Content-Type") != "text/plain" {
		t.Errorf("accept text: %s %v", r.Body, r.Header)
	}
	if r := c.Render(New(Unauthorized, nil), vars, "image/png"); string(r.Body) != `{"error":"Unauthorized","rid":"rid-1"}` || r.Status != 401 {
		t.Errorf("fallback json: %d %s", r.Status, r.Body)
	}
	if _, err := NewCatalogue(exchange.REST, map[Type]Custom{RequestTooLarge: {Status: 400}}); err == nil {
		t.Error("REQUEST_TOO_LARGE customisation accepted")
	}
}

func TestHeaderInjectionIsStripped(t *testing.T) {
	c, _ := NewCatalogue(exchange.REST, map[Type]Custom{Default4XX: {Headers: map[string]string{"X-Echo": "method.request.header.X-In"}}})
	r := c.Render(New(Unauthorized, nil), mapVars{"method.request.header.X-In": "a\r\nSet-Cookie: x=1"}, "")
	if v := r.Header.Get("X-Echo"); strings.ContainsAny(v, "\r\n") {
		t.Fatalf("header value kept CRLF: %q", v)
	}
}

func TestServerError(t *testing.T) {
	rest, err := NewCatalogue(exchange.REST, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range append(Types(), "NOT_A_TYPE") {
		t.Run(string(typ), func(t *testing.T) {
			status := rest.Render(New(typ, nil), nil, "").Status
			if got, want := ServerError(typ), status >= 500; got != want {
				t.Errorf("ServerError = %v, but the default status is %d", got, status)
			}
		})
	}
}
