package app

import (
	"fmt"

	"github.com/gatehouse/gatehouse/internal/authz"
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
