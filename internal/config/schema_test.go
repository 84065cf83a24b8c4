package config

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

const schemaPath = "../../schema/gatehouse.schema.json"

// TestSchemaUpToDate regenerates the JSON Schema from the Go types and
// fails when the checked-in file differs.
func TestSchemaUpToDate(t *testing.T) {
	got, err := GenerateJSONSchema(".")
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.MkdirAll(filepath.Dir(schemaPath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(schemaPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatalf("%v; run: go test ./internal/config -run Schema -update", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("schema/gatehouse.schema.json is out of step with the Go types in internal/config; run: go test ./internal/config -run Schema -update (and commit schema/gatehouse.schema.json)")
	}
}

// TestSchemaShape checks that the generated schema mirrors the decoder:
// every struct is closed, every yaml field is a property, and required
// fields are those without omitempty.
func TestSchemaShape(t *testing.T) {
	raw, err := GenerateJSONSchema(".")
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Schema string                    `json:"$schema"`
		Ref    string                    `json:"$ref"`
		Defs   map[string]map[string]any `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	if s.Schema != "https://json-schema.org/draft/2020-12/schema" || s.Ref != "#/$defs/Config" {
		t.Errorf("$schema = %q, $ref = %q", s.Schema, s.Ref)
	}
	var walk func(reflect.Type)
	seen := map[reflect.Type]bool{}
	walk = func(rt reflect.Type) {
		for rt.Kind() == reflect.Pointer || rt.Kind() == reflect.Slice || rt.Kind() == reflect.Map {
			rt = rt.Elem()
		}
		if rt.Kind() != reflect.Struct || seen[rt] || rt == reflect.TypeFor[PolicyDocument]() {
			return
		}
		seen[rt] = true
		def, ok := s.Defs[rt.Name()]
		if !ok {
			t.Errorf("no $defs entry for %s", rt.Name())
			return
		}
		if def["additionalProperties"] != false {
			t.Errorf("%s: additionalProperties = %v, want false", rt.Name(), def["additionalProperties"])
		}
		props, _ := def["properties"].(map[string]any)
		var req []string
		if r, ok := def["required"].([]any); ok {
			for _, x := range r {
				req = append(req, x.(string))
			}
		}
		for _, f := range structFields(rt) {
			if _, ok := props[f.name]; !ok {
				t.Errorf("%s: property %q missing", rt.Name(), f.name)
			}
			if f.required != slices.Contains(req, f.name) {
				t.Errorf("%s.%s: required = %v in schema, %v in decoder", rt.Name(), f.name, !f.required, f.required)
			}
			walk(rt.Field(f.index).Type)
		}
		if len(props) != len(structFields(rt)) {
			t.Errorf("%s: %d properties, want %d", rt.Name(), len(props), len(structFields(rt)))
		}
	}
	walk(reflect.TypeFor[Config]())

	api := s.Defs["API"]["properties"].(map[string]any)
	kind := api["kind"].(map[string]any)
	if !reflect.DeepEqual(kind["enum"], []any{"http", "rest"}) {
		t.Errorf("API.kind enum = %v", kind["enum"])
	}
	if d, _ := api["id"].(map[string]any)["description"].(string); d == "" {
		t.Error("API.id has no description from its doc comment")
	}
}
