package pipeline

import (
	"regexp"
	"testing"

	"github.com/gatehouse/gatehouse/internal/exchange"
)

func TestRequestIDs(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	httpID := regexp.MustCompile(`^[A-Za-z0-9+/]{15}=$`)
	seen := map[string]bool{}
	for i := 0; i < 10000; i++ {
		id, ext := newRequestIDs(exchange.REST)
		if !uuid.MatchString(id) || len(ext) != 16 {
			t.Fatalf("REST ids %q %q", id, ext)
		}
		hid, _ := newRequestIDs(exchange.HTTP)
		if !httpID.MatchString(hid) {
			t.Fatalf("HTTP id %q", hid)
		}
		if seen[id] || seen[hid] {
			t.Fatalf("duplicate id after %d", i)
		}
		seen[id], seen[hid] = true, true
	}
}
