// Package clientip owns the client address gatehouse reports as
// aws:SourceIp, $context.identity.sourceIp and requestContext sourceIp.
//
// The address is the TCP peer unless the peer is a configured trusted proxy;
// only then is X-Forwarded-For read, from the right, skipping hops that are
// themselves trusted proxies. The first untrusted hop is the client. An
// X-Forwarded-For sent by an untrusted peer is ignored entirely.
//
// A Resolver is immutable and safe for concurrent use.
package clientip

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Limits applied to X-Forwarded-For.
const (
	DefaultMaxHops        = 32
	DefaultMaxHeaderBytes = 8 << 10
)

// Options configure a Resolver.
type Options struct {
	// TrustedProxies are IP addresses or CIDR prefixes ("10.0.0.0/8",
	// "127.0.0.1", "::1").
	TrustedProxies []string
	// MaxHops bounds how many X-Forwarded-For entries are examined
	// (default DefaultMaxHops).
	MaxHops int
	// MaxHeaderBytes bounds how many bytes of X-Forwarded-For (from the
	// right) are examined (default DefaultMaxHeaderBytes).
	MaxHeaderBytes int
}

// Resolver resolves client addresses.
type Resolver struct {
	trusted  []netip.Prefix
	maxHops  int
	maxBytes int
}

// New returns a Resolver for o.
func New(o Options) (*Resolver, error) {
	r := &Resolver{maxHops: o.MaxHops, maxBytes: o.MaxHeaderBytes}
	if r.maxHops <= 0 {
		r.maxHops = DefaultMaxHops
	}
	if r.maxBytes <= 0 {
		r.maxBytes = DefaultMaxHeaderBytes
	}
	for _, s := range o.TrustedProxies {
		if p, err := netip.ParsePrefix(s); err == nil {
			r.trusted = append(r.trusted, unmapPrefix(p.Masked()))
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("clientip: trusted proxy %q is neither an address nor a CIDR", s)
		}
		a = a.WithZone("").Unmap()
		r.trusted = append(r.trusted, netip.PrefixFrom(a, a.BitLen()))
	}
	return r, nil
}

func unmapPrefix(p netip.Prefix) netip.Prefix {
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p
}

// Trusted reports whether a is a trusted proxy.
func (r *Resolver) Trusted(a netip.Addr) bool {
	a = a.WithZone("").Unmap()
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// FromRequest resolves the client address of a server-side request.
func (r *Resolver) FromRequest(req *http.Request) netip.Addr {
	return r.Resolve(req.RemoteAddr, req.Header.Values("X-Forwarded-For"))
}

// Resolve returns the client address for a TCP peer ("host:port" as in
// http.Request.RemoteAddr) and the X-Forwarded-For header values in the
// order received. The zero Addr means the address is unknown: the peer is
// not an IP address, or the trusted part of the chain is malformed or longer
// than the limits.
func (r *Resolver) Resolve(remoteAddr string, xff []string) netip.Addr {
	peer := parseHop(remoteAddr)
	if !peer.IsValid() || !r.Trusted(peer) || len(xff) == 0 || len(r.trusted) == 0 {
		return peer
	}
	s := joinRight(xff, r.maxBytes)
	truncated := s.truncated
	v := s.value
	current := peer
	for hops := 0; ; hops++ {
		if hops == r.maxHops {
			return netip.Addr{}
		}
		i := strings.LastIndexByte(v, ',')
		entry := strings.TrimSpace(v[i+1:])
		if entry == "" && i < 0 {
			// Exhausted: every hop was a trusted proxy. The leftmost hop
			// is the client unless the header was cut.
			if truncated {
				return netip.Addr{}
			}
			return current
		}
		if entry != "" {
			a := parseHop(entry)
			if !a.IsValid() {
				return netip.Addr{}
			}
			if !r.Trusted(a) {
				return a
			}
			current = a
		}
		if i < 0 {
			v = ""
		} else {
			v = v[:i]
		}
	}
}

type joined struct {
	value     string
	truncated bool
}

// joinRight joins header values with ',' and keeps at most max bytes from
// the right, dropping a partial leftmost entry.
func joinRight(vals []string, max int) joined {
	total := 0
	for _, v := range vals {
		total += len(v) + 1
	}
	if total <= max {
		return joined{value: strings.Join(vals, ",")}
	}
	s := strings.Join(vals, ",")
	s = s[len(s)-max:]
	if i := strings.IndexByte(s, ','); i >= 0 {
		s = s[i+1:]
	} else {
		s = ""
	}
	return joined{value: s, truncated: true}
}

// parseHop parses "1.2.3.4", "1.2.3.4:80", "2001:db8::1", "[2001:db8::1]:80"
// or "[2001:db8::1]". Zones are dropped and IPv4-mapped IPv6 is unmapped.
func parseHop(s string) netip.Addr {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.WithZone("").Unmap()
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().WithZone("").Unmap()
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil {
			return a.WithZone("").Unmap()
		}
	}
	if host, _, err := net.SplitHostPort(s); err == nil {
		if a, err := netip.ParseAddr(host); err == nil {
			return a.WithZone("").Unmap()
		}
	}
	return netip.Addr{}
}
