package respolicy

import (
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/policy"
)

func TestNewContext(t *testing.T) {
	now := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{
		"IpAddress":{"aws:SourceIp":"192.0.2.0/24"},"Bool":{"aws:SecureTransport":"true"},
		"StringLike":{"aws:UserAgent":"curl/*"},"Null":{"aws:Referer":"true","aws:SourceVpc":"true"},
		"DateGreaterThan":{"aws:CurrentTime":"2026-11-22T00:59:59Z"}}}}`
	p, err := policy.Parse([]byte(doc), policy.ParseOptions{Kind: policy.KindResource})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		header http.Header
		ip     string
		secure bool
		want   policy.Effect
	}{
		{"all conditions hold", http.Header{"User-Agent": {"curl/8"}}, "192.0.2.5", true, policy.Allow},
		{"referer present", http.Header{"User-Agent": {"curl/8"}, "Referer": {"https://x"}}, "192.0.2.5", true, policy.ImplicitDeny},
		{"plain http", http.Header{"User-Agent": {"curl/8"}}, "192.0.2.5", false, policy.ImplicitDeny},
		{"no user agent", http.Header{}, "192.0.2.5", true, policy.ImplicitDeny},
		{"other address", http.Header{"User-Agent": {"curl/8"}}, "198.51.100.1", true, policy.ImplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewContext(tt.header, netip.MustParseAddr(tt.ip), tt.secure, now, nil)
			if d := p.Evaluate(&policy.Request{Action: InvokeAction, Resource: method, Context: c}); d.Effect != tt.want {
				t.Errorf("effect = %v, want %v (%s)", d.Effect, tt.want, d.Reason)
			}
		})
	}
}
