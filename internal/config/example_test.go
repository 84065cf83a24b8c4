package config

import (
	"bytes"
	"os"
	"regexp"
	"testing"
)

// TestExampleBasic keeps examples/basic/gatehouse.yaml valid.
func TestExampleBasic(t *testing.T) {
	c, err := LoadFile("../../examples/basic/gatehouse.yaml")
	if err != nil {
		t.Fatalf("example does not validate:\n%v", err)
	}
	if len(c.APIs) != 2 || c.APIs[0].Kind != KindHTTP || c.APIs[1].Kind != KindREST {
		t.Fatalf("example should hold one http and one rest API, got %+v", c.APIs)
	}
	var mock, http bool
	for _, a := range c.APIs {
		for _, r := range a.Routes {
			mock = mock || r.Integration.Mock != nil
			http = http || r.Integration.HTTP != nil
		}
	}
	if !mock || !http {
		t.Errorf("example should use mock and http integrations (mock %v, http %v)", mock, http)
	}
}

var (
	yamlBlock    = regexp.MustCompile("(?s)```yaml\n(.*?)```")
	invalidBlock = regexp.MustCompile("(?s)```yaml\n(# invalid.*?)```\\s*```text\n(.*?)```")
)

// TestDocsConfigurationExamples parses every ```yaml block of
// docs/configuration.md. A block must be a valid config, unless its first
// line starts with "# fragment" (skipped) or "# invalid", in which case the
// ```text block that follows it must be exactly the errors Parse reports
// (file name gatehouse.yaml).
func TestDocsConfigurationExamples(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := yamlBlock.FindAllSubmatch(doc, -1)
	if len(blocks) == 0 {
		t.Fatal("no yaml blocks in docs/configuration.md")
	}
	for i, b := range blocks {
		src := b[1]
		if bytes.HasPrefix(src, []byte("# fragment")) || bytes.HasPrefix(src, []byte("# invalid")) {
			continue
		}
		if _, err := Parse("gatehouse.yaml", src); err != nil {
			t.Errorf("yaml block %d of docs/configuration.md does not validate:\n%v\n%s", i, err, src)
		}
	}
	invalid := invalidBlock.FindAllSubmatch(doc, -1)
	if n := bytes.Count(doc, []byte("```yaml\n# invalid")); n != len(invalid) {
		t.Fatalf("%d invalid examples, %d followed by a text block of their errors", n, len(invalid))
	}
	for i, m := range invalid {
		_, err := Parse("gatehouse.yaml", m[1])
		if err == nil {
			t.Errorf("invalid example %d validates", i)
			continue
		}
		if got, want := err.Error()+"\n", string(m[2]); got != want {
			t.Errorf("invalid example %d: errors\n%s\ndocumented as\n%s", i, got, want)
		}
	}
}
