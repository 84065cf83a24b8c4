package sam

import (
	"os"
	"testing"
)

func TestDumpTmp(t *testing.T) {
	p := os.Getenv("SAMFILE")
	if p == "" {
		t.Skip()
	}
	data, _ := os.ReadFile(p)
	r, err := Convert(p, data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout.Write(r.YAML)
	for _, w := range r.Warnings {
		t.Log("warning:", w.String())
	}
	for _, o := range r.Outputs {
		t.Log("output:", o)
	}
}
