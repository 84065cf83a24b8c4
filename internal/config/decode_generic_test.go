package config

import (
	"reflect"
	"strings"
	"testing"
)

// genericFields exercises decoder branches that the current model does not
// use, so fields added later by section owners decode correctly.
type genericFields struct {
	U8      uint8               `yaml:"u8,omitempty"`
	F       float64             `yaml:"f,omitempty"`
	Any     any                 `yaml:"any,omitempty"`
	PP      **string            `yaml:"pp,omitempty"`
	Nested  map[string][]int    `yaml:"nested,omitempty"`
	Structs map[string]Stage    `yaml:"structs,omitempty"`
	IntKeys map[int]string      `yaml:"intKeys,omitempty"`
	Untag   string              `yaml:",omitempty"`
	Skip    string              `yaml:"-"`
	Policy  PolicyDocument      `yaml:"policy,omitempty"`
	Dur     map[string]Duration `yaml:"dur,omitempty"`
	private string              //nolint:unused // must be ignored by the decoder
}

func decodeGeneric(t *testing.T, src string) (genericFields, []string) {
	t.Helper()
	root, errs := parseYAML("g.yaml", []byte(src))
	if errs != nil {
		t.Fatal(errs)
	}
	d := &decoder{file: "g.yaml", pos: map[string]Pos{}}
	var g genericFields
	d.decode(root, reflect.ValueOf(&g).Elem(), "", 0)
	d.errs.sort()
	var out []string
	for _, e := range d.errs {
		out = append(out, e.String())
	}
	return g, out
}

func TestDecodeGenericTypes(t *testing.T) {
	g, errs := decodeGeneric(t, `
u8: 255
f: 1.5
any: {a: [1, "x", true, null]}
pp: hello
nested: {a: [1, 2]}
structs: {s: {name: x}}
untag: yes
policy: {Version: "2012-10-17"}
dur: {a: 1m}
`)
	if len(errs) > 0 {
		t.Fatalf("errors: %q", errs)
	}
	if g.private != "" {
		t.Error("unexported field was set")
	}
	if g.U8 != 255 || g.F != 1.5 || **g.PP != "hello" || !reflect.DeepEqual(g.Nested, map[string][]int{"a": {1, 2}}) ||
		g.Structs["s"].Name != "x" || g.Untag != "yes" || string(g.Policy.JSON) != `{"Version":"2012-10-17"}` || g.Dur["a"].D().Minutes() != 1 {
		t.Errorf("decoded %+v", g)
	}
	if want := map[string]any{"a": []any{float64(1), "x", true, nil}}; !reflect.DeepEqual(g.Any, want) {
		t.Errorf("any = %#v, want %#v", g.Any, want)
	}

	_, errs = decodeGeneric(t, "u8: 256\nf: abc\nskip: x\nprivate: x\nintKeys: {1: a}\nstructs: {s: {nme: x}}\n")
	want := []string{
		`g.yaml:1:5: u8: integer 256 out of range (0 to 255)`,
		`g.yaml:2:4: f: expected number, got string`,
		`g.yaml:3:1: skip: unknown field "skip"`,
		`g.yaml:4:1: private: unknown field "private"`,
		`g.yaml:5:10: intKeys: internal error: map keys of type int cannot be decoded`,
		`g.yaml:6:15: structs.s.nme: unknown field "nme" (did you mean "name"?)`,
	}
	if strings.Join(errs, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(errs, "\n"), strings.Join(want, "\n"))
	}
}

func TestParentPath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"apis[0].routes[2].integration", "apis[0].routes[2]"},
		{"apis[0].routes[2]", "apis[0].routes"},
		{"apis", ""},
		{"", ""},
		{`apis[0].stages[0].variables["a.b"]`, "apis[0].stages[0].variables"},
		{"settings.region", "settings"},
	}
	for _, tt := range tests {
		if got := parentPath(tt.in); got != tt.want {
			t.Errorf("parentPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := joinField("a", "x.y"); got != `a["x.y"]` {
		t.Errorf(`joinField("a", "x.y") = %q`, got)
	}
}
