package sam

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/internal/config"
)

// Limits on template input.
const (
	// MaxTemplateSize is CloudFormation's limit for a template given by S3
	// URL (1 MB); larger inputs are refused before parsing.
	MaxTemplateSize = 1 << 20
	// maxNodes bounds the nodes built from one template, alias expansion
	// included.
	maxNodes = 1 << 18
	// maxDepth bounds nesting.
	maxDepth = 100
)

// Kind is the shape of a Node.
type Kind uint8

// Node kinds.
const (
	KindNull Kind = iota
	KindScalar
	KindList
	KindMap
)

// Node is a template value with its position. Intrinsic functions are kept
// in their long form: a map with one key "Ref", "Condition" or "Fn::...".
type Node struct {
	Kind Kind
	// Value is the text of a scalar.
	Value string
	// Tag is the YAML core tag of a scalar: !!str, !!int, !!float, !!bool.
	Tag    string
	Items  []*Node
	Fields []Field
	Line   int
	Col    int
}

// Field is one entry of a map.
type Field struct {
	Key     string
	KeyLine int
	KeyCol  int
	Value   *Node
}

// Get returns the value of key in a map, or nil.
func (n *Node) Get(key string) *Node {
	if n == nil || n.Kind != KindMap {
		return nil
	}
	for i := range n.Fields {
		if n.Fields[i].Key == key {
			return n.Fields[i].Value
		}
	}
	return nil
}

// field returns the field named key, or nil.
func (n *Node) field(key string) *Field {
	if n == nil || n.Kind != KindMap {
		return nil
	}
	for i := range n.Fields {
		if n.Fields[i].Key == key {
			return &n.Fields[i]
		}
	}
	return nil
}

// intrinsic returns the function name and argument when n is an intrinsic
// function call.
func (n *Node) intrinsic() (string, *Node, bool) {
	if n == nil || n.Kind != KindMap || len(n.Fields) != 1 {
		return "", nil, false
	}
	k := n.Fields[0].Key
	if k == "Ref" || strings.HasPrefix(k, "Fn::") {
		return k, n.Fields[0].Value, true
	}
	return "", nil, false
}

func scalar(s string, at *Node) *Node {
	n := &Node{Kind: KindScalar, Value: s, Tag: "!!str"}
	if at != nil {
		n.Line, n.Col = at.Line, at.Col
	}
	return n
}

// describe names the shape of n for messages.
func (n *Node) describe() string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case KindNull:
		return "null"
	case KindScalar:
		switch n.Tag {
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		}
		return "a string"
	case KindList:
		return "a list"
	}
	if name, _, ok := n.intrinsic(); ok {
		return name
	}
	return "a map"
}

// Template is a parsed template.
type Template struct {
	File string
	Root *Node
}

// shortTag maps a YAML short-form tag to its long form.
func shortTag(tag string) (string, bool) {
	switch tag {
	case "!Ref":
		return "Ref", true
	case "!Condition":
		return "Condition", true
	case "!GetAtt", "!Sub", "!Join", "!Select", "!Split", "!If", "!Equals", "!And", "!Or", "!Not", "!FindInMap",
		"!Base64", "!GetAZs", "!ImportValue", "!Cidr", "!Transform", "!Length", "!ToJsonString":
		return "Fn::" + tag[1:], true
	}
	return "", false
}

var yamlLineErr = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// Load parses a template (YAML or JSON) keeping positions. Short-form tags
// become their long form. It does not evaluate anything.
func Load(filename string, data []byte) (*Template, error) {
	if len(data) > MaxTemplateSize {
		return nil, config.Errors{{File: filename, Msg: fmt.Sprintf("template is larger than %d bytes", MaxTemplateSize)}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, config.Errors{{File: filename, Msg: "template is empty"}}
		}
		return nil, config.Errors{syntaxError(filename, err)}
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, config.Errors{syntaxError(filename, err)}
	default:
		return nil, config.Errors{{File: filename, Line: extra.Line, Col: extra.Column, Msg: "more than one YAML document; a template holds exactly one"}}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, config.Errors{{File: filename, Msg: "template is empty"}}
	}
	c := &converter{file: filename}
	root := c.convert(doc.Content[0], "", 0)
	if len(c.errs) > 0 {
		return nil, c.errs
	}
	if root.Kind != KindMap {
		return nil, config.Errors{{File: filename, Line: root.Line, Col: root.Col, Msg: fmt.Sprintf("a template is a map with Resources, got %s", root.describe())}}
	}
	return &Template{File: filename, Root: root}, nil
}

func syntaxError(filename string, err error) config.FieldError {
	msg := err.Error()
	if m := yamlLineErr.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return config.FieldError{File: filename, Line: line, Msg: "invalid YAML: " + m[2]}
	}
	return config.FieldError{File: filename, Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

type converter struct {
	file  string
	errs  config.Errors
	nodes int
	big   bool
}

func (c *converter) errorf(n *yaml.Node, path, format string, args ...any) {
	c.errs = append(c.errs, config.FieldError{File: c.file, Line: n.Line, Col: n.Column, Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (c *converter) convert(n *yaml.Node, path string, depth int) *Node {
	out := &Node{Line: n.Line, Col: n.Column}
	c.nodes++
	if c.nodes > maxNodes || depth > maxDepth {
		if !c.big {
			c.big = true
			c.errorf(n, path, "template too large or too deeply nested (aliases included)")
		}
		return out
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return out
		}
		a := c.convert(n.Alias, path, depth+1)
		a.Line, a.Col = n.Line, n.Column
		return a
	}
	tag := n.Tag
	if long, ok := shortTag(tag); ok {
		arg := *n
		arg.Tag = ""
		switch arg.Kind {
		case yaml.ScalarNode:
			arg.Tag = "!!str"
		case yaml.SequenceNode:
			arg.Tag = "!!seq"
		case yaml.MappingNode:
			arg.Tag = "!!map"
		}
		v := c.convert(&arg, path+"."+long, depth+1)
		if tag == "!GetAtt" && v.Kind == KindScalar {
			// !GetAtt A.B is [A, B]; only the first dot splits.
			res, attr, _ := strings.Cut(v.Value, ".")
			v = &Node{Kind: KindList, Line: v.Line, Col: v.Col, Items: []*Node{scalar(res, v), scalar(attr, v)}}
		}
		out.Kind = KindMap
		out.Fields = []Field{{Key: long, KeyLine: n.Line, KeyCol: n.Column, Value: v}}
		return out
	}
	if strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!") {
		c.errorf(n, path, "unknown tag %s (known: !Ref, !GetAtt, !Sub, !Join, !Select, !Split, !If, !Equals, !And, !Or, !Not, !FindInMap, !Base64, !Condition, !GetAZs)", tag)
		return out
	}
	switch n.Kind {
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			out.Kind = KindNull
		case "!!binary":
			c.errorf(n, path, "binary values are not supported")
		default:
			out.Kind = KindScalar
			out.Value = n.Value
			out.Tag = n.Tag
			if out.Tag == "" {
				out.Tag = "!!str"
			}
		}
	case yaml.SequenceNode:
		out.Kind = KindList
		for i, it := range n.Content {
			out.Items = append(out.Items, c.convert(it, fmt.Sprintf("%s[%d]", path, i), depth+1))
		}
	case yaml.MappingNode:
		out.Kind = KindMap
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			for k.Kind == yaml.AliasNode && k.Alias != nil {
				k = k.Alias
			}
			if k.Kind != yaml.ScalarNode {
				c.errorf(k, path, "map keys must be strings")
				continue
			}
			if k.Tag == "!!merge" {
				c.merge(out, v, path, depth, seen)
				continue
			}
			kp := joinPath(path, k.Value)
			if seen[k.Value] {
				c.errorf(k, kp, "duplicate key %q", k.Value)
				continue
			}
			seen[k.Value] = true
			out.Fields = append(out.Fields, Field{Key: k.Value, KeyLine: k.Line, KeyCol: k.Column, Value: c.convert(v, kp, depth+1)})
		}
	default:
		c.errorf(n, path, "unexpected YAML node")
	}
	return out
}

// merge applies a YAML merge key (<<: *anchor or a list of them); keys
// already present win.
func (c *converter) merge(out *Node, v *yaml.Node, path string, depth int, seen map[string]bool) {
	src := c.convert(v, path, depth+1)
	var maps []*Node
	switch src.Kind {
	case KindMap:
		maps = []*Node{src}
	case KindList:
		maps = src.Items
	}
	for _, m := range maps {
		if m.Kind != KindMap {
			c.errorf(v, path, "merge key << needs a map or a list of maps")
			return
		}
		for _, f := range m.Fields {
			if !seen[f.Key] {
				seen[f.Key] = true
				out.Fields = append(out.Fields, f)
			}
		}
	}
}

// joinPath appends a map key to a property path.
func joinPath(path, key string) string {
	if strings.ContainsAny(key, ".[]\" ") || key == "" {
		key = "[" + strconv.Quote(key) + "]"
		return path + key
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// IsTemplate reports whether data looks like a CloudFormation or SAM
// template: it has AWSTemplateFormatVersion, the SAM transform, or a
// Resources map whose entries have AWS:: types. It never fails; malformed
// input is not a template.
func IsTemplate(data []byte) bool {
	if len(data) > MaxTemplateSize {
		return false
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil || len(doc.Content) != 1 {
		return false
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "AWSTemplateFormatVersion":
			return true
		case "Transform":
			if v.Kind == yaml.ScalarNode && strings.HasPrefix(v.Value, "AWS::Serverless") {
				return true
			}
			if v.Kind == yaml.SequenceNode {
				for _, t := range v.Content {
					if strings.HasPrefix(t.Value, "AWS::Serverless") {
						return true
					}
				}
			}
		case "Resources":
			if v.Kind != yaml.MappingNode {
				continue
			}
			for j := 1; j < len(v.Content); j += 2 {
				r := v.Content[j]
				if r.Kind != yaml.MappingNode {
					continue
				}
				for x := 0; x+1 < len(r.Content); x += 2 {
					if r.Content[x].Value == "Type" && strings.HasPrefix(r.Content[x+1].Value, "AWS::") {
						return true
					}
				}
			}
		}
	}
	return false
}
