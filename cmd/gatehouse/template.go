package main

import (
	"github.com/spf13/pflag"

	"github.com/gatehouse/gatehouse/internal/sam"
)

// templateFlags are the settings for SAM/CloudFormation input, shared by
// serve, validate and sam convert.
type templateFlags struct {
	overrides        []string
	region           string
	accountID        string
	stackName        string
	allowUnsupported bool
}

func (t *templateFlags) register(f *pflag.FlagSet) {
	f.StringArrayVar(&t.overrides, "parameter-overrides", nil, "template parameter Key=Value (repeatable; \"A=1 B=2\" accepted)")
	f.StringVar(&t.region, "region", "", "AWS::Region for templates, ARNs and issuer URLs (default us-east-1)")
	f.StringVar(&t.accountID, "account-id", "", "AWS::AccountId for templates (default 123456789012)")
	f.StringVar(&t.stackName, "stack-name", "", "AWS::StackName for templates (default gatehouse)")
	f.BoolVar(&t.allowUnsupported, "allow-unsupported", false, "templates: turn errors about unsupported security-relevant properties into warnings (each one is logged)")
}

func (t *templateFlags) options() (sam.Options, error) {
	ov, err := sam.ParseOverrides(t.overrides)
	if err != nil {
		return sam.Options{}, err
	}
	return sam.Options{
		Region: t.region, AccountID: t.accountID, StackName: t.stackName,
		ParameterOverrides: ov, AllowUnsupported: t.allowUnsupported,
	}, nil
}
