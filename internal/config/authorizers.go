package config

// JWTAuthorizer configures an HTTP API JWT authorizer. Owned by the JWT capability.
type JWTAuthorizer struct{}

// CognitoAuthorizer configures a REST API Cognito user-pool authorizer. Owned by the JWT capability.
type CognitoAuthorizer struct{}

func (c *Config) validateAuthorizers(p *problems) {}
