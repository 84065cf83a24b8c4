package config

import (
	"mime"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/gwresp"
)

// Limits from the reference (§8, §10.3).
const (
	MaxRoutesPerAPI      = 300
	MaxAuthorizersPerAPI = 10
	MaxStageVariables    = 100
	MaxStageVarValue     = 512
)

var (
	stageNamePattern    = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	stageVarNamePattern = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)
	stageVarValuePat    = regexp.MustCompile(`^[A-Za-z0-9\-._~:/?#&=,]+$`)
	stageVarRef         = regexp.MustCompile(`\$\{stageVariables\.([^}]*)\}`)
	urlParam            = regexp.MustCompile(`\{([^{}]*)\}`)
	regionPattern       = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	accountIDPattern    = regexp.MustCompile(`^[0-9]{12}$`)
)

// Validate applies defaults to a config built in code (Parse does this
// itself) and checks it. It returns nil or an Errors value whose entries
// carry paths but no positions.
func (c *Config) Validate() error {
	c.applyDefaults()
	p := &problems{}
	c.validate(p)
	if len(p.list) == 0 {
		return nil
	}
	errs := make(Errors, 0, len(p.list))
	for _, pr := range p.list {
		errs = append(errs, FieldError{Path: pr.path, Msg: pr.msg, Suggest: pr.suggest})
	}
	errs.sort()
	return errs
}

// validate runs the core checks and then each capability's section.
func (c *Config) validate(p *problems) {
	c.validateSettings(p)
	c.validateAPIs(p)
	c.validateFunctions(p)
	c.validateUserPools(p)
	c.validateIAM(p)
	c.validateAuthorizers(p)
}

// GatewayResponseTypes lists every gateway-response type (reference §7.1),
// sorted; gwresp's catalogue is the one list.
func GatewayResponseTypes() []gwresp.Type { return gwresp.Types() }

func (c *Config) validateSettings(p *problems) {
	s := c.Settings
	if !regionPattern.MatchString(s.Region) {
		p.add("settings.region", "invalid region %q; expected a region name such as us-east-1", s.Region)
	}
	if !accountIDPattern.MatchString(s.AccountID) {
		p.add("settings.accountId", "invalid account id %q; expected 12 digits", s.AccountID)
	}
	for i, tp := range s.TrustedProxies {
		if _, err := netip.ParsePrefix(tp); err == nil {
			continue
		}
		if _, err := netip.ParseAddr(tp); err == nil {
			continue
		}
		p.add(joinIndex("settings.trustedProxies", i), "invalid trusted proxy %q; expected an IP address or CIDR such as 10.0.0.0/8", tp)
	}
}

func (c *Config) validateAPIs(p *problems) {
	names := map[string]int{}
	ids := map[string]int{}
	for i := range c.APIs {
		a := &c.APIs[i]
		ap := joinIndex("apis", i)
		switch j, dup := names[a.Name]; {
		case strings.TrimSpace(a.Name) == "":
			p.add(ap+".name", "name is required")
		case dup:
			p.add(ap+".name", "duplicate API name %q (also apis[%d])", a.Name, j)
		default:
			names[a.Name] = i
		}
		if a.ID != "" {
			explicit := a.ID != DeriveAPIID(a.Name)
			switch j, dup := ids[a.ID]; {
			case !apiIDPattern.MatchString(a.ID):
				p.add(ap+".id", "invalid id %q; expected 1 to 63 lowercase letters and digits", a.ID)
			case dup && explicit:
				p.add(ap+".id", "duplicate API id %q (also apis[%d])", a.ID, j)
			case dup:
				p.add(ap+".name", "the id derived from name %q, %q, is also used by apis[%d]; set an explicit id", a.Name, a.ID, j)
			default:
				ids[a.ID] = i
			}
		}
		switch a.Kind {
		case KindHTTP, KindREST:
		case "":
			p.add(ap+".kind", "kind is required: http or rest")
		default:
			p.addSuggest(ap+".kind", nearest(string(a.Kind), []string{string(KindHTTP), string(KindREST)}), "unknown kind %q; use http or rest", a.Kind)
		}
		c.validateAPI(p, ap, a)
	}
}

// validateAPI checks one API. When its kind is unknown (already reported)
// only the checks that do not depend on the kind run.
func (c *Config) validateAPI(p *problems, ap string, a *API) {
	c.validateStages(p, ap, a)
	authNames := validateAuthorizerEntries(p, ap, a)
	refOK := func(path, ref string) {
		if ref == "" || ref == AuthorizerNone || ref == AuthorizerAWSIAM || slices.Contains(authNames, ref) {
			return
		}
		cands := append([]string{AuthorizerNone, AuthorizerAWSIAM}, authNames...)
		if len(authNames) == 0 {
			p.addSuggest(path, nearest(ref, cands), "unknown authorizer %q: this API declares no authorizers (use NONE, AWS_IAM or add it under authorizers)", ref)
			return
		}
		p.addSuggest(path, nearest(ref, cands), "unknown authorizer %q; use NONE, AWS_IAM or one of: %s", ref, strings.Join(authNames, ", "))
	}
	refOK(ap+".defaultAuthorizer", a.DefaultAuthorizer)

	if len(a.Routes) > MaxRoutesPerAPI {
		p.add(ap+".routes", "%d routes; an API has at most %d", len(a.Routes), MaxRoutesPerAPI)
	}
	seen := map[string]int{}
	var keys []RouteKey
	var keyIdx []int
	for j := range a.Routes {
		r := &a.Routes[j]
		rp := joinIndex(ap+".routes", j)
		key, err := ParseRouteKey(r.Route)
		var rkey *RouteKey
		if err != nil {
			var sug string
			if ke, ok := err.(*RouteKeyError); ok {
				sug = ke.Suggest
			}
			p.addSuggest(rp+".route", sug, "%v", err)
		} else if key.Default && a.Kind == KindREST {
			p.add(rp+".route", "the $default route is only for kind http; use \"ANY /{proxy+}\" on a REST API")
		} else {
			shape := routeShape(key)
			if k, dup := seen[shape]; dup {
				p.add(rp+".route", "route %q conflicts with routes[%d] %q", r.Route, k, a.Routes[k].Route)
			} else {
				seen[shape] = j
				keys = append(keys, key)
				keyIdx = append(keyIdx, j)
			}
			rkey = &key
		}
		c.validateIntegration(p, rp+".integration", a.Kind, rkey, &r.Integration)
		refOK(rp+".authorizer", r.Authorizer)
		if len(r.Scopes) > 0 {
			eff := r.Authorizer
			if eff == "" {
				eff = a.DefaultAuthorizer
			}
			if !scopedAuthorizer(a, eff) {
				p.add(rp+".scopes", "scopes need a jwt or cognitoUserPools authorizer, but the route's authorizer is %s", describeAuthorizer(eff))
			}
			for k, s := range r.Scopes {
				if s == "" || strings.ContainsAny(s, " \t\r\n") {
					p.add(joinIndex(rp+".scopes", k), "invalid scope %q: scopes are non-empty and contain no spaces", s)
				}
			}
		}
	}
	if a.Kind == KindREST {
		checkParamNames(p, ap, a, keys, keyIdx)
	}
	validateGatewayResponses(p, ap, a)
	if a.CORS != nil {
		if a.Kind == KindREST {
			p.add(ap+".cors", "cors is only for kind http; REST APIs answer preflight requests through OPTIONS routes")
		} else {
			validateCORS(p, ap+".cors", a.CORS)
		}
	}
	validateAccessLog(p, ap+".accessLog", a.AccessLog)
	if len(a.BinaryMediaTypes) > 0 && a.Kind == KindHTTP {
		p.add(ap+".binaryMediaTypes", "binaryMediaTypes is only for kind rest; HTTP APIs decide base64 encoding from the content type")
	}
	for k, mt := range a.BinaryMediaTypes {
		if !validMediaRange(mt) {
			p.add(joinIndex(ap+".binaryMediaTypes", k), "invalid media type %q; expected type/subtype such as image/png or */*", mt)
		}
	}
}

func kindLabel(k APIKind) string {
	if k == KindREST {
		return "a REST API"
	}
	return "an HTTP API"
}

func describeAuthorizer(name string) string {
	if name == "" {
		return "none"
	}
	return name
}

func scopedAuthorizer(a *API, name string) bool {
	for _, au := range a.Authorizers {
		if au.Name == name && (au.JWT != nil || au.CognitoUserPools != nil) {
			return true
		}
	}
	return false
}

// routeShape is the key used to find conflicting routes: the method and the
// path with parameter names erased.
func routeShape(k RouteKey) string {
	if k.Default {
		return RouteKeyDefault
	}
	var b strings.Builder
	b.WriteString(k.Method)
	b.WriteString(" ")
	for _, s := range k.Segments {
		b.WriteString("/")
		switch {
		case s.Greedy:
			b.WriteString("{+}")
		case s.Param != "":
			b.WriteString("{}")
		default:
			b.WriteString(s.Literal)
		}
	}
	return b.String()
}

// checkParamNames enforces REST's resource tree: at one position below the
// same parent, every route must use the same parameter name.
func checkParamNames(p *problems, ap string, a *API, keys []RouteKey, idx []int) {
	type slot struct{ name, route string }
	at := map[string]slot{}
	for n, k := range keys {
		prefix := ""
		for _, s := range k.Segments {
			if s.Param != "" {
				pos := prefix + "/{}"
				if s.Greedy {
					pos = prefix + "/{+}"
				}
				if prev, ok := at[pos]; ok && prev.name != s.Param {
					p.add(joinIndex(ap+".routes", idx[n])+".route",
						"parameter {%s} conflicts with {%s} at the same place in %q; a REST resource has one name per path part", s.Param, prev.name, prev.route)
					break
				}
				at[pos] = slot{s.Param, a.Routes[idx[n]].Route}
				prefix = pos
				continue
			}
			prefix += "/" + s.Literal
		}
	}
}

func (c *Config) validateStages(p *problems, ap string, a *API) {
	if a.Kind == KindREST && len(a.Stages) == 0 {
		p.add(ap+".stages", "a rest API needs at least one stage (for example: stages: [{name: prod}])")
	}
	seen := map[string]int{}
	for i, s := range a.Stages {
		sp := joinIndex(ap+".stages", i)
		switch {
		case s.Name == DefaultStage && a.Kind == KindREST:
			p.add(sp+".name", "the $default stage is only for kind http; REST stages are named")
		case s.Name == DefaultStage:
		case s.Name == "":
			p.add(sp+".name", "name is required")
		case !stageNamePattern.MatchString(s.Name):
			p.add(sp+".name", "invalid stage name %q; use 1 to 128 letters, digits, '-' or '_'", s.Name)
		}
		if j, dup := seen[s.Name]; dup && s.Name != "" {
			p.add(sp+".name", "duplicate stage %q (also stages[%d])", s.Name, j)
		} else {
			seen[s.Name] = i
		}
		if len(s.Variables) > MaxStageVariables {
			p.add(sp+".variables", "%d stage variables; a stage has at most %d", len(s.Variables), MaxStageVariables)
		}
		for _, name := range sortedKeys(s.Variables) {
			val := s.Variables[name]
			vp := joinField(sp+".variables", name)
			switch {
			case !stageVarNamePattern.MatchString(name):
				p.add(vp, "invalid stage variable name %q; use 1 to 64 letters, digits or '_'", name)
			case len(val) > MaxStageVarValue:
				p.add(vp, "stage variable value is %d characters; the limit is %d", len(val), MaxStageVarValue)
			case !stageVarValuePat.MatchString(val):
				p.add(vp, "invalid stage variable value %q; use 1 or more of A-Z a-z 0-9 - . _ ~ : / ? # & = ,", val)
			}
		}
		validateAccessLog(p, sp+".accessLog", s.AccessLog)
	}
}

func (c *Config) validateIntegration(p *problems, ip string, kind APIKind, key *RouteKey, in *Integration) {
	var set []string
	if in.HTTP != nil {
		set = append(set, "http")
	}
	if in.Mock != nil {
		set = append(set, "mock")
	}
	if in.Lambda != nil {
		set = append(set, "lambda")
	}
	switch len(set) {
	case 0:
		p.add(ip, "an integration needs exactly one of http, mock or lambda")
		return
	case 1:
	default:
		p.add(ip, "an integration needs exactly one of http, mock or lambda, but %s are set", strings.Join(set, " and "))
		return
	}
	max := maxTimeout(kind)
	checkTimeout := func(path string, d Duration) {
		if kind != KindHTTP && kind != KindREST {
			return
		}
		if d.D() < MinTimeout || d.D() > max {
			p.add(path, "timeout %s out of range; %s allows %s to %s", d, kindLabel(kind), MinTimeout, max)
		}
	}
	switch {
	case in.HTTP != nil:
		h := in.HTTP
		validateBackendURL(p, ip+".http.url", h.URL, key)
		if h.Method != "" && (h.Method == "ANY" || !slices.Contains(Methods(), h.Method)) {
			p.addSuggest(ip+".http.method", nearest(h.Method, Methods()[:7]), "unknown method %q; use one of GET POST PUT DELETE PATCH HEAD OPTIONS", h.Method)
		}
		checkTimeout(ip+".http.timeout", h.Timeout)
	case in.Mock != nil:
		m := in.Mock
		if m.Status < 100 || m.Status > 599 {
			p.add(ip+".mock.status", "status %d out of range 100-599", m.Status)
		}
		validateHeaders(p, ip+".mock.headers", m.Headers)
	case in.Lambda != nil:
		// The function reference, payload format version and timeout are
		// checked by validateFunctions (functions.go).
	}
}

func validateBackendURL(p *problems, path, raw string, key *RouteKey) {
	if raw == "" {
		p.add(path, "url is required")
		return
	}
	var params []string
	if key != nil {
		params = key.Params()
	}
	s := stageVarRef.ReplaceAllStringFunc(raw, func(m string) string {
		name := stageVarRef.FindStringSubmatch(m)[1]
		if !stageVarNamePattern.MatchString(name) {
			p.add(path, "invalid stage variable reference %q; write ${stageVariables.name}", m)
		}
		return "stagevar"
	})
	if strings.Contains(s, "${") || strings.Contains(s, "$stageVariables") {
		p.add(path, "invalid stage variable reference in %q; write ${stageVariables.name}", raw)
		return
	}
	s = urlParam.ReplaceAllStringFunc(s, func(m string) string {
		name := strings.TrimSuffix(m[1:len(m)-1], "+")
		switch {
		case key == nil:
		case len(params) == 0:
			p.add(path, "placeholder %s: route %q has no path parameters", m, key.String())
		case !slices.Contains(params, name):
			p.addSuggest(path, nearest(name, params), "placeholder %s is not a path parameter of route %q (it has: %s)", m, key.String(), strings.Join(params, ", "))
		}
		return "param"
	})
	u, err := url.Parse(s)
	switch {
	case err != nil || strings.ContainsAny(s, "{} \t\r\n"):
		p.add(path, "invalid URL %q", raw)
	case u.Scheme != "http" && u.Scheme != "https":
		p.add(path, "URL %q must be absolute and use http or https", raw)
	case u.Host == "":
		p.add(path, "URL %q has no host", raw)
	case u.User != nil:
		p.add(path, "URL %q must not carry credentials", raw)
	case u.Fragment != "" || strings.Contains(s, "#"):
		p.add(path, "URL %q must not have a fragment", raw)
	}
}

// validToken reports whether s is an RFC 9110 token (header names, methods).
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r)) {
			return false
		}
	}
	return true
}

func validHeaderValue(s string) bool {
	for _, r := range s {
		if r == '\r' || r == '\n' || r == 0 {
			return false
		}
	}
	return true
}

func validateHeaders(p *problems, path string, h map[string]string) {
	for _, name := range sortedKeys(h) {
		hp := joinField(path, name)
		if !validToken(name) {
			p.add(hp, "invalid header name %q", name)
		} else if !validHeaderValue(h[name]) {
			p.add(hp, "header value contains a line break or NUL")
		}
	}
}

func validMediaRange(s string) bool {
	mt, _, err := mime.ParseMediaType(s)
	if err != nil {
		return false
	}
	typ, sub, ok := strings.Cut(mt, "/")
	return ok && typ != "" && sub != ""
}

func validateGatewayResponses(p *problems, ap string, a *API) {
	var types []string
	for _, t := range GatewayResponseTypes() {
		types = append(types, string(t))
	}
	for _, name := range sortedKeys(a.GatewayResponses) {
		gr := a.GatewayResponses[name]
		gp := joinField(ap+".gatewayResponses", name)
		switch {
		case !gwresp.Known(gwresp.Type(name)):
			p.addSuggest(gp, nearest(name, types), "unknown gateway response type %q", name)
			continue
		case !gwresp.Customizable(gwresp.Type(name)):
			p.add(gp, "%s cannot be customized", name)
			continue
		}
		if gr.Status != 0 && (gr.Status < 100 || gr.Status > 599) {
			p.add(gp+".status", "status %d out of range 100-599", gr.Status)
		}
		validateHeaders(p, gp+".headers", gr.Headers)
		for _, ct := range sortedKeys(gr.Templates) {
			if !validMediaRange(ct) {
				p.add(joinField(gp+".templates", ct), "invalid content type %q; expected type/subtype such as application/json", ct)
			}
		}
	}
}

func validateCORS(p *problems, cp string, c *CORS) {
	for i, o := range c.AllowOrigins {
		if o == "*" {
			if c.AllowCredentials {
				p.add(joinIndex(cp+".allowOrigins", i), "allowOrigins \"*\" cannot be combined with allowCredentials: true; list the origins")
			}
			continue
		}
		u, err := url.Parse(strings.Replace(o, "*.", "wildcard.", 1))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			p.add(joinIndex(cp+".allowOrigins", i), "invalid origin %q; expected \"*\" or scheme://host[:port]", o)
		}
	}
	for i, m := range c.AllowMethods {
		if m != "*" && (m == "ANY" || !slices.Contains(Methods(), m)) {
			p.addSuggest(joinIndex(cp+".allowMethods", i), nearest(m, Methods()[:7]), "unknown method %q; use \"*\" or GET POST PUT DELETE PATCH HEAD OPTIONS", m)
		}
	}
	for field, hs := range map[string][]string{"allowHeaders": c.AllowHeaders, "exposeHeaders": c.ExposeHeaders} {
		for i, h := range hs {
			if h != "*" && !validToken(h) {
				p.add(joinIndex(cp+"."+field, i), "invalid header name %q", h)
			}
		}
	}
	if c.MaxAge < 0 || c.MaxAge > 86400 {
		p.add(cp+".maxAge", "maxAge %d out of range 0-86400 seconds", c.MaxAge)
	}
}

func validateAccessLog(p *problems, lp string, l *AccessLog) {
	if l == nil {
		return
	}
	if l.Destination == "" && p.isSet(lp+".destination") {
		p.add(lp+".destination", "destination is empty; omit it for stdout, or write stdout, stderr or a file path")
	} else if l.Destination != strings.TrimSpace(l.Destination) || strings.ContainsAny(l.Destination, "\x00\r\n") {
		p.add(lp+".destination", "invalid destination %q", l.Destination)
	}
	if l.Format == "" && p.isSet(lp+".format") {
		p.add(lp+".format", "format is empty; omit it for the default JSON format")
	}
}

// validateAuthorizerEntries checks names and the union of each authorizer
// and returns the valid names. Inner checks are validateAuthorizers'.
func validateAuthorizerEntries(p *problems, ap string, a *API) []string {
	var names []string
	if len(a.Authorizers) > MaxAuthorizersPerAPI {
		p.add(ap+".authorizers", "%d authorizers; an API has at most %d", len(a.Authorizers), MaxAuthorizersPerAPI)
	}
	for i, au := range a.Authorizers {
		xp := joinIndex(ap+".authorizers", i)
		switch {
		case au.Name == "":
			p.add(xp+".name", "name is required")
		case au.Name == AuthorizerNone || au.Name == AuthorizerAWSIAM:
			p.add(xp+".name", "%s is reserved; choose another authorizer name", au.Name)
		case slices.Contains(names, au.Name):
			p.add(xp+".name", "duplicate authorizer %q", au.Name)
		case !validToken(au.Name):
			p.add(xp+".name", "invalid authorizer name %q; use letters, digits and punctuation without spaces", au.Name)
		default:
			names = append(names, au.Name)
		}
		switch {
		case au.JWT != nil && au.CognitoUserPools != nil:
			p.add(xp, "an authorizer needs exactly one of jwt or cognitoUserPools, but jwt and cognitoUserPools are set")
		case au.JWT == nil && au.CognitoUserPools == nil:
			p.add(xp, "an authorizer needs exactly one of jwt or cognitoUserPools")
		case au.JWT != nil && a.Kind == KindREST:
			p.add(xp+".jwt", "jwt authorizers are for kind http; a rest API uses cognitoUserPools")
		case au.CognitoUserPools != nil && a.Kind == KindHTTP:
			p.add(xp+".cognitoUserPools", "cognitoUserPools authorizers are for kind rest; an http API uses jwt")
		}
	}
	return names
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
