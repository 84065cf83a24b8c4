package sam

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
)

// Output is one evaluated entry of the template's Outputs.
type Output struct {
	Name        string
	Description string
	Value       string
}

// Result is a converted template.
type Result struct {
	// Template is true when the input was a template (LoadConfigFile).
	Template bool
	// Config is the native configuration, validated (it went through
	// config.Parse, so defaults are applied exactly as for a native file).
	Config *config.Config
	// YAML is Config rendered as a native config file.
	YAML []byte
	// Warnings name every ignored resource and property (and, with
	// AllowUnsupported, every unsupported one), with positions.
	Warnings []config.FieldError
	// Outputs are the template's Outputs, evaluated, with AWS URLs as
	// written; see LocalOutputs.
	Outputs []Output
}

// conv holds the state of one conversion.
type conv struct {
	e        *evaluator
	opts     Options
	file     string
	baseDir  string
	warnings []config.FieldError
	cfg      config.Config
	// trace maps native config paths to template positions for errors
	// found by native validation.
	trace map[string]tracePoint
	res   *resources
	// evaluated properties of each enabled resource.
	props map[string]*Node
	order []string
	apis  map[string]*apiBuild
	pools map[string]*config.UserPool // by physical pool id
	// poolByLogical maps pool logical id → physical id.
	fnByArn map[string]string
}

type tracePoint struct {
	path string
	at   *Node
}

func (c *conv) errorf(at *Node, path, format string, args ...any) {
	c.e.errorf(at, path, format, args...)
}

func (c *conv) warnf(at *Node, path, format string, args ...any) {
	w := config.FieldError{File: c.file, Path: path, Msg: fmt.Sprintf(format, args...)}
	if at != nil {
		w.Line, w.Col = at.Line, at.Col
	}
	c.warnings = append(c.warnings, w)
}

// unsupported reports a security-relevant property gatehouse does not
// implement: an error, or a warning with AllowUnsupported.
func (c *conv) unsupported(at *Node, path, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if c.opts.AllowUnsupported {
		c.warnf(at, path, "%s; ignored because of --allow-unsupported", msg)
		return
	}
	c.errorf(at, path, "%s (fail closed; --allow-unsupported ignores it)", msg)
}

// Convert loads, evaluates and translates a template. filename locates
// CodeUri directories and appears in messages. On failure the error is a
// config.Errors listing every problem with file:line:column and the
// template property path.
func Convert(filename string, data []byte, opts Options) (*Result, error) {
	t, err := Load(filename, data)
	if err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	c := &conv{e: newEvaluator(filename, &opts), opts: opts, file: filename, baseDir: filepath.Dir(filename),
		trace: map[string]tracePoint{}, props: map[string]*Node{}, apis: map[string]*apiBuild{},
		pools: map[string]*config.UserPool{}, fnByArn: map[string]string{}}
	c.run(t.Root)
	var outputs []Output
	if c.res != nil {
		outputs = c.outputs(t.Root.Get("Outputs"))
	}
	if len(c.e.errs) > 0 {
		return nil, sorted(c.e.errs)
	}
	out, err := Render(&c.cfg)
	if err != nil {
		return nil, fmt.Errorf("render converted config: %w", err)
	}
	cfg, err := config.Parse(filename, out)
	if err != nil {
		return nil, c.mapNativeErrors(err)
	}
	return &Result{Config: cfg, YAML: out, Warnings: sorted(c.warnings), Outputs: outputs}, nil
}

func sorted(es config.Errors) config.Errors {
	out := slices.Clone(es)
	slices.SortStableFunc(out, func(a, b config.FieldError) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		if a.Col != b.Col {
			return a.Col - b.Col
		}
		return strings.Compare(a.Path+a.Msg, b.Path+b.Msg)
	})
	return out
}

// mapNativeErrors places errors of native validation at the template
// element they came from.
func (c *conv) mapNativeErrors(err error) error {
	errs, ok := err.(config.Errors)
	if !ok {
		return err
	}
	out := make(config.Errors, 0, len(errs))
	for _, fe := range errs {
		p := fe.Path
		tp, found := c.trace[p]
		for !found && p != "" {
			p = parentOf(p)
			tp, found = c.trace[p]
		}
		ne := config.FieldError{File: c.file, Path: tp.path, Msg: fmt.Sprintf("%s (native %s)", fe.Msg, fe.Path), Suggest: fe.Suggest}
		if tp.at != nil {
			ne.Line, ne.Col = tp.at.Line, tp.at.Col
		}
		out = append(out, ne)
	}
	return sorted(out)
}

func parentOf(p string) string {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndexByte(p, '['); i >= 0 {
			return p[:i]
		}
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return ""
}

func (c *conv) run(root *Node) {
	for _, f := range root.Fields {
		switch f.Key {
		case "AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Rules", "Mappings", "Conditions",
			"Transform", "Globals", "Resources", "Outputs":
		default:
			c.errorf(f.Value, f.Key, "unknown top-level section %q", f.Key)
		}
	}
	if tr := root.Get("Transform"); tr != nil {
		var names []*Node
		if tr.Kind == KindList {
			names = tr.Items
		} else {
			names = []*Node{tr}
		}
		for _, n := range names {
			s, _ := str(n)
			if s != "AWS::Serverless-2016-10-31" {
				c.errorf(n, "Transform", "transform %q is not supported yet (only AWS::Serverless-2016-10-31)", s)
			}
		}
	}
	if r := root.Get("Rules"); r != nil {
		c.warnf(r, "Rules", "Rules are not evaluated")
	}
	c.e.loadParameters(root.Get("Parameters"), c.opts.ParameterOverrides)
	c.e.mappings = root.Get("Mappings")
	if m := c.e.mappings; m != nil && m.Kind != KindMap {
		c.errorf(m, "Mappings", "Mappings must be a map")
		c.e.mappings = nil
	}
	c.e.condDefs = root.Get("Conditions")
	if cd := c.e.condDefs; cd != nil {
		if cd.Kind != KindMap {
			c.errorf(cd, "Conditions", "Conditions must be a map")
			c.e.condDefs = nil
		} else {
			for _, f := range cd.Fields {
				c.e.condition(f.Key, f.Value, joinPath("Conditions", f.Key))
			}
		}
	}
	resNode := root.Get("Resources")
	if resNode == nil || resNode.Kind != KindMap || len(resNode.Fields) == 0 {
		c.errorf(root, "Resources", "a template needs a Resources map with at least one resource")
		return
	}
	globals := c.globals(root.Get("Globals"))
	c.res = &resources{e: c.e, byID: map[string]*resource{}, secrets: map[string]string{}}
	c.e.res = c.res
	implicitHTTP, implicitREST := false, false
	for _, f := range resNode.Fields {
		path := "Resources." + f.Key
		r := f.Value
		if r.Kind != KindMap {
			c.errorf(r, path, "a resource is a map with Type, got %s", r.describe())
			continue
		}
		typ, ok := str(r.Get("Type"))
		if !ok {
			c.errorf(r, path+".Type", "resource %s needs a Type", f.Key)
			continue
		}
		for _, rf := range r.Fields {
			switch rf.Key {
			case "Type", "Properties", "Condition", "DependsOn", "Metadata", "DeletionPolicy", "UpdateReplacePolicy", "UpdatePolicy", "CreationPolicy", "Connectors", "IgnoreGlobals":
			default:
				c.errorf(rf.Value, joinPath(path, rf.Key), "unknown resource attribute %q", rf.Key)
			}
		}
		res := &resource{id: f.Key, typ: typ, node: r, enabled: true, props: r.Get("Properties")}
		if cn := r.Get("Condition"); cn != nil {
			name, ok := str(cn)
			if !ok {
				c.errorf(cn, path+".Condition", "Condition must be a condition name")
			} else if v, ok := c.e.condition(name, cn, path+".Condition"); ok {
				res.enabled = v
			}
		}
		if res.props != nil && res.props.Kind != KindMap {
			c.errorf(res.props, path+".Properties", "Properties must be a map, got %s", res.props.describe())
			res.props = nil
		}
		if g, ok := globals[globalSection(typ)]; ok && res.props != nil || ok {
			res.props = mergeGlobals(g, res.props)
		}
		c.res.byID[f.Key] = res
		c.order = append(c.order, f.Key)
		if typ == "AWS::Serverless::Function" && res.enabled {
			if res.props.Get("Role") == nil {
				c.res.byID[f.Key+"Role"] = &resource{id: f.Key + "Role", typ: "implicit::FunctionRole", implicit: true, enabled: true}
			}
			ev := res.props.Get("Events")
			if ev != nil && ev.Kind == KindMap {
				for _, e := range ev.Fields {
					t, _ := str(e.Value.Get("Type"))
					p := e.Value.Get("Properties")
					switch {
					case t == "HttpApi" && p.Get("ApiId") == nil:
						implicitHTTP = true
					case t == "Api" && p.Get("RestApiId") == nil:
						implicitREST = true
					}
				}
			}
		}
	}
	if implicitHTTP {
		c.addImplicit(ImplicitHTTPAPI, "AWS::Serverless::HttpApi", globals["HttpApi"], resNode)
	}
	if implicitREST {
		c.addImplicit(ImplicitRESTAPI, "AWS::Serverless::Api", globals["Api"], resNode)
	}
	// Evaluate properties of every enabled resource and check them.
	specs := resourceSpecs()
	notYet := notYetResources()
	for _, id := range c.order {
		r := c.res.byID[id]
		path := "Resources." + id
		if !r.enabled {
			continue
		}
		if what, ok := notYet[r.typ]; ok {
			c.errorf(r.node.Get("Type"), path+".Type", "%s (%s): %s not supported yet", id, r.typ, what)
			continue
		}
		if what, ok := unsupportedResources()[r.typ]; ok {
			c.unsupported(r.node.Get("Type"), path+".Type", "%s (%s): %s are not supported", id, r.typ, what)
			continue
		}
		spec, ok := specs[r.typ]
		if !ok {
			c.warnf(r.node.Get("Type"), path, "%s is ignored: gatehouse does not emulate %s", id, r.typ)
			continue
		}
		pv := c.e.eval(r.props, path+".Properties")
		if pv == c.e.bad {
			continue
		}
		if pv == c.e.none || pv.Kind != KindMap {
			pv = &Node{Kind: KindMap, Line: r.node.Line, Col: r.node.Col}
		}
		c.checkProps(pv, spec.Props, path+".Properties", r.typ)
		c.props[id] = pv
	}
	if len(c.e.errs) > 0 {
		return
	}
	c.cfg.Settings.Region = c.opts.Region
	c.cfg.Settings.AccountID = c.opts.AccountID
	c.translate()
}

func (c *conv) addImplicit(id, typ string, g *Node, resNode *Node) {
	if _, exists := c.res.byID[id]; exists {
		c.errorf(resNode.Get(id), "Resources."+id, "logical id %s is reserved for the API SAM creates from function events", id)
		return
	}
	props := mergeGlobals(g, nil)
	if typ == "AWS::Serverless::Api" && props.Get("StageName") == nil {
		props.Fields = append(props.Fields, Field{Key: "StageName", Value: scalar("Prod", nil)})
	}
	c.res.byID[id] = &resource{id: id, typ: typ, implicit: true, enabled: true, props: props,
		node: &Node{Kind: KindMap, Line: resNode.Line, Col: resNode.Col}}
	c.order = append(c.order, id)
}

// checkProps compares a map of evaluated properties with its spec.
func (c *conv) checkProps(n *Node, spec map[string]prop, path, typ string) {
	if n == nil || n.Kind != KindMap {
		return
	}
	for _, f := range n.Fields {
		fp := joinPath(path, f.Key)
		p, ok := spec[f.Key]
		if !ok {
			names := sortedKeys(spec)
			c.e.errs = append(c.e.errs, config.FieldError{File: c.file, Line: f.KeyLine, Col: f.KeyCol, Path: fp,
				Msg: fmt.Sprintf("unknown property %q of %s", f.Key, typ), Suggest: nearest(f.Key, names)})
			continue
		}
		switch p.Status {
		case Ignored:
			note := p.Note
			if note == "" {
				note = "no local effect"
			}
			c.warnf(f.Value, fp, "%s is ignored: %s", f.Key, note)
		case Unsupported:
			if p.Note == "" {
				c.unsupported(f.Value, fp, "%s is not supported", f.Key)
			} else {
				c.unsupported(f.Value, fp, "%s is not supported (%s)", f.Key, p.Note)
			}
		case NotYet:
			c.errorf(f.Value, fp, "%s: %s not supported yet", f.Key, p.Note)
		case Supported:
			if f.Key == "ApiKeyRequired" {
				if v, ok := str(f.Value); ok && strings.EqualFold(v, "true") {
					c.errorf(f.Value, fp, "ApiKeyRequired: API keys not supported yet")
				}
			}
			if p.Sub != nil && f.Value.Kind == KindMap {
				c.checkProps(f.Value, p.Sub, fp, typ)
			}
			if p.Each != nil && f.Value.Kind == KindMap {
				for _, ef := range f.Value.Fields {
					c.checkProps(ef.Value, p.Each, joinPath(fp, ef.Key), typ)
				}
			}
		}
	}
}

// nearest returns the candidate closest to s (case-insensitive edit
// distance at most 3), or "".
func nearest(s string, cands []string) string {
	best, bd := "", 4
	for _, c := range cands {
		if d := editDistance(strings.ToLower(s), strings.ToLower(c)); d < bd {
			best, bd = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// ---- Globals ----

func globalSection(typ string) string {
	switch typ {
	case "AWS::Serverless::Function":
		return "Function"
	case "AWS::Serverless::Api":
		return "Api"
	case "AWS::Serverless::HttpApi":
		return "HttpApi"
	}
	return ""
}

func (c *conv) globals(g *Node) map[string]*Node {
	out := map[string]*Node{}
	if g == nil {
		return out
	}
	if g.Kind != KindMap {
		c.errorf(g, "Globals", "Globals must be a map")
		return out
	}
	specs := resourceSpecs()
	for _, f := range g.Fields {
		path := joinPath("Globals", f.Key)
		var typ string
		switch f.Key {
		case "Function":
			typ = "AWS::Serverless::Function"
		case "Api":
			typ = "AWS::Serverless::Api"
		case "HttpApi":
			typ = "AWS::Serverless::HttpApi"
		case "SimpleTable", "StateMachine", "LayerVersion", "CapacityProvider":
			c.warnf(f.Value, path, "Globals.%s is ignored: gatehouse does not emulate those resources", f.Key)
			continue
		default:
			c.errorf(f.Value, path, "unknown Globals section %q (Function, Api, HttpApi, SimpleTable, StateMachine, LayerVersion)", f.Key)
			continue
		}
		if f.Value.Kind != KindMap {
			c.errorf(f.Value, path, "Globals.%s must be a map", f.Key)
			continue
		}
		for _, pf := range f.Value.Fields {
			if _, ok := specs[typ].Props[pf.Key]; !ok || pf.Key == "Events" || pf.Key == "FunctionName" {
				c.errorf(pf.Value, joinPath(path, pf.Key), "%s is not a property Globals.%s supports", pf.Key, f.Key)
			}
		}
		out[f.Key] = f.Value
	}
	return out
}

// mergeGlobals merges global properties g under local ones l as SAM does:
// maps merge recursively, lists concatenate (global entries first), and
// scalars and intrinsic functions are overridden by the local value.
func mergeGlobals(g, l *Node) *Node {
	if g == nil {
		if l == nil {
			return &Node{Kind: KindMap}
		}
		return l
	}
	if l == nil {
		return g
	}
	return mergeNode(g, l)
}

func mergeNode(g, l *Node) *Node {
	_, _, gi := g.intrinsic()
	_, _, li := l.intrinsic()
	switch {
	case g.Kind == KindMap && l.Kind == KindMap && !gi && !li:
		out := &Node{Kind: KindMap, Line: l.Line, Col: l.Col}
		for _, f := range g.Fields {
			if lf := l.field(f.Key); lf != nil {
				nf := *lf
				nf.Value = mergeNode(f.Value, lf.Value)
				out.Fields = append(out.Fields, nf)
			} else {
				out.Fields = append(out.Fields, f)
			}
		}
		for _, f := range l.Fields {
			if g.field(f.Key) == nil {
				out.Fields = append(out.Fields, f)
			}
		}
		return out
	case g.Kind == KindList && l.Kind == KindList:
		out := &Node{Kind: KindList, Line: l.Line, Col: l.Col}
		out.Items = append(append(out.Items, g.Items...), l.Items...)
		return out
	}
	return l
}

// ---- typed accessors on evaluated nodes ----

func (c *conv) getStr(n *Node, key, path string) (string, bool) {
	v := n.Get(key)
	if v == nil {
		return "", false
	}
	s, ok := str(v)
	if !ok {
		c.errorf(v, joinPath(path, key), "%s must be a string, got %s", key, v.describe())
		return "", false
	}
	return s, true
}

func (c *conv) getStrList(n *Node, key, path string) []string {
	v := n.Get(key)
	if v == nil {
		return nil
	}
	if s, ok := str(v); ok {
		return []string{s}
	}
	if v.Kind != KindList {
		c.errorf(v, joinPath(path, key), "%s must be a list of strings, got %s", key, v.describe())
		return nil
	}
	out := make([]string, 0, len(v.Items))
	for i, it := range v.Items {
		s, ok := str(it)
		if !ok {
			c.errorf(it, fmt.Sprintf("%s[%d]", joinPath(path, key), i), "%s entries must be strings, got %s", key, it.describe())
			continue
		}
		out = append(out, s)
	}
	return out
}

func (c *conv) getBool(n *Node, key, path string) (bool, bool) {
	v := n.Get(key)
	if v == nil {
		return false, false
	}
	s, ok := str(v)
	if ok {
		switch strings.ToLower(s) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	c.errorf(v, joinPath(path, key), "%s must be true or false, got %s", key, v.describe())
	return false, false
}

func (c *conv) getInt(n *Node, key, path string) (int, bool) {
	v := n.Get(key)
	if v == nil {
		return 0, false
	}
	s, ok := str(v)
	if ok {
		if i, err := strconv.Atoi(s); err == nil {
			return i, true
		}
	}
	c.errorf(v, joinPath(path, key), "%s must be an integer, got %s", key, v.describe())
	return 0, false
}

func (c *conv) getMap(n *Node, key, path string) *Node {
	v := n.Get(key)
	if v == nil {
		return nil
	}
	if v.Kind != KindMap {
		c.errorf(v, joinPath(path, key), "%s must be a map, got %s", key, v.describe())
		return nil
	}
	return v
}

func (c *conv) strMap(n *Node, path string) map[string]string {
	if n == nil {
		return nil
	}
	out := map[string]string{}
	for _, f := range n.Fields {
		s, ok := str(f.Value)
		if !ok {
			c.errorf(f.Value, joinPath(path, f.Key), "value must be a string, got %s", f.Value.describe())
			continue
		}
		out[f.Key] = s
	}
	return out
}

// toJSON writes an evaluated node as JSON; numbers and booleans keep
// their type, everything else is a string.
func toJSON(buf *bytes.Buffer, n *Node) {
	switch n.Kind {
	case KindNull:
		buf.WriteString("null")
	case KindScalar:
		switch n.Tag {
		case "!!int", "!!float", "!!bool":
			if json.Valid([]byte(n.Value)) {
				buf.WriteString(n.Value)
				return
			}
		}
		b, _ := json.Marshal(n.Value)
		buf.Write(b)
	case KindList:
		buf.WriteByte('[')
		for i, it := range n.Items {
			if i > 0 {
				buf.WriteByte(',')
			}
			toJSON(buf, it)
		}
		buf.WriteByte(']')
	case KindMap:
		buf.WriteByte('{')
		for i, f := range n.Fields {
			if i > 0 {
				buf.WriteByte(',')
			}
			b, _ := json.Marshal(f.Key)
			buf.Write(b)
			buf.WriteByte(':')
			toJSON(buf, f.Value)
		}
		buf.WriteByte('}')
	}
}

// policyDoc converts a policy document property (a map, or a JSON string).
func (c *conv) policyDoc(n *Node, path string) *config.PolicyDocument {
	if n == nil {
		return nil
	}
	if s, ok := str(n); ok {
		if !json.Valid([]byte(s)) {
			c.errorf(n, path, "policy document string is not valid JSON")
			return nil
		}
		return &config.PolicyDocument{JSON: []byte(s)}
	}
	if n.Kind != KindMap {
		c.errorf(n, path, "policy document must be a map, got %s", n.describe())
		return nil
	}
	var buf bytes.Buffer
	toJSON(&buf, n)
	return &config.PolicyDocument{JSON: buf.Bytes()}
}

// ---- outputs ----

func (c *conv) outputs(n *Node) []Output {
	if n == nil {
		return nil
	}
	if n.Kind != KindMap {
		c.errorf(n, "Outputs", "Outputs must be a map")
		return nil
	}
	var out []Output
	for _, f := range n.Fields {
		path := joinPath("Outputs", f.Key)
		if f.Value.Kind != KindMap {
			c.errorf(f.Value, path, "an output is a map with Value")
			continue
		}
		if cn, ok := str(f.Value.Get("Condition")); ok {
			if v, ok := c.e.condition(cn, f.Value.Get("Condition"), path+".Condition"); !ok || !v {
				continue
			}
		}
		vn := f.Value.Get("Value")
		if vn == nil {
			c.errorf(f.Value, path+".Value", "output %s needs a Value", f.Key)
			continue
		}
		v := c.e.eval(vn, path+".Value")
		if v == c.e.bad {
			continue
		}
		s, ok := str(v)
		if !ok {
			if v.Kind == KindList {
				parts := []string{}
				for _, it := range v.Items {
					p, _ := str(it)
					parts = append(parts, p)
				}
				s = strings.Join(parts, ",")
			} else {
				c.errorf(vn, path+".Value", "output value must be a string, got %s", v.describe())
				continue
			}
		}
		o := Output{Name: f.Key, Value: s}
		if d := f.Value.Get("Description"); d != nil {
			if dv := c.e.eval(d, path+".Description"); dv != c.e.bad {
				o.Description, _ = str(dv)
			}
		}
		out = append(out, o)
	}
	return out
}

var executeAPIURL = regexp.MustCompile(`https://([a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(\.cn)?`)

// LocalOutputs returns the outputs with https://{apiId}.execute-api.{region}.amazonaws.com
// of this stack's APIs replaced by localBase(api) (a URL without trailing
// slash, such as http://127.0.0.1:8080). Other values are unchanged.
func (r *Result) LocalOutputs(localBase func(api *config.API) string) []Output {
	out := slices.Clone(r.Outputs)
	byID := map[string]*config.API{}
	for i := range r.Config.APIs {
		byID[r.Config.APIs[i].ID] = &r.Config.APIs[i]
	}
	for i := range out {
		out[i].Value = executeAPIURL.ReplaceAllStringFunc(out[i].Value, func(m string) string {
			id := executeAPIURL.FindStringSubmatch(m)[1]
			if api, ok := byID[id]; ok {
				return strings.TrimSuffix(localBase(api), "/")
			}
			return m
		})
	}
	return out
}

// ---- translation ----

func (c *conv) ids(typ string) []string {
	var out []string
	for _, id := range c.order {
		r := c.res.byID[id]
		if r.typ == typ && c.props[id] != nil {
			out = append(out, id)
		}
	}
	return out
}

func (c *conv) translate() {
	for _, id := range c.ids("AWS::Serverless::Function") {
		c.function(id)
	}
	c.userPools()
	for _, id := range c.ids("AWS::Serverless::HttpApi") {
		c.httpAPI(id)
	}
	for _, id := range c.ids("AWS::Serverless::Api") {
		c.restAPI(id)
	}
	for _, id := range c.ids("AWS::Serverless::Function") {
		c.events(id)
	}
	c.finishAPIs()
	c.iam()
}

func seconds(n int) config.Duration { return config.Duration(time.Duration(n) * time.Second) }

func (c *conv) function(id string) {
	p := c.props[id]
	path := "Resources." + id + ".Properties"
	r := c.res.byID[id]
	name, ok := c.res.physical(r, r.node, path+".FunctionName")
	if !ok {
		return
	}
	fn := config.Function{Name: name}
	if pt, ok := c.getStr(p, "PackageType", path); ok && pt != "Zip" {
		c.errorf(p.Get("PackageType"), path+".PackageType", "PackageType %s: container images not supported yet", pt)
	}
	rt, ok := c.getStr(p, "Runtime", path)
	switch {
	case !ok:
		c.errorf(r.node, path+".Runtime", "function %s needs a Runtime", id)
	case rt == "go1.x":
		fn.Runtime = "provided"
	case config.ParseRuntime(rt) != "":
		fn.Runtime = rt
	default:
		c.errorf(p.Get("Runtime"), path+".Runtime", "runtime %s is not supported (nodejs*, python3.*, provided*, go1.x)", rt)
	}
	fn.Handler, _ = c.getStr(p, "Handler", path)
	if cu := p.Get("CodeUri"); cu != nil {
		if s, ok := str(cu); ok {
			if strings.HasPrefix(s, "s3://") {
				c.errorf(cu, path+".CodeUri", "S3 code locations are not supported yet; give a local directory")
			}
			fn.CodeDir = filepath.ToSlash(filepath.Clean(s))
		} else {
			c.errorf(cu, path+".CodeUri", "S3 code locations are not supported yet; give a local directory")
		}
	} else if p.Get("InlineCode") == nil && p.Get("ImageUri") == nil {
		c.errorf(r.node, path+".CodeUri", "function %s needs a CodeUri (a local directory)", id)
	}
	if env := c.getMap(p, "Environment", path); env != nil {
		if vars := c.getMap(env, "Variables", path+".Environment"); vars != nil {
			fn.Environment = c.strMap(vars, path+".Environment.Variables")
		}
	}
	if t, ok := c.getInt(p, "Timeout", path); ok {
		fn.Timeout = seconds(t)
	}
	if m, ok := c.getInt(p, "MemorySize", path); ok {
		fn.MemorySize = m
	}
	if rc, ok := c.getInt(p, "ReservedConcurrentExecutions", path); ok {
		if rc == 0 {
			c.unsupported(p.Get("ReservedConcurrentExecutions"), path+".ReservedConcurrentExecutions", "ReservedConcurrentExecutions 0 disables the function (every invocation is throttled); gatehouse cannot serve a disabled function")
		}
		fn.MaxConcurrency = rc
		if rc == 0 {
			fn.MaxConcurrency = 1
		}
	}
	arn := fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", c.e.partition(), c.opts.Region, c.opts.AccountID, name)
	c.fnByArn[arn] = name
	c.fnByArn[name] = name
	fi := fmt.Sprintf("functions[%d]", len(c.cfg.Functions))
	c.trace[fi] = tracePoint{path: "Resources." + id, at: r.node}
	for native, prop := range map[string]string{"name": "FunctionName", "runtime": "Runtime", "handler": "Handler", "codeDir": "CodeUri",
		"environment": "Environment", "timeout": "Timeout", "memorySize": "MemorySize", "maxConcurrency": "ReservedConcurrentExecutions"} {
		if v := p.Get(prop); v != nil {
			c.trace[fi+"."+native] = tracePoint{path: path + "." + prop, at: v}
		}
	}
	c.cfg.Functions = append(c.cfg.Functions, fn)
}
