package router_test

import (
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/exchange"
	"github.com/gatehouse/gatehouse/internal/router"
)

func Example() {
	tbl, err := router.Compile(router.Spec{
		Kind:   exchange.REST,
		Stages: []string{"prod"},
		Routes: []string{"GET /pets/{petId}", "ANY /{proxy+}"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	var res router.Result // reused across requests
	for _, req := range []struct{ method, raw string }{
		{"GET", "/prod/pets/caf%c3%a9;x"},
		{"POST", "/prod/pets/7/"},
		{"GET", "/prod/public/%2e%2e/admin"},
		{"GET", "/test/pets/7"},
	} {
		path, err := router.Canonicalize(req.raw)
		if errors.Is(err, router.ErrBadPath) {
			fmt.Printf("%s %s: 400 (%v)\n", req.method, req.raw, err)
			continue
		}
		switch tbl.Match(req.method, path, &res) {
		case router.Matched:
			fmt.Printf("%s %s: %q params %v forward %s\n", req.method, req.raw, tbl.Route(res.Route).Key, res.Params, res.EscapedPath)
		default:
			fmt.Printf("%s %s: %v\n", req.method, req.raw, res.Outcome)
		}
	}
	// Output:
	// GET /prod/pets/caf%c3%a9;x: "GET /pets/{petId}" params [{petId café;x}] forward /pets/caf%C3%A9%3Bx
	// POST /prod/pets/7/: not found
	// GET /prod/public/%2e%2e/admin: 400 (router: dot segment in path)
	// GET /test/pets/7: unknown stage
}
