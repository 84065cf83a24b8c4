package app

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/authz/jwtauth"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/jwks"
)

// jwtState is shared by every generation: remote key sets keep their cache
// and refresh loops across reloads, and so does the verified-token cache.
type jwtState struct {
	manager *jwks.Manager
	cache   *jwtauth.Cache
}

func newJWTState(a *App) *jwtState {
	s := &jwtState{
		manager: jwks.NewManager(jwks.RemoteOptions{Logger: a.log}),
		cache:   jwtauth.NewCache(10000),
	}
	a.metrics.Registry.MustRegister(jwtauth.NewCollector(s.cache, s.manager.Stats))
	return s
}

// start runs the background refresh of remote key sets until ctx ends.
func (s *jwtState) start(ctx context.Context) { s.manager.Start(ctx) }

// jwtAuthorizer builds a jwt or cognitoUserPools authorizer.
func (a *App) jwtAuthorizer(gen *generation, c config.Authorizer) (authz.Authorizer, error) {
	return jwtauth.NewFromConfig(c, jwtauth.Deps{
		Remote: func(issuer, jwksURI string) (jwks.KeySource, error) {
			return a.jwt.manager.Remote(issuer, jwksURI)
		},
		LocalPool: func(ref string) (jwtauth.LocalPool, bool) { return a.localPool(gen, ref) },
		Cache:     a.jwt.cache,
		Logger:    a.log,
	})
}
