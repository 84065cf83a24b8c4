package config

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// checkSchema validates v against the subset of JSON Schema the generator
// emits ($ref, type, properties, additionalProperties, required, items,
// enum, pattern, minimum, maximum, maxLength, maxProperties, propertyNames)
// and returns the violations. It exists so tests can prove the checked-in
// schema accepts the documented configs and rejects what the decoder rejects.
func checkSchema(root, s map[string]any, v any, path string) []string {
	if ref, ok := s["$ref"].(string); ok {
		def := root["$defs"].(map[string]any)[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
		return checkSchema(root, def, v, path)
	}
	var out []string
	bad := func(f string, a ...any) { out = append(out, path+": "+fmt.Sprintf(f, a...)) }
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		bad("%v not in enum", v)
	}
	switch s["type"] {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			bad("not an object")
			return out
		}
		props, _ := s["properties"].(map[string]any)
		for _, r := range asList(s["required"]) {
			if _, ok := m[r.(string)]; !ok {
				bad("missing required %s", r)
			}
		}
		if mp, ok := s["maxProperties"].(float64); ok && float64(len(m)) > mp {
			bad("too many properties")
		}
		for k, x := range m {
			if pn, ok := s["propertyNames"].(map[string]any); ok {
				out = append(out, checkSchema(root, withType(pn, "string"), k, path+"."+k+"(name)")...)
			}
			if ps, ok := props[k]; ok {
				out = append(out, checkSchema(root, ps.(map[string]any), x, path+"."+k)...)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					bad("additional property %q", k)
				}
			case map[string]any:
				out = append(out, checkSchema(root, ap, x, path+"."+k)...)
			}
		}
	case "array":
		l, ok := v.([]any)
		if !ok {
			bad("not an array")
			return out
		}
		for i, x := range l {
			out = append(out, checkSchema(root, s["items"].(map[string]any), x, fmt.Sprintf("%s[%d]", path, i))...)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			bad("not a string: %v", v)
			return out
		}
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(str) {
			bad("%q does not match %s", str, p)
		}
		if ml, ok := s["maxLength"].(float64); ok && float64(len([]rune(str))) > ml {
			bad("longer than %v", ml)
		}
	case "integer", "number":
		n, ok := v.(float64)
		if !ok || (s["type"] == "integer" && n != float64(int64(n))) {
			bad("not a %s: %v", s["type"], v)
			return out
		}
		if m, ok := s["minimum"].(float64); ok && n < m {
			bad("%v below %v", n, m)
		}
		if m, ok := s["maximum"].(float64); ok && n > m {
			bad("%v above %v", n, m)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("not a boolean")
		}
	}
	return out
}

func asList(v any) []any { l, _ := v.([]any); return l }

func withType(s map[string]any, typ string) map[string]any {
	out := map[string]any{"type": typ}
	for k, v := range s {
		out[k] = v
	}
	return out
}

// yamlToJSONValue decodes YAML into the values encoding/json would produce.
func yamlToJSONValue(t *testing.T, src []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(src, &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func loadSchema(t *testing.T) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := json.Unmarshal(raw, &root); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestSchemaAcceptsValidConfigs(t *testing.T) {
	root := loadSchema(t)
	srcs := map[string][]byte{}
	if b, err := os.ReadFile("../../examples/basic/gatehouse.yaml"); err == nil {
		srcs["examples/basic"] = b
	} else {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range yamlBlock.FindAllSubmatch(doc, -1) {
		if strings.HasPrefix(string(m[1]), "# fragment") || strings.HasPrefix(string(m[1]), "# invalid") {
			continue
		}
		srcs[fmt.Sprintf("docs block %d", i)] = m[1]
	}
	for name, src := range srcs {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse("x.yaml", src); err != nil {
				t.Fatalf("config invalid: %v", err)
			}
			if errs := checkSchema(root, root, yamlToJSONValue(t, src), ""); len(errs) > 0 {
				t.Errorf("schema rejects a valid config:\n%s", strings.Join(errs, "\n"))
			}
		})
	}
}

func TestSchemaRejects(t *testing.T) {
	root := loadSchema(t)
	tests := []struct{ name, src, want string }{
		{"unknown field", "apis: []\nsetings: {}\n", `: additional property "setings"`},
		{"missing required", "apis: [{name: a, routes: []}]\n", `.apis[0]: missing required kind`},
		{"kind enum", "apis: [{name: a, kind: soap, routes: []}]\n", `.apis[0].kind: soap not in enum`},
		{"gateway response type", "apis: [{name: a, kind: rest, routes: [], gatewayResponses: {REQUEST_TOO_LARGE: {}}}]\n", `.apis[0].gatewayResponses.REQUEST_TOO_LARGE(name): REQUEST_TOO_LARGE not in enum`},
		{"status range", "apis: [{name: a, kind: http, routes: [{route: GET /, integration: {mock: {status: 700}}}]}]\n", `.apis[0].routes[0].integration.mock.status: 700 above 599`},
		{"duration", "apis: [{name: a, kind: http, routes: [{route: GET /, integration: {http: {url: x, timeout: 30}}}]}]\n", `.apis[0].routes[0].integration.http.timeout: not a string: 30`},
		{"route key", "apis: [{name: a, kind: http, routes: [{route: get /, integration: {mock: {}}}]}]\n", `.apis[0].routes[0].route: "get /" does not match`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := checkSchema(root, root, yamlToJSONValue(t, []byte(tt.src)), "")
			found := false
			for _, e := range errs {
				if strings.HasPrefix(e, tt.want) {
					found = true
				}
			}
			if !found {
				t.Errorf("schema errors %q; want one starting %q", errs, tt.want)
			}
		})
	}
}
