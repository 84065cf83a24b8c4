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
	return new(ContextBuffer).Init(h, clientIP, secure, now, caller)
}

// ContextBuffer holds a policy context and the header values it points to,
// so a context costs one allocation (or none inside a caller's own
// allocation).
type ContextBuffer struct {
	ctx     policy.Context
	ua, ref string
}

// Init fills b as NewContext builds a context and returns it. The context
// lives in b.
func (b *ContextBuffer) Init(h http.Header, clientIP netip.Addr, secure bool, now time.Time, caller *policy.Identity) *policy.Context {
	*b = ContextBuffer{ctx: policy.Context{Now: now, SourceIP: clientIP, SecureTransport: secure, Principal: caller}}
	if v := h["User-Agent"]; len(v) > 0 {
		b.ua = v[0]
		b.ctx.UserAgent = &b.ua
	}
	if v := h["Referer"]; len(v) > 0 {
		b.ref = v[0]
		b.ctx.Referer = &b.ref
	}
	return &b.ctx
}
