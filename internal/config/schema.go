package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/gatehouse/gatehouse/internal/gwresp"
)

// GenerateJSONSchema returns the JSON Schema (draft 2020-12) of the config
// file, derived from the Go types by reflection with the same rules as the
// decoder: YAML tag names, no additional properties, and a field without
// ",omitempty" is required. When srcDir is non-empty it is the directory of
// this package's source, whose doc comments become descriptions.
//
// The checked-in schema/gatehouse.schema.json is kept in step by a test;
// after changing the types run: go test ./internal/config -run Schema -update
func GenerateJSONSchema(srcDir string) ([]byte, error) {
	g := &schemaGen{defs: map[string]any{}, docs: map[string]string{}}
	if srcDir != "" {
		if err := g.readDocs(srcDir); err != nil {
			return nil, err
		}
	}
	root := map[string]any{
		"$schema":     "https://json-schema.org/draft/2020-12/schema",
		"title":       "gatehouse configuration",
		"description": "Native gatehouse configuration file (YAML or JSON). " + g.docs["Config"],
	}
	ref := g.schemaOf(reflect.TypeFor[Config]())
	for k, v := range ref {
		root[k] = v
	}
	root["$defs"] = g.defs
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(root); err != nil {
		return nil, fmt.Errorf("encode schema: %w", err)
	}
	return buf.Bytes(), nil
}

type schemaGen struct {
	defs map[string]any
	// docs maps "Type" and "Type.Field" to doc comment text.
	docs map[string]string
}

// schemaOverrides refines the schema of single fields ("Type.yamlName")
// with constraints reflection cannot see. Validation enforces the same rules.
func schemaOverrides() map[string]map[string]any {
	var grTypes []string
	for _, t := range GatewayResponseTypes() {
		if gwresp.Customizable(t) {
			grTypes = append(grTypes, string(t))
		}
	}
	return map[string]map[string]any{
		"API.id":                                 {"pattern": "^[a-z0-9]{1,63}$"},
		"API.gatewayResponses":                   {"propertyNames": map[string]any{"enum": grTypes}},
		"Route.route":                            {"pattern": `^(\$default|(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|ANY) /.*)$`},
		"Stage.name":                             {"pattern": `^(\$default|[A-Za-z0-9_-]{1,128})$`},
		"Stage.variables":                        {"maxProperties": MaxStageVariables, "propertyNames": map[string]any{"pattern": "^[A-Za-z0-9_]{1,64}$"}, "additionalProperties": map[string]any{"type": "string", "maxLength": MaxStageVarValue, "pattern": `^[A-Za-z0-9\-._~:/?#&=,]+$`}},
		"MockIntegration.status":                 {"minimum": 100, "maximum": 599},
		"GatewayResponse.status":                 {"minimum": 100, "maximum": 599},
		"LambdaIntegration.payloadFormatVersion": {"enum": []string{"1.0", "2.0"}},
		"HTTPIntegration.method":                 {"enum": Methods()[:7]},
		"CORS.maxAge":                            {"minimum": 0, "maximum": 86400},
		"Settings.accountId":                     {"pattern": "^[0-9]{12}$"},
	}
}

func (g *schemaGen) schemaOf(t reflect.Type) map[string]any {
	switch t {
	case reflect.TypeFor[Duration]():
		return map[string]any{"type": "string", "pattern": `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`}
	case reflect.TypeFor[PolicyDocument]():
		return map[string]any{"type": "object", "description": g.docs["PolicyDocument"]}
	case reflect.TypeFor[APIKind]():
		return map[string]any{"type": "string", "enum": []string{string(KindHTTP), string(KindREST)}}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.schemaOf(t.Elem())
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return map[string]any{"type": "integer"}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer", "minimum": 0}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": g.schemaOf(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schemaOf(t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		name := t.Name()
		if _, done := g.defs[name]; !done {
			g.defs[name] = nil // placeholder against recursion
			g.defs[name] = g.structSchema(t)
		}
		return map[string]any{"$ref": "#/$defs/" + name}
	}
	return map[string]any{}
}

func (g *schemaGen) structSchema(t reflect.Type) map[string]any {
	props := map[string]any{}
	required := []string{}
	overrides := schemaOverrides()
	for _, f := range structFields(t) {
		sf := t.Field(f.index)
		s := map[string]any{}
		for k, v := range g.schemaOf(sf.Type) {
			s[k] = v
		}
		for k, v := range overrides[t.Name()+"."+f.name] {
			s[k] = v
		}
		if d := g.docs[t.Name()+"."+sf.Name]; d != "" {
			s["description"] = d
		}
		props[f.name] = s
		if f.required {
			required = append(required, f.name)
		}
	}
	out := map[string]any{
		"type":                 "object",
		"additionalProperties": false,
		"properties":           props,
	}
	if len(required) > 0 {
		out["required"] = required
	}
	if d := g.docs[t.Name()]; d != "" {
		out["description"] = d
	}
	return out
}

// readDocs collects doc comments of the package's types and struct fields.
func (g *schemaGen) readDocs(dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return fmt.Errorf("list sources: %w", err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return fmt.Errorf("parse %s: %w", name, err)
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				doc := ts.Doc
				if doc == nil && len(gd.Specs) == 1 {
					doc = gd.Doc
				}
				g.docs[ts.Name.Name] = docText(doc)
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				for _, fld := range st.Fields.List {
					text := docText(fld.Doc)
					if text == "" {
						text = docText(fld.Comment)
					}
					for _, n := range fld.Names {
						g.docs[ts.Name.Name+"."+n.Name] = text
					}
				}
			}
		}
	}
	return nil
}

// docText turns a comment group into one line of text.
func docText(cg *ast.CommentGroup) string {
	if cg == nil {
		return ""
	}
	return strings.Join(strings.Fields(cg.Text()), " ")
}
