package router

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/internal/exchange"
)

// Outcome is the result class of Match.
type Outcome uint8

// Outcomes of Match.
const (
	// Matched: Result names a stage and a route.
	Matched Outcome = iota + 1
	// NotFound: a stage was selected but no route matches. REST: no resource
	// matches, or the resource has neither the method nor ANY (AWS answers
	// 403 MISSING_AUTHENTICATION_TOKEN). HTTP: 404 Not Found.
	NotFound
	// UnknownStage: no stage could be selected. REST: the first segment is
	// not a stage name (or there is none). HTTP: no named stage prefix and
	// no $default stage (AWS answers 404 Not Found).
	UnknownStage
)

func (o Outcome) String() string {
	switch o {
	case Matched:
		return "matched"
	case NotFound:
		return "not found"
	case UnknownStage:
		return "unknown stage"
	}
	return fmt.Sprintf("Outcome(%d)", uint8(o))
}

// Result is filled by Match. Reuse one Result per goroutine: Params keeps its
// capacity, so matching allocates nothing once it is large enough.
type Result struct {
	Outcome Outcome
	// Stage is the index of the selected stage in Spec.Stages, -1 if none.
	Stage int
	// Route is the index of the matched route in Spec.Routes, -1 if none.
	Route int
	// Params are the path parameters in template order. A greedy value
	// contains the '/' between its segments. Values are decoded.
	Params []exchange.Param
	// Path is the decoded request path without the stage prefix ("/" at the
	// stage root); on REST APIs without a trailing slash.
	Path string
	// EscapedPath is Path in canonical escaped form: forward this (or the
	// parameter values through EscapeParam) to backends.
	EscapedPath string
}

// Table is an immutable compiled route table for one API.
type Table struct {
	kind         exchange.Kind
	stages       []string
	stageIndex   map[string]int // named stages only
	defaultStage int            // index of $default, -1
	routes       []Route
	defaultRoute int // index of the $default route, -1
	root         *node
	// static maps the template of every parameter-free route to its
	// endpoint: one hash lookup finds the most specific match.
	static map[string]*endpoint
}

type node struct {
	static     map[string]*node
	param      *node
	paramName  string // first name seen, for the REST sibling rule
	greedy     *endpoint
	greedyName string
	here       *endpoint // routes whose template ends at this node
}

// endpoint holds route index+1 per method slot; 0 means none.
type endpoint struct {
	methods [numSlots]int32
}

// lookup returns the route for a method slot: the explicit method first,
// then ANY; -1 when neither exists.
func (e *endpoint) lookup(slot int) int {
	if slot >= 0 && slot != slotANY && e.methods[slot] != 0 {
		return int(e.methods[slot]) - 1
	}
	if e.methods[slotANY] != 0 {
		return int(e.methods[slotANY]) - 1
	}
	return -1
}

// Compile validates s and builds its table. It reports every problem found,
// joined, each naming the offending stage or route by index.
func Compile(s Spec) (*Table, error) {
	if s.Kind != exchange.HTTP && s.Kind != exchange.REST {
		return nil, fmt.Errorf("router: unknown API kind %d", s.Kind)
	}
	t := &Table{
		kind:         s.Kind,
		stages:       append([]string(nil), s.Stages...),
		stageIndex:   make(map[string]int, len(s.Stages)),
		defaultStage: -1,
		routes:       make([]Route, len(s.Routes)),
		defaultRoute: -1,
		root:         &node{},
		static:       make(map[string]*endpoint),
	}
	var errs []error
	if len(s.Stages) == 0 {
		errs = append(errs, errors.New("router: an API needs at least one stage"))
	}
	for i, name := range s.Stages {
		if err := checkStageName(s.Kind, name); err != nil {
			errs = append(errs, fmt.Errorf("router: stages[%d] %q: %w", i, name, err))
			continue
		}
		_, dup := t.stageIndex[name]
		if dup || name == DefaultStage && t.defaultStage >= 0 {
			errs = append(errs, fmt.Errorf("router: stages[%d] %q: duplicate stage", i, name))
			continue
		}
		if name == DefaultStage {
			t.defaultStage = i
		} else {
			t.stageIndex[name] = i
		}
	}
	for i, key := range s.Routes {
		if err := t.add(i, key); err != nil {
			errs = append(errs, fmt.Errorf("router: routes[%d] %q: %w", i, key, err))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return t, nil
}

func (t *Table) add(idx int, key string) error {
	r, segs, err := parseRouteKey(t.kind, key)
	if err != nil {
		return err
	}
	t.routes[idx] = r
	if r.Key == DefaultRoute {
		if t.defaultRoute >= 0 {
			return fmt.Errorf("duplicate of routes[%d]", t.defaultRoute)
		}
		t.defaultRoute = idx
		return nil
	}
	rest := t.kind == exchange.REST
	n := t.root
	var ep *endpoint
	for _, s := range segs {
		switch s.kind {
		case segStatic:
			c := n.static[s.text]
			if c == nil {
				if n.static == nil {
					n.static = make(map[string]*node)
				}
				c = &node{}
				n.static[s.text] = c
			}
			n = c
		case segParam:
			if n.param == nil {
				if rest && n.greedy != nil {
					return fmt.Errorf("{%s} beside {%s+}: a REST resource has at most one variable child", s.text, n.greedyName)
				}
				n.param, n.paramName = &node{}, s.text
			} else if rest && n.paramName != s.text {
				return fmt.Errorf("{%s} beside {%s}: a REST resource has at most one variable child", s.text, n.paramName)
			}
			n = n.param
		case segGreedy:
			if n.greedy == nil {
				if rest && n.param != nil {
					return fmt.Errorf("{%s+} beside {%s}: a REST resource has at most one variable child", s.text, n.paramName)
				}
				n.greedy, n.greedyName = &endpoint{}, s.text
			} else if rest && n.greedyName != s.text {
				return fmt.Errorf("{%s+} beside {%s+}: a REST resource has at most one variable child", s.text, n.greedyName)
			}
			ep = n.greedy
		}
	}
	if ep == nil {
		if n.here == nil {
			n.here = &endpoint{}
		}
		ep = n.here
		if len(r.Params) == 0 {
			t.static[r.Template] = ep
		}
	}
	slot := methodSlot(r.Method)
	if prev := ep.methods[slot]; prev != 0 {
		return fmt.Errorf("same method and path as routes[%d] %q", prev-1, t.routes[prev-1].Key)
	}
	ep.methods[slot] = int32(idx) + 1
	return nil
}

// Kind returns the API kind the table was compiled for.
func (t *Table) Kind() exchange.Kind { return t.kind }

// NumStages returns len(Spec.Stages).
func (t *Table) NumStages() int { return len(t.stages) }

// Stage returns the name of stage i.
func (t *Table) Stage(i int) string { return t.stages[i] }

// NumRoutes returns len(Spec.Routes).
func (t *Table) NumRoutes() int { return len(t.routes) }

// Route returns the compiled route i. Its Params slice is shared: do not
// modify it.
func (t *Table) Route(i int) Route { return t.routes[i] }

// match status values besides a route index.
const (
	noMatch    = -1 // keep searching
	noMethod   = -2 // REST: resource found without the method; stop
	maxPathLen = MaxPathLength
)

// Match selects the stage and the route for a request and fills res; it
// returns res.Outcome. method is the request method, case-sensitive (HEAD
// matches only HEAD and ANY routes). p must come from Canonicalize; the zero
// Path gives UnknownStage. Match never allocates once res.Params has enough
// capacity for the matched route's parameters.
func (t *Table) Match(method string, p Path, res *Result) Outcome {
	res.Stage, res.Route = -1, -1
	res.Params = res.Params[:0]
	res.Path, res.EscapedPath = "", ""
	res.Outcome = t.match(method, p, res)
	if res.Outcome != Matched {
		res.Route = -1
		res.Params = res.Params[:0]
	}
	return res.Outcome
}

func (t *Table) match(method string, p Path, res *Result) Outcome {
	dec, esc := p.decoded, p.escaped
	if dec == "" || dec[0] != '/' || len(dec) > maxPathLen {
		return UnknownStage
	}
	first := dec[1:]
	if i := strings.IndexByte(first, '/'); i >= 0 {
		first = first[:i]
	}
	var rest, escRest string
	if stage, ok := t.stageIndex[first]; ok {
		// Stage names are canonical-raw, so the escaped form starts with
		// the same bytes.
		res.Stage = stage
		rest, escRest = dec[1+len(first):], esc[1+len(first):]
	} else if t.defaultStage >= 0 {
		res.Stage = t.defaultStage
		rest, escRest = dec, esc
	} else {
		return UnknownStage
	}
	if rest == "" {
		rest, escRest = "/", "/"
	}
	if t.kind == exchange.REST && len(rest) > 1 && rest[len(rest)-1] == '/' {
		// REST ignores a trailing slash; Canonicalize allows at most one.
		rest, escRest = rest[:len(rest)-1], escRest[:len(escRest)-1]
	}
	res.Path, res.EscapedPath = rest, escRest
	slot := methodSlot(method)
	if slot == slotANY {
		slot = -1 // a request method literally named ANY is not special
	}

	r := noMatch
	if ep := t.static[rest]; ep != nil {
		r = ep.lookup(slot)
		if r < 0 && t.kind == exchange.REST {
			r = noMethod
		}
	}
	rem := rest
	if rem == "/" {
		rem = ""
	}
	if r == noMatch {
		r = t.walk(t.root, rem, slot, res)
	}
	if r == noMatch {
		r = t.walkGreedy(t.root, rem, slot, res)
	}
	if r == noMatch && t.defaultRoute >= 0 {
		r = t.defaultRoute
	}
	if r < 0 {
		return NotFound
	}
	res.Route = r
	names := t.routes[r].Params
	for i := range res.Params {
		res.Params[i].Name = names[i]
	}
	return Matched
}

// accept decides at an endpoint: a route index, noMatch to keep searching
// (HTTP skips a route whose method differs), or noMethod (REST selects the
// resource first and fails if it lacks the method).
func (t *Table) accept(ep *endpoint, slot int) int {
	if ep == nil {
		return noMatch
	}
	if r := ep.lookup(slot); r >= 0 {
		return r
	}
	if t.kind == exchange.REST {
		return noMethod
	}
	return noMatch
}

// next splits rem ("/seg/more") into its first segment and the remainder.
func next(rem string) (seg, more string) {
	seg = rem[1:]
	if i := strings.IndexByte(seg, '/'); i >= 0 {
		return seg[:i], seg[i:]
	}
	return seg, ""
}

// walk finds the most specific route without a greedy parameter: static
// children before the parameter child, depth first, backtracking.
func (t *Table) walk(n *node, rem string, slot int, res *Result) int {
	if rem == "" {
		return t.accept(n.here, slot)
	}
	seg, more := next(rem)
	if seg == "" {
		return noMatch // trailing slash (HTTP): only greedy routes match it
	}
	if c := n.static[seg]; c != nil {
		if r := t.walk(c, more, slot, res); r != noMatch {
			return r
		}
	}
	if n.param != nil {
		k := len(res.Params)
		res.Params = append(res.Params, exchange.Param{Value: seg})
		if r := t.walk(n.param, more, slot, res); r != noMatch {
			return r
		}
		res.Params = res.Params[:k]
	}
	return noMatch
}

// walkGreedy finds the most specific greedy route: deeper nodes (a longer
// template prefix) first, static before parameter, then this node's own
// {name+}, which needs a non-empty remainder.
func (t *Table) walkGreedy(n *node, rem string, slot int, res *Result) int {
	if rem == "" {
		return noMatch
	}
	if seg, more := next(rem); seg != "" {
		if c := n.static[seg]; c != nil {
			if r := t.walkGreedy(c, more, slot, res); r != noMatch {
				return r
			}
		}
		if n.param != nil {
			k := len(res.Params)
			res.Params = append(res.Params, exchange.Param{Value: seg})
			if r := t.walkGreedy(n.param, more, slot, res); r != noMatch {
				return r
			}
			res.Params = res.Params[:k]
		}
	}
	if n.greedy != nil && len(rem) > 1 {
		k := len(res.Params)
		res.Params = append(res.Params, exchange.Param{Value: rem[1:]})
		if r := t.accept(n.greedy, slot); r != noMatch {
			return r
		}
		res.Params = res.Params[:k]
	}
	return noMatch
}
