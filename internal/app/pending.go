package app

import (
	"fmt"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/authz/jwtauth"
	"github.com/gatehouse/gatehouse/internal/config"
)

// namedAuthorizer builds AWS_IAM or a configured authorizer.
func (a *App) namedAuthorizer(gen *generation, api *config.API, name string) (authz.Authorizer, error) {
	if name == config.AuthorizerAWSIAM {
		return a.iamAuthorizer(gen, api)
	}
	for _, c := range api.Authorizers {
		if c.Name == name {
			return a.jwtAuthorizer(gen, c)
		}
	}
	return nil, fmt.Errorf("authorizer %q is not declared", name)
}

// localPool resolves a reference to a user pool served by this process.
func (a *App) localPool(_ *generation, _ string) (jwtauth.LocalPool, bool) {
	return jwtauth.LocalPool{}, false
}

// idpHandler serves the identity-provider listener: the Cognito JSON API
// (requests with X-Amz-Target), STS (form-encoded Query API) and the user
// pools' well-known documents.
func (a *App) idpHandler() http.Handler {
	sts := a.stsHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" && r.Method == http.MethodPost && r.Header.Get("X-Amz-Target") == "" {
			sts.ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
	})
}
