package config

import "fmt"

// problems collects validation errors by field path. Paths use the YAML
// names: `apis[0].routes[2].integration.lambda.function`; map keys are
// appended with a dot (`gatewayResponses.DEFAULT_4XX`), or quoted in
// brackets when they contain '.', '[', ']', '"' or a space. Parse turns each
// path into file:line:column (a path that was not in the file resolves to
// its nearest ancestor that was). Paths inside a PolicyDocument continue
// with the document's own keys: `apis[0].resourcePolicy.Statement[1].Action`.
type problems struct {
	list []problem
	// present reports whether path was written in the file; nil when the
	// config was built in code.
	present func(path string) bool
}

type problem struct {
	path string
	msg  string
	// suggest is an optional "did you mean" value.
	suggest string
}

// add records a problem at path.
func (p *problems) add(path, format string, args ...any) {
	p.list = append(p.list, problem{path: path, msg: fmt.Sprintf(format, args...)})
}

// addSuggest records a problem with a nearest-valid-name suggestion.
func (p *problems) addSuggest(path, suggest, format string, args ...any) {
	p.list = append(p.list, problem{path: path, msg: fmt.Sprintf(format, args...), suggest: suggest})
}

// isSet reports whether path was written in the config file.
func (p *problems) isSet(path string) bool {
	return p.present != nil && p.present(path)
}
