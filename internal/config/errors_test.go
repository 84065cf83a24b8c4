package config

import (
	"encoding/json"
	"testing"
)

func TestFieldErrorString(t *testing.T) {
	tests := []struct {
		name string
		e    FieldError
		want string
	}{
		{"full", FieldError{File: "f.yaml", Line: 3, Col: 7, Path: "apis[0].kind", Msg: "bad", Suggest: "http"}, `f.yaml:3:7: apis[0].kind: bad (did you mean "http"?)`},
		{"no suggestion", FieldError{File: "f.yaml", Line: 3, Col: 7, Path: "a", Msg: "bad"}, `f.yaml:3:7: a: bad`},
		{"line only", FieldError{File: "f.yaml", Line: 3, Msg: "invalid YAML: x"}, `f.yaml:3: invalid YAML: x`},
		{"file only", FieldError{File: "f.yaml", Msg: "config file is empty"}, `f.yaml: config file is empty`},
		{"in code", FieldError{Path: "apis[0].name", Msg: "name is required"}, `apis[0].name: name is required`},
		{"message only", FieldError{Msg: "m"}, `m`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.e.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestErrorsSortedByPosition(t *testing.T) {
	es := Errors{
		{File: "f", Line: 10, Col: 1, Msg: "c"},
		{File: "f", Line: 2, Col: 9, Msg: "b"},
		{File: "f", Line: 2, Col: 3, Msg: "a"},
	}
	es.sort()
	want := "f:2:3: a\nf:2:9: b\nf:10:1: c"
	if got := es.Error(); got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
}

func TestPolicyDocumentJSONRoundTrip(t *testing.T) {
	var v struct {
		P *PolicyDocument `json:"p"`
	}
	if err := json.Unmarshal([]byte(`{"p": {"Version": "2012-10-17"}}`), &v); err != nil {
		t.Fatal(err)
	}
	if got := string(v.P.JSON); got != `{"Version": "2012-10-17"}` {
		t.Errorf("JSON = %s", got)
	}
	if _, ok := v.P.Position(""); ok {
		t.Error("Position ok for a document not decoded from a file")
	}
	out, err := json.Marshal(v)
	if err != nil || string(out) != `{"p":{"Version":"2012-10-17"}}` {
		t.Errorf("Marshal = %s, %v", out, err)
	}
	if b, _ := (PolicyDocument{}).MarshalJSON(); string(b) != "null" {
		t.Errorf("empty MarshalJSON = %s", b)
	}
	var bad PolicyDocument
	if err := bad.UnmarshalJSON([]byte("{")); err == nil {
		t.Error("UnmarshalJSON accepted invalid JSON")
	}
}
