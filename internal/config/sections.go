package config

// This file holds the config sections owned by later capabilities. Each
// capability fills in its own types in its own file and removes the
// placeholder here.

// Function is a local Lambda function (functions.go).
type Function struct{}

// UserPool is a Cognito-compatible user pool (userpools.go).
type UserPool struct{}

// IAM holds IAM principals and managed policies (iam.go).
type IAM struct{}

// PolicyDocument is an IAM policy document (iam.go).
type PolicyDocument struct{}

// JWTAuthorizer configures an HTTP API JWT authorizer (authorizers.go).
type JWTAuthorizer struct{}

// CognitoAuthorizer configures a REST API Cognito user-pool authorizer (authorizers.go).
type CognitoAuthorizer struct{}
