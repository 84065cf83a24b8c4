// Package sam loads AWS SAM and CloudFormation templates (YAML or JSON),
// evaluates their template language (parameters, conditions, mappings,
// Globals, pseudo parameters and intrinsic functions) and translates the
// resources gatehouse understands into a native *config.Config.
//
// Entry points: IsTemplate detects a template; LoadConfigFile loads either a
// template or a native config (for `serve FILE` and `validate FILE`);
// Convert/ConvertFile translate a template; Render prints a config as native
// YAML (`gatehouse sam convert`); Result.LocalOutputs rewrites the stack's
// execute-api URLs in Outputs to local ones.
//
// Every problem is reported at once as config.Errors with file:line:column
// and the template property path. Anything security-relevant that gatehouse
// does not implement is an error (fail closed) unless Options.AllowUnsupported
// is set; ignored resources and properties are returned as Warnings, never
// dropped silently. The support matrix (docs/sam.md) is generated from the
// property tables in spec.go.
//
// Concurrency: the package has no shared mutable state; every function may
// be called concurrently. Values returned are owned by the caller.
package sam
