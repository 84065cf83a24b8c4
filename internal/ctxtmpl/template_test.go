package ctxtmpl

import "testing"

type mapVars map[string]string

func (m mapVars) Lookup(n string) (string, bool) { v, ok := m[n]; return v, ok }

func TestRender(t *testing.T) {
	vars := mapVars{
		"context.requestId":           "r1",
		"context.error.messageString": `"Unauthorized"`,
		"stageVariables.env":          "prod",
		"method.request.header.X-Id":  "h1",
	}
	tests := []struct{ name, in, want string }{
		{"plain", "hello", "hello"},
		{"json default", `{"message":$context.error.messageString}`, `{"message":"Unauthorized"}`},
		{"quoted ref", `"$context.requestId"`, `"r1"`},
		{"braced", `${context.requestId}x`, `r1x`},
		{"trailing dot is literal", `$context.requestId.`, `r1.`},
		{"stage variable", `$stageVariables.env`, `prod`},
		{"header with dash", `$method.request.header.X-Id`, `h1`},
		{"unknown ref renders empty", `[$context.nope]`, `[]`},
		{"not a ref", `$5 and $foo.bar`, `$5 and $foo.bar`},
		{"lone dollar", `$`, `$`},
		{"input is not a variable here", `$input.body`, `$input.body`},
		{"unterminated brace", `${context.requestId`, `${context.requestId`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tp, err := ParseTemplate(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(tp.Render(vars)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if got := string(tp.AppendRender(nil, vars)); got != tc.want {
				t.Errorf("AppendRender got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTooLong(t *testing.T) {
	if _, err := ParseTemplate(string(make([]byte, maxTemplateLen+1))); err == nil {
		t.Fatal("oversized template accepted")
	}
}

func FuzzParseTemplate(f *testing.F) {
	for _, s := range []string{`{"message":$context.error.messageString}`, `${context.a}`, `$`, `$stageVariables.`, `${`, "$context.\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tp, err := ParseTemplate(s)
		if err != nil {
			return
		}
		// With no variables, rendering drops only references.
		out := tp.Render(mapVars{})
		if len(out) > len(s) {
			t.Fatalf("render grew the text: %q -> %q", s, out)
		}
	})
}
