package config

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/exchange"
	"github.com/gatehouse/gatehouse/internal/router"
)

// routerAgreementSeeds are route keys near the edges of the two parsers.
var routerAgreementSeeds = []string{
	"$default", "GET /", "ANY /{proxy+}", "GET /a/{b}/c", "GET /a/.", "GET /a/..", "GET /a/...", "GET /...x",
	"GET /a;b", "GET /{a.b}", "GET /a/", "GET /x%20y", "GET /{a}{b}", "GET /{}", "GET /{+}", "GET //",
	"GET /é", "GET /~e:f@g/!$&'()*+,=", "GET /{id}/{id}", "GET /{p+}/x",
}

// checkRouterAccepts: a route key the config accepts must compile in the
// router too, or `gatehouse validate` passes a file that then fails to load.
func checkRouterAccepts(t *testing.T, key string) {
	t.Helper()
	k, err := ParseRouteKey(key)
	if err != nil {
		return
	}
	kinds := []exchange.Kind{exchange.HTTP}
	if !k.Default {
		kinds = append(kinds, exchange.REST)
	}
	for _, kind := range kinds {
		stage := "$default"
		if kind == exchange.REST {
			stage = "prod"
		}
		if _, err := router.Compile(router.Spec{Kind: kind, Stages: []string{stage}, Routes: []string{key}}); err != nil {
			t.Errorf("config accepts %q but the router (kind %v) refuses it: %v", key, kind, err)
		}
	}
}

func TestRouteKeysAcceptedByRouter(t *testing.T) {
	for _, key := range routerAgreementSeeds {
		t.Run(key, func(t *testing.T) { checkRouterAccepts(t, key) })
	}
}

func FuzzRouteKeysAcceptedByRouter(f *testing.F) {
	for _, key := range routerAgreementSeeds {
		f.Add(key)
	}
	f.Fuzz(checkRouterAccepts)
}
