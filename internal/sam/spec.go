package sam

import (
	"fmt"
	"sort"
	"strings"
)

// Status says what gatehouse does with a template property.
type Status uint8

// Statuses of a property.
const (
	// Supported properties are translated (some values may still be refused;
	// the note says which).
	Supported Status = iota
	// Ignored properties have no local effect; each use is a warning.
	Ignored
	// Unsupported properties are security-relevant and not supported yet: an
	// error unless Options.AllowUnsupported (then a warning).
	Unsupported
	// NotYet marks features gatehouse does not have yet (Lambda
	// authorizers, API keys, usage plans, OpenAPI definitions): always an
	// error, since serving without them would be more open than the template.
	NotYet
)

func (s Status) String() string {
	switch s {
	case Supported:
		return "supported"
	case Ignored:
		return "ignored (warning)"
	case Unsupported:
		return "error (unless --allow-unsupported)"
	}
	return "error: not supported yet"
}

// prop describes one property: its status, and for maps the properties
// inside (Sub), or the shape of each entry of a map keyed by user names
// (Each).
type prop struct {
	Status Status
	Note   string
	Sub    map[string]prop
	Each   map[string]prop
}

// resourceSpec describes a resource type gatehouse translates.
type resourceSpec struct {
	Note  string
	Props map[string]prop
}

func sup(note string) prop    { return prop{Status: Supported, Note: note} }
func ign(note string) prop    { return prop{Status: Ignored, Note: note} }
func uns(note string) prop    { return prop{Status: Unsupported, Note: note} }
func notYet(note string) prop { return prop{Status: NotYet, Note: note} }
func nest(note string, sub map[string]prop) prop {
	return prop{Status: Supported, Note: note, Sub: sub}
}

func ignoreAll(p map[string]prop, note string, names ...string) map[string]prop {
	for _, n := range names {
		p[n] = ign(note)
	}
	return p
}

// eventSpecs describes the supported function event types' properties.
func eventSpecs() map[string]map[string]prop {
	return map[string]map[string]prop{
		"Api": {
			"Path":      sup("route path; {param} and {proxy+} as in API Gateway"),
			"Method":    sup("HTTP method or any"),
			"RestApiId": sup("Ref to an AWS::Serverless::Api; default the implicit ServerlessRestApi"),
			"Auth": nest("per-method authorization", map[string]prop{
				"Authorizer":          sup("authorizer name, NONE or AWS_IAM"),
				"AuthorizationScopes": sup("scopes (Cognito authorizers)"),
				"ApiKeyRequired":      sup("false only; true is an error: API keys are not supported yet"),
				"ResourcePolicy":      sup("same keys as the API's Auth.ResourcePolicy, for this method"),
				"OverrideApiAuth":     sup("accepted"),
				"InvokeRole":          ign("the function is invoked in process"),
			}),
			"TimeoutInMillis":   sup("integration timeout"),
			"RequestParameters": ign("request validation is not emulated"),
			"RequestModel":      ign("request validation is not emulated"),
		},
		"HttpApi": {
			"Path":                 sup("route path; without Path and Method the route is $default"),
			"Method":               sup("HTTP method or any"),
			"ApiId":                sup("Ref to an AWS::Serverless::HttpApi; default the implicit ServerlessHttpApi"),
			"PayloadFormatVersion": sup("1.0 or 2.0 (default 2.0)"),
			"TimeoutInMillis":      sup("integration timeout"),
			"Auth": nest("per-route authorization", map[string]prop{
				"Authorizer":          sup("authorizer name, NONE or AWS_IAM"),
				"AuthorizationScopes": sup("required scopes"),
			}),
			"RouteSettings": ign("per-route throttling is not emulated"),
		},
		"Cognito": {
			"UserPool": sup("Ref to an AWS::Cognito::UserPool of the template"),
			"Trigger":  sup("trigger name (PreSignUp, PreTokenGeneration, ...) or a list of them"),
		},
	}
}

func jwtAuthorizerProps() map[string]prop {
	return map[string]prop{
		"JwtConfiguration":                 sup("issuer and audience (keys case-insensitive); a Cognito issuer of a pool in the template is served by that local pool"),
		"IdentitySource":                   sup("$request.header.X or $request.querystring.X"),
		"AuthorizationScopes":              sup("default scopes of routes using the authorizer"),
		"FunctionArn":                      notYet("Lambda authorizers"),
		"FunctionInvokeRole":               notYet("Lambda authorizers"),
		"AuthorizerPayloadFormatVersion":   notYet("Lambda authorizers"),
		"EnableSimpleResponses":            notYet("Lambda authorizers"),
		"EnableFunctionDefaultPermissions": notYet("Lambda authorizers"),
		"Identity":                         notYet("Lambda authorizers"),
	}
}

func restAuthorizerProps() map[string]prop {
	return map[string]prop{
		"UserPoolArn":         sup("Cognito authorizer: pool ARN (string or list); ARNs of pools in the template resolve to the local pool"),
		"AuthorizationScopes": sup("default scopes of methods using the authorizer"),
		"Identity": nest("identity source", map[string]prop{
			"Header":               sup("token header (default Authorization)"),
			"ValidationExpression": sup("regular expression"),
			"ReauthorizeEvery":     ign("authorizer result caching is not emulated"),
		}),
		"FunctionArn":                       notYet("Lambda authorizers"),
		"FunctionPayloadType":               notYet("Lambda authorizers"),
		"FunctionInvokeRole":                notYet("Lambda authorizers"),
		"DisableFunctionDefaultPermissions": notYet("Lambda authorizers"),
	}
}

func resourcePolicyProps() map[string]prop {
	return map[string]prop{
		"CustomStatements":       sup("statements appended as written"),
		"IpRangeWhitelist":       sup("Allow + Deny NotIpAddress aws:SourceIp, per method, as SAM generates"),
		"IpRangeBlacklist":       sup("Allow + Deny IpAddress aws:SourceIp"),
		"AwsAccountWhitelist":    sup("Allow for Principal {AWS: accounts}"),
		"AwsAccountBlacklist":    sup("Deny for Principal {AWS: accounts}"),
		"SourceVpcWhitelist":     sup("Allow + Deny StringNotEquals aws:SourceVpc/aws:SourceVpce (local callers have no VPC: denied)"),
		"SourceVpcBlacklist":     sup("Allow + Deny StringEquals aws:SourceVpc/aws:SourceVpce"),
		"IntrinsicVpcWhitelist":  uns(""),
		"IntrinsicVpcBlacklist":  uns(""),
		"IntrinsicVpceWhitelist": uns(""),
		"IntrinsicVpceBlacklist": uns(""),
	}
}

// resourceSpecs lists every resource type gatehouse translates. Other types
// are ignored with a warning.
func resourceSpecs() map[string]resourceSpec {
	meta := "metadata with no local effect"
	fn := map[string]prop{
		"Handler":                      sup(""),
		"Runtime":                      sup("nodejs*, python3.*, provided*, go1.x (run as provided with Handler as the executable)"),
		"CodeUri":                      sup("local directory, relative to the template; S3 locations are an error"),
		"FunctionName":                 sup("function name (default: logical id)"),
		"Environment":                  nest("", map[string]prop{"Variables": sup("")}),
		"Timeout":                      sup("seconds"),
		"MemorySize":                   sup("MB"),
		"ReservedConcurrentExecutions": sup("maximum concurrency; 0 (function disabled) is an error"),
		"Events":                       sup("Api, HttpApi and Cognito events are translated; other event types are ignored with a warning"),
		"InlineCode":                   notYet("inline code"),
		"ImageUri":                     notYet("container images"),
		"ImageConfig":                  notYet("container images"),
		"PackageType":                  sup("Zip only; Image is an error"),
		"FunctionUrlConfig":            ign("function URLs are not served"),
	}
	ignoreAll(fn, meta, "Description", "Tags", "Tracing", "Layers", "Architectures", "AutoPublishAlias",
		"AutoPublishCodeSha256", "AutoPublishAliasAllProperties", "DeploymentPreference", "DeadLetterQueue",
		"EventInvokeConfig", "KmsKeyArn", "VpcConfig", "ProvisionedConcurrencyConfig", "EphemeralStorage",
		"LoggingConfig", "RuntimeManagementConfig", "SnapStart", "FileSystemConfigs", "CodeSigningConfigArn",
		"VersionDescription", "PropagateTags", "RecursiveLoop", "SourceKMSKeyArn")
	ignoreAll(fn, "the function's own AWS permissions are not emulated", "Policies", "Role", "PermissionsBoundary",
		"AssumeRolePolicyDocument", "RolePath")

	httpAPI := map[string]prop{
		"Auth": nest("", map[string]prop{
			"Authorizers":         {Status: Supported, Note: "JWT (OAuth2) authorizers", Each: jwtAuthorizerProps()},
			"DefaultAuthorizer":   sup("authorizer name or AWS_IAM"),
			"EnableIamAuthorizer": sup("allows AWS_IAM on routes"),
		}),
		"CorsConfiguration":         sup("true or AllowOrigins/AllowMethods/AllowHeaders/ExposeHeaders/AllowCredentials/MaxAge"),
		"StageName":                 sup("default $default"),
		"StageVariables":            sup(""),
		"DefinitionBody":            notYet("OpenAPI definitions"),
		"DefinitionUri":             notYet("OpenAPI definitions"),
		"Domain":                    ign("custom domains are not served"),
		"DefaultRouteSettings":      ign("throttling is not emulated"),
		"RouteSettings":             ign("throttling is not emulated"),
		"AccessLogSettings":         ign("gatehouse writes its own access log"),
		"DisableExecuteApiEndpoint": ign("the API is served locally regardless"),
	}
	ignoreAll(httpAPI, meta, "Name", "Description", "Tags", "FailOnWarnings", "PropagateTags")

	restAPI := map[string]prop{
		"StageName": sup("required, as in SAM"),
		"Variables": sup("stage variables"),
		"Auth": nest("", map[string]prop{
			"DefaultAuthorizer":                   sup("authorizer name or AWS_IAM"),
			"Authorizers":                         {Status: Supported, Note: "Cognito user-pool authorizers", Each: restAuthorizerProps()},
			"ResourcePolicy":                      {Status: Supported, Note: "translated to the API's resource policy as SAM generates it", Sub: resourcePolicyProps()},
			"AddDefaultAuthorizerToCorsPreflight": sup("default true: CORS preflight routes use the default authorizer"),
			"ApiKeyRequired":                      sup("false only; true is an error: API keys are not supported yet"),
			"UsagePlan":                           notYet("usage plans"),
			"InvokeRole":                          ign("functions are invoked in process"),
			"AddApiKeyRequiredToCorsPreflight":    ign("API keys are not supported"),
		}),
		"GatewayResponses":          sup("StatusCode, ResponseParameters.Headers, ResponseTemplates"),
		"Cors":                      sup("string origin or AllowOrigin/AllowMethods/AllowHeaders/MaxAge/AllowCredentials: OPTIONS mock routes as SAM generates"),
		"BinaryMediaTypes":          sup("~1 is read as /"),
		"EndpointConfiguration":     sup("REGIONAL and EDGE; PRIVATE is an error unless --allow-unsupported"),
		"DefinitionBody":            notYet("OpenAPI definitions"),
		"DefinitionUri":             notYet("OpenAPI definitions"),
		"MethodSettings":            ign("throttling and caching are not emulated"),
		"ApiKeySourceType":          ign("API keys are not supported"),
		"Domain":                    ign("custom domains are not served"),
		"AccessLogSetting":          ign("gatehouse writes its own access log"),
		"DisableExecuteApiEndpoint": ign("the API is served locally regardless"),
	}
	ignoreAll(restAPI, meta, "Name", "Description", "Tags", "TracingEnabled", "CacheClusterEnabled", "CacheClusterSize",
		"CanarySetting", "MinimumCompressionSize", "Mode", "OpenApiVersion", "AlwaysDeploy", "FailOnWarnings",
		"MergeDefinitions", "Models", "PropagateTags")

	triggers := map[string]prop{}
	for _, t := range cognitoTriggers() {
		triggers[t] = sup("local function (ARN of a template function)")
	}
	triggers["PreTokenGenerationConfig"] = sup("LambdaArn (a function of the template) and LambdaVersion V1_0, V2_0 or V3_0")
	triggers["CustomEmailSender"] = ign("messages go to the local outbox")
	triggers["CustomSMSSender"] = ign("messages go to the local outbox")
	triggers["KMSKeyID"] = ign("")

	pool := map[string]prop{
		"LambdaConfig": nest("Lambda triggers", triggers),
		"Policies": nest("", map[string]prop{
			"PasswordPolicy": nest("", map[string]prop{
				"MinimumLength": sup(""), "RequireLowercase": sup(""), "RequireNumbers": sup(""),
				"RequireSymbols": sup(""), "RequireUppercase": sup(""), "TemporaryPasswordValidityDays": sup(""),
				"PasswordHistorySize": uns("password history"),
			}),
			"SignInPolicy": ign(""),
		}),
		"Schema":                 sup(""),
		"UsernameAttributes":     sup(""),
		"AliasAttributes":        sup(""),
		"AutoVerifiedAttributes": sup(""),
		"MfaConfiguration":       sup("OFF only; ON and OPTIONAL are errors unless --allow-unsupported"),
		"AdminCreateUserConfig":  sup("AllowAdminCreateUserOnly true is an error unless --allow-unsupported (self sign-up cannot be disabled yet)"),
		"UserPoolAddOns":         uns("advanced security"),
		"UserPoolName":           ign("the pool is named by its logical id"),
	}
	ignoreAll(pool, meta, "UserPoolTags", "DeletionProtection", "UserPoolTier", "Description")
	ignoreAll(pool, "messages go to the local outbox", "EmailConfiguration", "SmsConfiguration", "EmailVerificationMessage",
		"EmailVerificationSubject", "SmsAuthenticationMessage", "SmsVerificationMessage", "VerificationMessageTemplate",
		"EnabledMfas", "AccountRecoverySetting", "DeviceConfiguration", "UserAttributeUpdateSettings")
	pool["UsernameConfiguration"] = sup("CaseSensitive (false → case-insensitive usernames)")

	client := map[string]prop{
		"UserPoolId": sup("Ref to a pool of the template"), "ClientName": sup(""), "GenerateSecret": sup(""),
		"ExplicitAuthFlows": sup(""), "AllowedOAuthFlows": sup(""), "AllowedOAuthScopes": sup(""),
		"AllowedOAuthFlowsUserPoolClient": sup(""), "CallbackURLs": sup(""), "LogoutURLs": sup(""),
		"SupportedIdentityProviders": sup(""), "ReadAttributes": sup(""), "WriteAttributes": sup(""),
		"AccessTokenValidity": sup("with TokenValidityUnits"), "IdTokenValidity": sup("with TokenValidityUnits"),
		"RefreshTokenValidity": sup("with TokenValidityUnits"), "TokenValidityUnits": sup(""),
		"PreventUserExistenceErrors": sup(""), "EnableTokenRevocation": sup(""),
	}
	ignoreAll(client, meta, "DefaultRedirectURI", "AuthSessionValidity", "AnalyticsConfiguration", "EnablePropagateAdditionalUserContextData", "RefreshTokenRotation")

	iamPolicies := sup("inline policies (PolicyName, PolicyDocument)")
	return map[string]resourceSpec{
		"AWS::Serverless::Function":    {Note: "→ functions[]", Props: fn},
		"AWS::Serverless::HttpApi":     {Note: "→ apis[] kind http", Props: httpAPI},
		"AWS::Serverless::Api":         {Note: "→ apis[] kind rest", Props: restAPI},
		"AWS::Cognito::UserPool":       {Note: "→ userPools[] (issuer: Cognito's URL for this pool id)", Props: pool},
		"AWS::Cognito::UserPoolClient": {Note: "→ userPools[].clients[]; `Metadata: {gatehouse: {secretEnv: VAR}}` fixes a generated secret", Props: client},
		"AWS::Cognito::UserPoolGroup": {Note: "→ userPools[].groups[]", Props: map[string]prop{
			"UserPoolId": sup(""), "GroupName": sup(""), "Description": sup(""), "Precedence": sup(""), "RoleArn": sup("")}},
		"AWS::Cognito::UserPoolUser": {Note: "→ userPools[].users[]; CloudFormation cannot set passwords, so the resource's `Metadata: {gatehouse: {passwordEnv: VAR}}` (or `passwordFile`) names where gatehouse reads one", Props: ignoreAll(map[string]prop{
			"UserPoolId": sup(""), "Username": sup(""), "UserAttributes": sup("")}, "messages go to the local outbox",
			"DesiredDeliveryMediums", "ForceAliasCreation", "MessageAction", "ClientMetadata", "ValidationData")},
		"AWS::Cognito::UserPoolUserToGroupAttachment": {Note: "→ userPools[].users[].groups", Props: map[string]prop{
			"UserPoolId": sup(""), "Username": sup(""), "GroupName": sup("")}},
		"AWS::Cognito::UserPoolDomain": {Note: "→ userPools[].domain", Props: map[string]prop{
			"UserPoolId": sup(""), "Domain": sup(""), "CustomDomainConfig": ign("custom domains are not served"), "ManagedLoginVersion": ign("")}},
		"AWS::Cognito::UserPoolResourceServer": {Note: "→ userPools[].resourceServers[]", Props: map[string]prop{
			"UserPoolId": sup(""), "Identifier": sup(""), "Name": sup(""), "Scopes": sup("ScopeName, ScopeDescription")}},
		"AWS::IAM::User": {Note: "→ iam.users[]", Props: map[string]prop{
			"UserName": sup(""), "Path": sup(""), "Policies": iamPolicies, "ManagedPolicyArns": sup("policies of the template; AWS managed policies are ignored with a warning"),
			"Tags": sup(""), "Groups": ign("IAM groups are not emulated (their permissions are not granted)"),
			"LoginProfile": ign("no console"), "PermissionsBoundary": uns("permissions boundaries")}},
		"AWS::IAM::AccessKey": {Note: "→ iam.users[].accessKeys[] (the secret is generated at each conversion; read it from Outputs with !GetAtt Key.SecretAccessKey)", Props: map[string]prop{
			"UserName": sup(""), "Status": sup("Active or Inactive"), "Serial": ign("")}},
		"AWS::IAM::Role": {Note: "→ iam.roles[]", Props: map[string]prop{
			"RoleName": sup(""), "Path": sup(""), "AssumeRolePolicyDocument": sup("trust policy"), "Policies": iamPolicies,
			"ManagedPolicyArns":  sup("policies of the template; AWS managed policies are ignored with a warning"),
			"MaxSessionDuration": sup("seconds"), "Tags": sup(""), "Description": ign(meta),
			"PermissionsBoundary": uns("permissions boundaries")}},
		"AWS::IAM::Policy": {Note: "→ an inline policy on each user and role named", Props: map[string]prop{
			"PolicyName": sup(""), "PolicyDocument": sup(""), "Users": sup(""), "Roles": sup(""),
			"Groups": ign("IAM groups are not emulated")}},
		"AWS::IAM::ManagedPolicy": {Note: "→ iam.policies[]", Props: map[string]prop{
			"ManagedPolicyName": sup(""), "Path": sup(""), "PolicyDocument": sup(""), "Users": sup(""), "Roles": sup(""),
			"Groups": ign("IAM groups are not emulated"), "Description": ign(meta)}},
	}
}

func cognitoTriggers() []string {
	return []string{"PreSignUp", "PostConfirmation", "PreAuthentication", "PostAuthentication", "PreTokenGeneration",
		"CustomMessage", "DefineAuthChallenge", "CreateAuthChallenge", "VerifyAuthChallengeResponse", "UserMigration"}
}

// notYetResources are resource types that configure features gatehouse does
// not have yet: always an error.
func notYetResources() map[string]string {
	return map[string]string{
		"AWS::ApiGateway::ApiKey":                "API keys",
		"AWS::ApiGateway::UsagePlan":             "usage plans",
		"AWS::ApiGateway::UsagePlanKey":          "usage plans",
		"AWS::ApiGateway::Authorizer":            "authorizers outside SAM's Auth property",
		"AWS::ApiGatewayV2::Authorizer":          "authorizers outside SAM's Auth property",
		"AWS::ApiGateway::RestApi":               "raw API Gateway resources (use AWS::Serverless::Api)",
		"AWS::ApiGatewayV2::Api":                 "raw API Gateway resources (use AWS::Serverless::HttpApi)",
		"AWS::ApiGateway::Method":                "raw API Gateway resources (use AWS::Serverless::Api)",
		"AWS::ApiGatewayV2::Route":               "raw API Gateway resources (use AWS::Serverless::HttpApi)",
		"AWS::Serverless::Application":           "nested applications",
		"AWS::CloudFormation::Stack":             "nested stacks",
		"AWS::Lambda::Function":                  "raw Lambda functions (use AWS::Serverless::Function)",
		"AWS::Serverless::LayerVersion":          "layers",
		"AWS::Cognito::UserPoolIdentityProvider": "federated identity providers",
	}
}

// unsupportedResources are security-relevant resource types gatehouse does
// not emulate: ignoring them would serve the APIs more openly than the
// template says, so they are errors unless AllowUnsupported.
func unsupportedResources() map[string]string {
	return map[string]string{
		"AWS::WAFv2::WebACL":                                "web ACLs (request filtering)",
		"AWS::WAFv2::WebACLAssociation":                     "web ACLs (request filtering)",
		"AWS::WAFRegional::WebACL":                          "web ACLs (request filtering)",
		"AWS::WAFRegional::WebACLAssociation":               "web ACLs (request filtering)",
		"AWS::Cognito::UserPoolRiskConfigurationAttachment": "Cognito advanced security (risk configuration)",
		"AWS::ApiGateway::RequestValidator":                 "request validation",
	}
}

// SupportMatrix renders the support matrix (docs/sam.md) from the tables
// the translator uses, so documentation and behaviour cannot drift.
func SupportMatrix() string {
	var b strings.Builder
	b.WriteString("# SAM and CloudFormation support matrix\n\n")
	b.WriteString("Generated from internal/sam/spec.go by `go test ./internal/sam -run SupportMatrix -update`; do not edit.\n\n")
	b.WriteString("`gatehouse serve template.yaml` and `gatehouse sam convert template.yaml` translate the resources below to the\n")
	b.WriteString("native config (see `gatehouse sam convert` for the exact mapping). Statuses:\n\n")
	for _, s := range []Status{Supported, Ignored, Unsupported, NotYet} {
		fmt.Fprintf(&b, "- **%s**", s)
		switch s {
		case Supported:
			b.WriteString(": translated.\n")
		case Ignored:
			b.WriteString(": no local effect; each use is reported as a warning.\n")
		case Unsupported:
			b.WriteString(": security-relevant and not supported yet; the template is refused unless `--allow-unsupported`, which turns each use into a warning.\n")
		case NotYet:
			b.WriteString(": a feature gatehouse does not have yet; always refused, so no route is served more openly than the template says.\n")
		}
	}
	b.WriteString("\nProperties not listed for a translated type are errors (unknown property). Resource types not listed are ignored with a warning,\n")
	b.WriteString("except these, which are refused:\n\n")
	ny := notYetResources()
	for _, k := range sortedKeys(ny) {
		fmt.Fprintf(&b, "- `%s`: %s not supported yet\n", k, ny[k])
	}
	b.WriteString("\nThese resource types are security-relevant and not emulated, so they are refused unless `--allow-unsupported`:\n\n")
	us := unsupportedResources()
	for _, k := range sortedKeys(us) {
		fmt.Fprintf(&b, "- `%s`: %s\n", k, us[k])
	}
	b.WriteString("\nTemplate language: YAML (short and long forms) and JSON; `Ref`, `Fn::GetAtt`, `Fn::Sub` (both forms), `Fn::Join`, `Fn::Select`,\n")
	b.WriteString("`Fn::Split`, `Fn::If`, `Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not`, `Fn::FindInMap`, `Fn::Base64`, `Condition`, `Fn::GetAZs`;\n")
	b.WriteString("`Fn::ImportValue`, `Fn::Cidr`, `Fn::Transform`, `Fn::Length`, `Fn::ToJsonString` are errors. Parameters (String, Number,\n")
	b.WriteString("CommaDelimitedList, List<Number>, AWS-specific types as strings; SSM parameter types are errors) with Default, AllowedValues,\n")
	b.WriteString("AllowedPattern, MinLength/MaxLength, MinValue/MaxValue, NoEcho; Conditions; Mappings; Globals (Function, Api, HttpApi:\n")
	b.WriteString("maps merge, lists concatenate global entries first, scalars are overridden, as SAM does); pseudo parameters AWS::Region,\n")
	b.WriteString("AWS::AccountId, AWS::StackName, AWS::StackId, AWS::Partition, AWS::URLSuffix, AWS::NoValue.\n\n")
	b.WriteString("Ref and Fn::GetAtt of translated resources give local values: function names and ARNs, API ids, pool ids and ARNs\n")
	b.WriteString("(`ProviderURL`, `ProviderName`), client ids, role and user ARNs, access key ids and `SecretAccessKey`. Generated ids are\n")
	b.WriteString("derived from the stack name and logical id, so they are stable across restarts. Refs to ignored resources give the logical id.\n")
	types := sortedKeys(resourceSpecs())
	for _, t := range types {
		rs := resourceSpecs()[t]
		fmt.Fprintf(&b, "\n## %s\n\n%s\n\n| Property | Status | Notes |\n|---|---|---|\n", t, rs.Note)
		writeProps(&b, "", rs.Props)
		if t == "AWS::Serverless::Function" {
			ev := eventSpecs()
			for _, et := range sortedKeys(ev) {
				writeProps(&b, "Events.*[Type="+et+"].", ev[et])
			}
		}
	}
	return b.String()
}

func writeProps(b *strings.Builder, prefix string, props map[string]prop) {
	for _, k := range sortedKeys(props) {
		p := props[k]
		fmt.Fprintf(b, "| `%s%s` | %s | %s |\n", prefix, k, p.Status, p.Note)
		if p.Sub != nil {
			writeProps(b, prefix+k+".", p.Sub)
		}
		if p.Each != nil {
			writeProps(b, prefix+k+".*.", p.Each)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
