package cognito

import (
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// epoch marshals a time as JSON epoch seconds with milliseconds.
type epoch time.Time

func (e epoch) MarshalJSON() ([]byte, error) {
	t := time.Time(e)
	return []byte(strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64)), nil
}

type attributeType struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

type userType struct {
	Username             string          `json:"Username"`
	Attributes           []attributeType `json:"Attributes"`
	UserCreateDate       epoch           `json:"UserCreateDate"`
	UserLastModifiedDate epoch           `json:"UserLastModifiedDate"`
	Enabled              bool            `json:"Enabled"`
	UserStatus           string          `json:"UserStatus"`
}

// attributesOf lists sub first, then the stored attributes (optionally
// restricted to names).
func attributesOf(u store.User, only []string) []attributeType {
	keep := func(n string) bool {
		if len(only) == 0 {
			return true
		}
		for _, o := range only {
			if o == n {
				return true
			}
		}
		return false
	}
	out := []attributeType{}
	if keep("sub") {
		out = append(out, attributeType{Name: "sub", Value: u.Sub})
	}
	for _, a := range u.Attributes {
		if a.Name != "sub" && keep(a.Name) {
			out = append(out, attributeType{Name: a.Name, Value: a.Value})
		}
	}
	return out
}

func toUserType(u store.User, only []string) userType {
	return userType{
		Username: u.Username, Attributes: attributesOf(u, only),
		UserCreateDate: epoch(u.CreatedAt), UserLastModifiedDate: epoch(u.UpdatedAt),
		Enabled: u.Enabled, UserStatus: u.Status,
	}
}

type groupType struct {
	GroupName        string `json:"GroupName"`
	UserPoolID       string `json:"UserPoolId"`
	Description      string `json:"Description,omitempty"`
	RoleArn          string `json:"RoleArn,omitempty"`
	Precedence       *int64 `json:"Precedence,omitempty"`
	LastModifiedDate epoch  `json:"LastModifiedDate"`
	CreationDate     epoch  `json:"CreationDate"`
}

func toGroupType(g store.Group) groupType {
	return groupType{GroupName: g.Name, UserPoolID: g.PoolID, Description: g.Description, RoleArn: g.RoleArn,
		Precedence: g.Precedence, LastModifiedDate: epoch(g.UpdatedAt), CreationDate: epoch(g.CreatedAt)}
}

type passwordPolicyType struct {
	MinimumLength                 int  `json:"MinimumLength"`
	RequireUppercase              bool `json:"RequireUppercase"`
	RequireLowercase              bool `json:"RequireLowercase"`
	RequireNumbers                bool `json:"RequireNumbers"`
	RequireSymbols                bool `json:"RequireSymbols"`
	TemporaryPasswordValidityDays int  `json:"TemporaryPasswordValidityDays"`
	PasswordHistorySize           *int `json:"PasswordHistorySize,omitempty"`
}

type policiesType struct {
	PasswordPolicy passwordPolicyType `json:"PasswordPolicy"`
}

type stringConstraints struct {
	MinLength string `json:"MinLength,omitempty"`
	MaxLength string `json:"MaxLength,omitempty"`
}

type numberConstraints struct {
	MinValue string `json:"MinValue,omitempty"`
	MaxValue string `json:"MaxValue,omitempty"`
}

type schemaAttributeType struct {
	Name                       string             `json:"Name"`
	AttributeDataType          string             `json:"AttributeDataType"`
	DeveloperOnlyAttribute     bool               `json:"DeveloperOnlyAttribute"`
	Mutable                    bool               `json:"Mutable"`
	Required                   bool               `json:"Required"`
	StringAttributeConstraints *stringConstraints `json:"StringAttributeConstraints,omitempty"`
	NumberAttributeConstraints *numberConstraints `json:"NumberAttributeConstraints,omitempty"`
}

type lambdaConfigType struct {
	PreSignUp                   string                    `json:"PreSignUp,omitempty"`
	PostConfirmation            string                    `json:"PostConfirmation,omitempty"`
	PreAuthentication           string                    `json:"PreAuthentication,omitempty"`
	PostAuthentication          string                    `json:"PostAuthentication,omitempty"`
	PreTokenGeneration          string                    `json:"PreTokenGeneration,omitempty"`
	PreTokenGenerationConfig    *preTokenGenerationConfig `json:"PreTokenGenerationConfig,omitempty"`
	CustomMessage               string                    `json:"CustomMessage,omitempty"`
	DefineAuthChallenge         string                    `json:"DefineAuthChallenge,omitempty"`
	CreateAuthChallenge         string                    `json:"CreateAuthChallenge,omitempty"`
	VerifyAuthChallengeResponse string                    `json:"VerifyAuthChallengeResponse,omitempty"`
	UserMigration               string                    `json:"UserMigration,omitempty"`
}

type preTokenGenerationConfig struct {
	LambdaVersion string `json:"LambdaVersion"`
	LambdaArn     string `json:"LambdaArn"`
}

func toLambdaConfig(l store.LambdaConfig) lambdaConfigType {
	out := lambdaConfigType{
		PreSignUp: l.PreSignUp, PostConfirmation: l.PostConfirmation, PreAuthentication: l.PreAuthentication,
		PostAuthentication: l.PostAuthentication, PreTokenGeneration: l.PreTokenGeneration, CustomMessage: l.CustomMessage,
		DefineAuthChallenge: l.DefineAuthChallenge, CreateAuthChallenge: l.CreateAuthChallenge,
		VerifyAuthChallengeResponse: l.VerifyAuthChallengeResponse, UserMigration: l.UserMigration,
	}
	if l.PreTokenGeneration != "" {
		v := l.PreTokenGenerationVersion
		if v == "" {
			v = "V1_0"
		}
		out.PreTokenGenerationConfig = &preTokenGenerationConfig{LambdaVersion: v, LambdaArn: l.PreTokenGeneration}
	}
	return out
}

func fromLambdaConfig(l *lambdaConfigType) store.LambdaConfig {
	if l == nil {
		return store.LambdaConfig{}
	}
	out := store.LambdaConfig{
		PreSignUp: l.PreSignUp, PostConfirmation: l.PostConfirmation, PreAuthentication: l.PreAuthentication,
		PostAuthentication: l.PostAuthentication, PreTokenGeneration: l.PreTokenGeneration, CustomMessage: l.CustomMessage,
		DefineAuthChallenge: l.DefineAuthChallenge, CreateAuthChallenge: l.CreateAuthChallenge,
		VerifyAuthChallengeResponse: l.VerifyAuthChallengeResponse, UserMigration: l.UserMigration,
	}
	if c := l.PreTokenGenerationConfig; c != nil {
		out.PreTokenGenerationVersion = c.LambdaVersion
		if c.LambdaArn != "" {
			out.PreTokenGeneration = c.LambdaArn
		}
	}
	return out
}

// DefaultSchema is Cognito's standard attribute schema (userpool.md §8.3).
func DefaultSchema() []store.SchemaAttribute {
	str := func(n string) store.SchemaAttribute {
		return store.SchemaAttribute{Name: n, AttributeDataType: "String", Mutable: true, MinLength: "0", MaxLength: "2048"}
	}
	out := []store.SchemaAttribute{{Name: "sub", AttributeDataType: "String", Mutable: false, Required: true, MinLength: "1", MaxLength: "2048"}}
	for _, n := range []string{"name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile", "picture", "website", "email"} {
		out = append(out, str(n))
	}
	out = append(out, store.SchemaAttribute{Name: "email_verified", AttributeDataType: "Boolean", Mutable: true})
	out = append(out, str("gender"))
	b := str("birthdate")
	b.MinLength, b.MaxLength = "10", "10"
	out = append(out, b, str("zoneinfo"), str("locale"), str("phone_number"))
	out = append(out, store.SchemaAttribute{Name: "phone_number_verified", AttributeDataType: "Boolean", Mutable: true})
	out = append(out, str("address"), store.SchemaAttribute{Name: "updated_at", AttributeDataType: "Number", Mutable: true, MinValue: "0"})
	return out
}

func toSchemaType(a store.SchemaAttribute) schemaAttributeType {
	out := schemaAttributeType{Name: a.Name, AttributeDataType: a.AttributeDataType, DeveloperOnlyAttribute: a.DeveloperOnly, Mutable: a.Mutable, Required: a.Required}
	switch a.AttributeDataType {
	case "String":
		out.StringAttributeConstraints = &stringConstraints{MinLength: a.MinLength, MaxLength: a.MaxLength}
	case "Number":
		out.NumberAttributeConstraints = &numberConstraints{MinValue: a.MinValue, MaxValue: a.MaxValue}
	}
	return out
}
