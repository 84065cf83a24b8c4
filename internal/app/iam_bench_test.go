package app

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/sigv4"
)

// BenchmarkIAMRoundTrip compares a NONE route with an AWS_IAM route (SigV4
// verification plus identity-policy evaluation) in the same run, through
// the real listener. The signed request is signed once and replayed, so the
// client's own signing cost is not measured.
func BenchmarkIAMRoundTrip(b *testing.B) {
	clk := &fakeClock{t: time.Now().UTC()}
	ta := startIAM(b, iamConfig+`
apis:
  - name: bench
    id: benchapi01
    kind: rest
    stages: [{name: dev}]
    routes:
      - route: GET /open
        integration: {mock: {body: hello}}
      - route: GET /signed
        authorizer: AWS_IAM
        integration: {mock: {body: hello}}
`, clk)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	sign := func(path string, signed bool) http.Header {
		r, _ := http.NewRequest("GET", "http://"+ta.GatewayAddr+path, nil)
		if signed {
			if err := signV4(r, alice, sigv4.EmptyPayloadHash, clk.Now()); err != nil {
				b.Fatal(err)
			}
		}
		return r.Header
	}
	for _, bc := range []struct {
		name, path string
		signed     bool
	}{{"none", "/dev/open", false}, {"aws_iam", "/dev/signed", true}} {
		hdr := sign(bc.path, bc.signed)
		url := "http://" + ta.GatewayAddr + bc.path
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest("GET", url, nil)
					for k, v := range hdr {
						req.Header[k] = v
					}
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
		})
	}
}
