package config

import "fmt"

// problems collects validation errors by field path. Paths use the YAML
// names: `apis[0].routes[2].integration.lambda.function`. Load turns each
// path into file:line:column.
type problems struct {
	list []problem
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
