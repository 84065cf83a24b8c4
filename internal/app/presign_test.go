package app

import (
	"testing"
)

// TestPresignedParamsNotForwarded: on AWS_IAM routes the presigned-URL
// signing parameters never reach an HTTP backend (a caller's signature and
// session token are credentials); other parameters, including look-alikes,
// are forwarded byte for byte and in order. Routes without AWS_IAM forward
// the query untouched.
func TestPresignedParamsNotForwarded(t *testing.T) {
	be := newBackend(t, nil)
	clk := fixedClock()
	ta := startIAM(t, iamConfig+signedAPI(be.URL, `      - route: GET /open
        authorizer: NONE
        integration: {http: {url: "%[1]s/open"}}
`), clk)
	now := clk.Now()
	tests := []struct {
		name      string
		req       signedReq
		wantQuery string
	}{
		{name: "presigned: signing parameters dropped", req: signedReq{method: "GET", path: "/dev/pets/7?z=1&X-Amz-Expires=300&a=%2F&X-Amz-Other=keep", key: alice, at: now, presign: true},
			wantQuery: "X-Amz-Other=keep&a=%2F&z=1"}, // the SDK sorts the query when presigning
		{name: "header form: signing look-alikes in the query dropped too", req: signedReq{method: "GET", path: "/dev/pets/7?x-amz-security-token=leak&X-Amz-Signaturex=keep&q=1", key: alice, at: now},
			wantQuery: "X-Amz-Signaturex=keep&q=1"},
		{name: "encoded parameter name", req: signedReq{method: "GET", path: "/dev/pets/7?X%2DAmz%2DSecurity%2DToken=leak&q=1", key: alice, at: now},
			wantQuery: "q=1"},
		{name: "route without AWS_IAM forwards everything", req: signedReq{method: "GET", path: "/dev/open?X-Amz-Signature=abc&X-Amz-Credential=k&q=1"},
			wantQuery: "X-Amz-Signature=abc&X-Amz-Credential=k&q=1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.host = signedHost
			resp, body := ta.signed(t, tc.req)
			if resp.StatusCode != 200 {
				t.Fatalf("got %d %q, want 200", resp.StatusCode, body)
			}
			if got := be.last(t).URL.RawQuery; got != tc.wantQuery {
				t.Errorf("backend query %q, want %q", got, tc.wantQuery)
			}
		})
	}
}
