package app

import (
	"fmt"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/config"
)

// iamAuthorizer builds the AWS_IAM authorizer for routes of api.
func (a *App) iamAuthorizer(_ *generation, api *config.API) (authz.Authorizer, error) {
	return nil, fmt.Errorf("api %q: AWS_IAM authorization: not supported yet", api.Name)
}

// resourceGuard builds the resource-policy guard of api; nil when it has none.
func (a *App) resourceGuard(_ *generation, api *config.API) (authz.Guard, error) {
	if api.ResourcePolicy == nil {
		return nil, nil
	}
	return nil, fmt.Errorf("api %q: resource policies: not supported yet", api.Name)
}
