package respolicy

import (
	"net/http"
	"net/netip"
	"time"

	"github.com/gatehouse/gatehouse/internal/policy"
)

// NewContext builds the policy request context for one API call:
// aws:SourceIp from clientIP (already resolved through trusted proxies),
// aws:SecureTransport from secure, aws:CurrentTime/aws:EpochTime from now
// (the pipeline's injected clock), aws:UserAgent and aws:Referer from the
// request headers when sent, and the identity keys from caller (nil for
// anything but a SigV4-authenticated caller). aws:SourceVpc and
// aws:SourceVpce stay absent: gatehouse has no VPC endpoints.
func NewContext(h http.Header, clientIP netip.Addr, secure bool, now time.Time, caller *policy.Identity) *policy.Context {
	c := &policy.Context{Now: now, SourceIP: clientIP, SecureTransport: secure, Principal: caller}
	if v := h.Values("User-Agent"); len(v) > 0 {
		ua := v[0]
		c.UserAgent = &ua
	}
	if v := h.Values("Referer"); len(v) > 0 {
		ref := v[0]
		c.Referer = &ref
	}
	return c
}
