package config

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"testing"

	"github.com/gatehouse/gatehouse/internal/gwresp"
)

// TestGatewayResponseTypesComplete parses internal/gwresp and checks that
// every Type constant it declares is accepted by the config, so a type added
// there cannot be forgotten here.
func TestGatewayResponseTypesComplete(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "../gwresp/error.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var declared []gwresp.Type
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Type" {
				continue
			}
			for _, v := range vs.Values {
				lit, ok := v.(*ast.BasicLit)
				if !ok {
					continue
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				declared = append(declared, gwresp.Type(s))
			}
		}
	}
	if len(declared) < 20 {
		t.Fatalf("found only %d gwresp.Type constants; parser out of step with gwresp", len(declared))
	}
	accepted := GatewayResponseTypes()
	for _, d := range declared {
		if !slices.Contains(accepted, d) {
			t.Errorf("gwresp declares %s but GatewayResponseTypes does not list it", d)
		}
	}
	if len(accepted) != len(declared) {
		t.Errorf("GatewayResponseTypes has %d entries, gwresp declares %d", len(accepted), len(declared))
	}
}
