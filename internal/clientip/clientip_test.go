package clientip

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func mustNew(t testing.TB, o Options) *Resolver {
	t.Helper()
	r, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestResolve(t *testing.T) {
	r := mustNew(t, Options{TrustedProxies: []string{"10.0.0.0/8", "192.168.1.1", "::1", "fd00::/8"}, MaxHops: 4, MaxHeaderBytes: 64})
	tests := []struct {
		name string
		peer string
		xff  []string
		want string // "" = unknown
	}{
		{name: "untrusted peer, no header", peer: "203.0.113.7:5555", want: "203.0.113.7"},
		{name: "untrusted peer spoofs XFF", peer: "203.0.113.7:5555", xff: []string{"10.1.1.1, 198.51.100.1"}, want: "203.0.113.7"},
		{name: "untrusted peer spoofs a trusted address", peer: "203.0.113.7:5555", xff: []string{"192.168.1.1"}, want: "203.0.113.7"},
		{name: "trusted peer, no header", peer: "10.0.0.5:80", want: "10.0.0.5"},
		{name: "trusted peer, one hop", peer: "10.0.0.5:80", xff: []string{"198.51.100.9"}, want: "198.51.100.9"},
		{name: "rightmost untrusted wins over spoofed left", peer: "10.0.0.5:80", xff: []string{"1.1.1.1, 198.51.100.9"}, want: "198.51.100.9"},
		{name: "trusted hops skipped", peer: "10.0.0.5:80", xff: []string{"198.51.100.9, 10.2.2.2, 192.168.1.1"}, want: "198.51.100.9"},
		{name: "multiple header lines read as one list", peer: "10.0.0.5:80", xff: []string{"1.1.1.1, 198.51.100.9", "10.2.2.2"}, want: "198.51.100.9"},
		{name: "all hops trusted: leftmost", peer: "10.0.0.5:80", xff: []string{"10.9.9.9, 10.2.2.2"}, want: "10.9.9.9"},
		{name: "ports and brackets", peer: "[::1]:80", xff: []string{"[2001:db8::7]:443"}, want: "2001:db8::7"},
		{name: "ipv4 with port", peer: "10.0.0.5:80", xff: []string{"198.51.100.9:1234"}, want: "198.51.100.9"},
		{name: "ipv4-mapped peer is trusted", peer: "[::ffff:10.0.0.5]:80", xff: []string{"198.51.100.9"}, want: "198.51.100.9"},
		{name: "ipv4-mapped client unmapped", peer: "10.0.0.5:80", xff: []string{"::ffff:198.51.100.9"}, want: "198.51.100.9"},
		{name: "zone dropped", peer: "10.0.0.5:80", xff: []string{"fe80::1%eth0"}, want: "fe80::1"},
		{name: "empty entries skipped", peer: "10.0.0.5:80", xff: []string{"198.51.100.9,, ,"}, want: "198.51.100.9"},
		{name: "garbage in trusted chain is unknown", peer: "10.0.0.5:80", xff: []string{"198.51.100.9, unknown"}, want: ""},
		{name: "garbage left of the client is ignored", peer: "10.0.0.5:80", xff: []string{"garbage, 198.51.100.9"}, want: "198.51.100.9"},
		{name: "too many trusted hops is unknown", peer: "10.0.0.5:80", xff: []string{"10.0.0.1,10.0.0.2,10.0.0.3,10.0.0.4,10.0.0.6"}, want: ""},
		{name: "oversized header: client within the kept suffix", peer: "10.0.0.5:80", xff: []string{strings.Repeat("9.9.9.9,", 20) + "198.51.100.9"}, want: "198.51.100.9"},
		{name: "oversized header of trusted hops is unknown", peer: "10.0.0.5:80", xff: []string{strings.Repeat("10.0.0.1,", 12)}, want: ""},
		{name: "peer not an address", peer: "@", want: ""},
		{name: "peer without port", peer: "198.51.100.4", want: "198.51.100.4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.Resolve(tt.peer, tt.xff)
			want := netip.Addr{}
			if tt.want != "" {
				want = netip.MustParseAddr(tt.want)
			}
			if got != want {
				t.Errorf("Resolve(%q, %q) = %v, want %v", tt.peer, tt.xff, got, want)
			}
		})
	}
}

func TestNoTrustedProxiesIgnoresXFF(t *testing.T) {
	r := mustNew(t, Options{})
	if got := r.Resolve("10.0.0.5:80", []string{"198.51.100.9"}); got != netip.MustParseAddr("10.0.0.5") {
		t.Errorf("got %v, want the peer", got)
	}
}

func TestNewRejectsBadProxies(t *testing.T) {
	for _, s := range []string{"10.0.0.0/33", "example.com", ""} {
		t.Run(s, func(t *testing.T) {
			if _, err := New(Options{TrustedProxies: []string{s}}); err == nil {
				t.Errorf("New accepted %q", s)
			}
		})
	}
}

// TestSpoofedXFFFromUntrustedPeer exercises a real loopback server: the
// loopback peer is untrusted, so whatever X-Forwarded-For it sends, the
// client is the loopback address.
func TestSpoofedXFFFromUntrustedPeer(t *testing.T) {
	r := mustNew(t, Options{TrustedProxies: []string{"10.0.0.0/8"}})
	got := make(chan netip.Addr, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		got <- r.FromRequest(req)
	}))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("X-Forwarded-For", "10.1.2.3, 198.51.100.1")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if a := <-got; a != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("client = %v, want 127.0.0.1", a)
	}

	trusting := mustNew(t, Options{TrustedProxies: []string{"127.0.0.0/8"}})
	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		got <- trusting.FromRequest(req)
	}))
	defer srv2.Close()
	req2, _ := http.NewRequest("GET", srv2.URL, nil)
	req2.Header.Set("X-Forwarded-For", "10.1.2.3, 198.51.100.1")
	resp, err = srv2.Client().Do(req2)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if a := <-got; a != netip.MustParseAddr("198.51.100.1") {
		t.Errorf("behind a trusted loopback proxy: client = %v, want 198.51.100.1", a)
	}
}

func FuzzResolve(f *testing.F) {
	f.Add("10.0.0.5:80", "1.1.1.1, 198.51.100.9")
	f.Add("203.0.113.7:5555", "10.1.1.1, 198.51.100.1")
	f.Add("[::1]:80", "[2001:db8::7]:443,fe80::1%eth0,,")
	f.Add("10.0.0.5:80", "10.0.0.1,10.0.0.2,garbage")
	r := mustNew(f, Options{TrustedProxies: []string{"10.0.0.0/8", "::1"}, MaxHops: 8, MaxHeaderBytes: 256})
	f.Fuzz(func(t *testing.T, peer, xff string) {
		got := r.Resolve(peer, []string{xff})
		p := parseHop(peer)
		if !p.IsValid() {
			if got.IsValid() {
				t.Fatalf("invalid peer %q resolved to %v", peer, got)
			}
			return
		}
		if !r.Trusted(p) {
			if got != p {
				t.Fatalf("untrusted peer %v: XFF %q changed the client to %v", p, xff, got)
			}
			return
		}
		if got.IsValid() && got != p && !strings.Contains(xff, strings.Split(got.String(), "%")[0]) && !strings.Contains(strings.ToLower(xff), "ffff") && !strings.Contains(xff, ":") {
			t.Fatalf("client %v appears neither as peer nor in XFF %q", got, xff)
		}
	})
}
