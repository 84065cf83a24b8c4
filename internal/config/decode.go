package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// MaxFileSize bounds a config file. Larger inputs are refused before parsing.
const MaxFileSize = 8 << 20

const (
	// maxNodes bounds the number of YAML nodes visited while decoding, so
	// that alias expansion ("billion laughs") cannot exhaust memory or time.
	maxNodes = 1 << 18
	// maxDepth bounds nesting in free-form subtrees (policy documents).
	maxDepth = 64
)

// Pos is a 1-based line and column in a config file.
type Pos struct {
	Line int
	Col  int
}

// LoadFile reads and parses the config file at path. See Parse.
func LoadFile(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse decodes a native config (YAML; JSON is accepted as YAML), applies
// defaults and validates it. On any problem it returns a nil *Config and an
// Errors value holding every decoding and validation problem, each with its
// file:line:column, sorted by position. filename is used only in messages.
func Parse(filename string, data []byte) (*Config, error) {
	if len(data) > MaxFileSize {
		return nil, Errors{{File: filename, Msg: fmt.Sprintf("config file is larger than %d bytes", MaxFileSize)}}
	}
	root, errs := parseYAML(filename, data)
	if errs != nil {
		return nil, errs
	}
	d := &decoder{file: filename, pos: map[string]Pos{}}
	var cfg Config
	d.pos[""] = nodePos(root)
	d.decode(root, reflect.ValueOf(&cfg).Elem(), "", 0)

	cfg.applyDefaults()
	p := &problems{present: func(path string) bool { _, ok := d.pos[path]; return ok }}
	cfg.validate(p)

	all := d.errs
	for _, pr := range p.list {
		if d.suppressed(pr.path) {
			continue
		}
		pos := d.lookup(pr.path)
		all = append(all, FieldError{File: filename, Line: pos.Line, Col: pos.Col, Path: pr.path, Msg: pr.msg, Suggest: pr.suggest})
	}
	if len(all) > 0 {
		all.sort()
		return nil, all
	}
	return &cfg, nil
}

var yamlLineErr = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML parses exactly one YAML document and returns its root node.
func parseYAML(filename string, data []byte) (*yaml.Node, Errors) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Errors{{File: filename, Msg: "config file is empty"}}
		}
		return nil, Errors{syntaxError(filename, err)}
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, Errors{syntaxError(filename, err)}
	default:
		return nil, Errors{{File: filename, Line: extra.Line, Col: extra.Column,
			Msg: "more than one YAML document; a config file holds exactly one"}}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, Errors{{File: filename, Msg: "config file is empty"}}
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, Errors{{File: filename, Msg: "config file is empty"}}
	}
	return root, nil
}

func syntaxError(filename string, err error) FieldError {
	msg := err.Error()
	if m := yamlLineErr.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return FieldError{File: filename, Line: line, Msg: "invalid YAML: " + m[2]}
	}
	return FieldError{File: filename, Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// decoder is a strict reflection-based decoder from yaml.Node into the
// config structs, driven by `yaml` struct tags. A field tagged without
// ",omitempty" is required. It records the position of every path it visits.
type decoder struct {
	file    string
	pos     map[string]Pos
	errs    Errors
	errPath []string
	// typoIn holds the paths of mappings that had an unknown field.
	typoIn map[string]bool
	nodes  int
	tooBig bool
}

func nodePos(n *yaml.Node) Pos { return Pos{Line: n.Line, Col: n.Column} }

// errorf records a decoding problem at path; validation problems at path
// or below it are then not reported (they follow from this one).
func (d *decoder) errorf(n *yaml.Node, path, suggest, format string, args ...any) {
	d.report(n, path, suggest, format, args...)
	d.errPath = append(d.errPath, path)
}

// report records a decoding problem that does not silence validation.
func (d *decoder) report(n *yaml.Node, path, suggest, format string, args ...any) {
	p := nodePos(n)
	d.errs = append(d.errs, FieldError{File: d.file, Line: p.Line, Col: p.Col, Path: path, Msg: fmt.Sprintf(format, args...), Suggest: suggest})
}

// suppressed reports whether a validation problem at path is a consequence
// of a decoding problem already reported at path or one of its ancestors.
func (d *decoder) suppressed(path string) bool {
	for _, e := range d.errPath {
		if e == "" || path == e || strings.HasPrefix(path, e+".") || strings.HasPrefix(path, e+"[") {
			return true
		}
	}
	// A mapping with a misspelt field likely misses the field it meant.
	return d.typoIn[path]
}

// lookup returns the position of path, or of its nearest recorded ancestor.
func (d *decoder) lookup(path string) Pos {
	for {
		if p, ok := d.pos[path]; ok {
			return p
		}
		if path == "" {
			return Pos{}
		}
		path = parentPath(path)
	}
}

// parentPath strips the last component of a path: a.b[2] → a.b, a.b → a.
func parentPath(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndexByte(path, '['); i >= 0 {
			return path[:i]
		}
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}

// joinField appends a struct field or map key to a path. Keys that would
// be ambiguous in a path are quoted: headers["X.Y"].
func joinField(path, name string) string {
	if name == "" || strings.ContainsAny(name, ".[]\" ") {
		return path + "[" + strconv.Quote(name) + "]"
	}
	if path == "" {
		return name
	}
	return path + "." + name
}

func joinIndex(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// visit counts a node against maxNodes and resolves aliases.
func (d *decoder) visit(n *yaml.Node) (*yaml.Node, bool) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if d.tooBig {
		return n, false
	}
	d.nodes++
	if d.nodes > maxNodes {
		d.tooBig = true
		d.errorf(n, "", "", "config too large: more than %d YAML nodes after expanding aliases", maxNodes)
		return n, false
	}
	return n, true
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// describe names the YAML type of n for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!int":
			return "integer"
		case "!!float":
			return "number"
		case "!!bool":
			return "boolean"
		case "!!null":
			return "null"
		default:
			return "string"
		}
	}
	return "unknown node"
}

// expected names the YAML type a Go type needs, for messages.
func expected(t reflect.Type) string {
	switch t {
	case reflect.TypeFor[Duration]():
		return `duration (a string such as "30s" or "1m30s")`
	case reflect.TypeFor[PolicyDocument]():
		return "mapping (a policy document)"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return expected(t.Elem())
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice:
		return "list"
	case reflect.Map, reflect.Struct:
		return "mapping"
	}
	return t.String()
}

func (d *decoder) mismatch(n *yaml.Node, path string, t reflect.Type) {
	d.errorf(n, path, "", "expected %s, got %s", expected(t), describe(n))
}

func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string, depth int) {
	n, ok := d.visit(n)
	if !ok {
		return
	}
	if depth > maxDepth {
		d.errorf(n, path, "", "nesting deeper than %d levels", maxDepth)
		return
	}
	if isNull(n) {
		v.SetZero()
		return
	}
	switch v.Type() {
	case reflect.TypeFor[Duration]():
		d.decodeDuration(n, v, path)
		return
	case reflect.TypeFor[PolicyDocument]():
		d.decodePolicy(n, v, path)
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		nv := reflect.New(v.Type().Elem())
		d.decode(n, nv.Elem(), path, depth+1)
		v.Set(nv)
	case reflect.Struct:
		d.decodeStruct(n, v, path, depth)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.mismatch(n, path, v.Type())
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			ip := joinIndex(path, i)
			d.pos[ip] = nodePos(item)
			d.decode(item, s.Index(i), ip, depth+1)
		}
		v.Set(s)
	case reflect.Map:
		d.decodeMap(n, v, path, depth)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.mismatch(n, path, v.Type())
			return
		}
		v.SetString(n.Value)
	case reflect.Bool:
		b, err := strconv.ParseBool(n.Value)
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || err != nil {
			d.mismatch(n, path, v.Type())
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			d.mismatch(n, path, v.Type())
			return
		}
		i, err := strconv.ParseInt(n.Value, 0, v.Type().Bits())
		if err != nil {
			d.errorf(n, path, "", "integer %s out of range", n.Value)
			return
		}
		v.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			d.mismatch(n, path, v.Type())
			return
		}
		i, err := strconv.ParseUint(n.Value, 0, v.Type().Bits())
		if err != nil {
			d.errorf(n, path, "", "integer %s out of range (0 to %d)", n.Value, uint64(1)<<v.Type().Bits()-1)
			return
		}
		v.SetUint(i)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(n.Value, v.Type().Bits())
		if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") || err != nil {
			d.mismatch(n, path, v.Type())
			return
		}
		v.SetFloat(f)
	case reflect.Interface:
		var buf bytes.Buffer
		d.toJSON(&buf, n, path, depth)
		var x any
		if err := json.Unmarshal(buf.Bytes(), &x); err == nil && x != nil {
			v.Set(reflect.ValueOf(x))
		}
	default:
		d.errorf(n, path, "", "internal error: field of type %s cannot be decoded", v.Type())
	}
}

// pairs returns the key/value pairs of a mapping, with YAML merge keys
// (`<<: *anchor`) expanded; explicit keys win over merged ones.
func (d *decoder) pairs(n *yaml.Node, depth int) [][2]*yaml.Node {
	var out [][2]*yaml.Node
	var merges []*yaml.Node
	explicit := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			merges = append(merges, val)
			continue
		}
		out = append(out, [2]*yaml.Node{k, val})
		explicit[k.Value] = true
	}
	if depth > maxDepth {
		return out
	}
	for _, m := range merges {
		m, ok := d.visit(m)
		if !ok {
			return out
		}
		srcs := []*yaml.Node{m}
		if m.Kind == yaml.SequenceNode {
			srcs = m.Content
		}
		for _, s := range srcs {
			s, ok := d.visit(s)
			if !ok {
				return out
			}
			if s.Kind != yaml.MappingNode {
				d.report(s, "", "", "merge key (<<) needs a mapping, got %s", describe(s))
				continue
			}
			for _, pr := range d.pairs(s, depth+1) {
				if !explicit[pr[0].Value] {
					explicit[pr[0].Value] = true
					out = append(out, pr)
				}
			}
		}
	}
	return out
}

type fieldInfo struct {
	index    int
	name     string
	required bool
}

// structFields lists the YAML-visible fields of t in declaration order.
func structFields(t reflect.Type) []fieldInfo {
	var out []fieldInfo
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name[:1]) + f.Name[1:]
		}
		out = append(out, fieldInfo{index: i, name: name, required: !strings.Contains(","+opts+",", ",omitempty,")})
	}
	return out
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string, depth int) {
	if n.Kind != yaml.MappingNode {
		d.mismatch(n, path, v.Type())
		return
	}
	fields := structFields(v.Type())
	byName := make(map[string]fieldInfo, len(fields))
	names := make([]string, 0, len(fields))
	for _, f := range fields {
		byName[f.name] = f
		names = append(names, f.name)
	}
	seen := map[string]bool{}
	meant := map[string]bool{}
	for _, pr := range d.pairs(n, depth) {
		k, val := pr[0], pr[1]
		if k.Kind != yaml.ScalarNode {
			d.report(k, path, "", "field names must be strings, got %s", describe(k))
			continue
		}
		fp := joinField(path, k.Value)
		f, ok := byName[k.Value]
		if !ok {
			sug := nearest(k.Value, names)
			d.errorf(k, fp, sug, "unknown field %q", k.Value)
			meant[sug] = true
			if d.typoIn == nil {
				d.typoIn = map[string]bool{}
			}
			d.typoIn[path] = true
			continue
		}
		if seen[k.Value] {
			d.errorf(k, fp, "", "duplicate field %q", k.Value)
			continue
		}
		seen[k.Value] = true
		d.pos[fp] = fieldPos(k, val)
		d.decode(val, v.Field(f.index), fp, depth+1)
	}
	for _, f := range fields {
		fp := joinField(path, f.name)
		switch {
		case seen[f.name]:
		case meant[f.name]:
			// Its misspelling was reported; silence the consequences.
			d.errPath = append(d.errPath, fp)
		case f.required:
			d.errorf(n, fp, "", "missing required field %q", f.name)
		}
	}
}

// fieldPos is the position recorded for a mapping entry: the value when it
// is a scalar (so "bad value" errors point at it), else the key.
func fieldPos(k, val *yaml.Node) Pos {
	if resolve(val).Kind == yaml.ScalarNode {
		return nodePos(val)
	}
	return nodePos(k)
}

func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < maxDepth; i++ {
		n = n.Alias
	}
	return n
}

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string, depth int) {
	if v.Type().Key().Kind() != reflect.String {
		d.errorf(n, path, "", "internal error: map keys of type %s cannot be decoded", v.Type().Key())
		return
	}
	if n.Kind != yaml.MappingNode {
		d.mismatch(n, path, v.Type())
		return
	}
	m := reflect.MakeMap(v.Type())
	seen := map[string]bool{}
	for _, pr := range d.pairs(n, depth) {
		k, val := pr[0], pr[1]
		k, ok := d.visit(k)
		if !ok {
			return
		}
		if k.Kind != yaml.ScalarNode || isNull(k) {
			d.errorf(k, path, "", "keys must be strings, got %s", describe(k))
			continue
		}
		kp := joinField(path, k.Value)
		if seen[k.Value] {
			d.errorf(k, kp, "", "duplicate key %q", k.Value)
			continue
		}
		seen[k.Value] = true
		d.pos[kp] = nodePos(k)
		ev := reflect.New(v.Type().Elem()).Elem()
		d.decode(val, ev, kp, depth+1)
		m.SetMapIndex(reflect.ValueOf(k.Value).Convert(v.Type().Key()), ev)
	}
	v.Set(m)
}

func (d *decoder) decodeDuration(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		d.mismatch(n, path, v.Type())
		return
	}
	dur, err := time.ParseDuration(n.Value)
	if err != nil {
		d.errorf(n, path, "", "invalid duration %q: use a number with a unit, such as \"30s\" or \"1m30s\"", n.Value)
		return
	}
	v.Set(reflect.ValueOf(Duration(dur)))
}

func (d *decoder) decodePolicy(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.mismatch(n, path, v.Type())
		return
	}
	var buf bytes.Buffer
	before := len(d.errs)
	d.toJSON(&buf, n, path, 0)
	if len(d.errs) > before {
		return
	}
	v.Set(reflect.ValueOf(PolicyDocument{JSON: buf.Bytes(), node: n}))
}

// toJSON writes the subtree n as JSON, recording positions of its paths.
func (d *decoder) toJSON(buf *bytes.Buffer, n *yaml.Node, path string, depth int) {
	n, ok := d.visit(n)
	if !ok {
		return
	}
	if depth > maxDepth {
		d.errorf(n, path, "", "nesting deeper than %d levels", maxDepth)
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		buf.WriteByte('{')
		seen := map[string]bool{}
		first := true
		for _, pr := range d.pairs(n, depth) {
			k, val := pr[0], pr[1]
			k = resolve(k)
			if k.Kind != yaml.ScalarNode {
				d.errorf(k, path, "", "keys must be strings, got %s", describe(k))
				continue
			}
			kp := joinField(path, k.Value)
			if seen[k.Value] {
				d.errorf(k, kp, "", "duplicate key %q", k.Value)
				continue
			}
			seen[k.Value] = true
			d.pos[kp] = fieldPos(k, val)
			if !first {
				buf.WriteByte(',')
			}
			first = false
			writeJSONString(buf, k.Value)
			buf.WriteByte(':')
			d.toJSON(buf, val, kp, depth+1)
		}
		buf.WriteByte('}')
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, item := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			ip := joinIndex(path, i)
			d.pos[ip] = nodePos(item)
			d.toJSON(buf, item, ip, depth+1)
		}
		buf.WriteByte(']')
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			buf.WriteString("null")
		case "!!bool":
			b, err := strconv.ParseBool(n.Value)
			if err != nil {
				d.errorf(n, path, "", "invalid boolean %q", n.Value)
				buf.WriteString("null")
				return
			}
			buf.WriteString(strconv.FormatBool(b))
		case "!!int":
			i, err := strconv.ParseInt(n.Value, 0, 64)
			if err != nil {
				d.errorf(n, path, "", "integer %s out of range", n.Value)
				buf.WriteString("null")
				return
			}
			buf.WriteString(strconv.FormatInt(i, 10))
		case "!!float":
			f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
			if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				d.errorf(n, path, "", "number %s cannot be represented in JSON", n.Value)
				buf.WriteString("null")
				return
			}
			buf.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
		default:
			writeJSONString(buf, n.Value)
		}
	default:
		d.errorf(n, path, "", "unsupported YAML node")
		buf.WriteString("null")
	}
}

func writeJSONString(buf *bytes.Buffer, s string) {
	b, _ := json.Marshal(s) // marshalling a string cannot fail
	buf.Write(b)
}
