package sam

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
)

type apiBuild struct {
	id   string
	rest bool
	api  config.API
	node *Node
	path string
	// scopes are authorizers' default AuthorizationScopes.
	scopes      map[string][]string
	defaultAuth string
	iamEnabled  bool
	stage       string
	// policies are resource-policy specs: the API's (method "") and
	// per-event ones.
	policies []methodPolicy
	methods  []method
	cors     *restCORS
	corsAuth bool
}

type method struct{ verb, path string }

type methodPolicy struct {
	spec *Node
	path string
	// only: the method the policy applies to; nil for every method.
	only *method
}

type restCORS struct {
	origin, methods, headers, maxAge string
	credentials                      bool
}

func (c *conv) newAPI(id string, rest bool) *apiBuild {
	r := c.res.byID[id]
	apiID, _ := c.res.physical(r, r.node, "Resources."+id)
	b := &apiBuild{id: id, rest: rest, node: r.node, path: "Resources." + id + ".Properties", scopes: map[string][]string{}}
	b.api = config.API{ID: apiID, Name: id, LogicalID: id, Kind: config.KindHTTP, Routes: []config.Route{}}
	if rest {
		b.api.Kind = config.KindREST
	}
	c.apis[id] = b
	return b
}

func (c *conv) httpAPI(id string) {
	p := c.props[id]
	b := c.newAPI(id, false)
	path := b.path
	b.stage = config.DefaultStage
	if s, ok := c.getStr(p, "StageName", path); ok && s != "" {
		b.stage = s
	}
	st := config.Stage{Name: b.stage}
	if sv := c.getMap(p, "StageVariables", path); sv != nil {
		st.Variables = c.strMap(sv, path+".StageVariables")
	}
	b.api.Stages = []config.Stage{st}
	if auth := c.getMap(p, "Auth", path); auth != nil {
		ap := path + ".Auth"
		b.iamEnabled, _ = c.getBool(auth, "EnableIamAuthorizer", ap)
		if azs := c.getMap(auth, "Authorizers", ap); azs != nil {
			for _, f := range azs.Fields {
				c.jwtAuthorizer(b, f.Key, f.Value, joinPath(ap+".Authorizers", f.Key))
			}
		}
		if d, ok := c.getStr(auth, "DefaultAuthorizer", ap); ok {
			b.defaultAuth = d
			c.checkAuthName(b, d, auth.Get("DefaultAuthorizer"), ap+".DefaultAuthorizer")
		}
	}
	if cors := p.Get("CorsConfiguration"); cors != nil {
		cp := path + ".CorsConfiguration"
		if s, ok := str(cors); ok {
			if strings.EqualFold(s, "true") {
				b.api.CORS = &config.CORS{AllowOrigins: []string{"*"}, AllowHeaders: []string{"*"}, AllowMethods: []string{"*"}}
			} else if !strings.EqualFold(s, "false") {
				c.errorf(cors, cp, "CorsConfiguration must be true, false or a map")
			}
		} else if cors.Kind == KindMap {
			cc := &config.CORS{
				AllowOrigins:  c.getStrList(cors, "AllowOrigins", cp),
				AllowMethods:  c.getStrList(cors, "AllowMethods", cp),
				AllowHeaders:  c.getStrList(cors, "AllowHeaders", cp),
				ExposeHeaders: c.getStrList(cors, "ExposeHeaders", cp),
			}
			cc.AllowCredentials, _ = c.getBool(cors, "AllowCredentials", cp)
			cc.MaxAge, _ = c.getInt(cors, "MaxAge", cp)
			for _, f := range cors.Fields {
				switch f.Key {
				case "AllowOrigins", "AllowMethods", "AllowHeaders", "ExposeHeaders", "AllowCredentials", "MaxAge":
				default:
					c.errorf(f.Value, joinPath(cp, f.Key), "unknown CorsConfiguration property %q", f.Key)
				}
			}
			b.api.CORS = cc
		} else {
			c.errorf(cors, cp, "CorsConfiguration must be true, false or a map")
		}
	}
}

// checkAuthName checks an authorizer name used as default or on a route.
func (c *conv) checkAuthName(b *apiBuild, name string, at *Node, path string) {
	switch name {
	case config.AuthorizerNone:
		if at != nil && strings.HasSuffix(path, "DefaultAuthorizer") {
			c.errorf(at, path, "DefaultAuthorizer cannot be NONE")
		}
		return
	case config.AuthorizerAWSIAM:
		if !b.rest && !b.iamEnabled {
			c.errorf(at, path, "AWS_IAM needs Auth.EnableIamAuthorizer: true on %s", b.id)
		}
		return
	}
	for _, a := range b.api.Authorizers {
		if a.Name == name {
			return
		}
	}
	names := []string{}
	for _, a := range b.api.Authorizers {
		names = append(names, a.Name)
	}
	c.e.errs = append(c.e.errs, config.FieldError{File: c.file, Line: at.Line, Col: at.Col, Path: path,
		Msg: fmt.Sprintf("no authorizer %q in %s's Auth.Authorizers", name, b.id), Suggest: nearest(name, append(names, "NONE", "AWS_IAM"))})
}

func (c *conv) jwtAuthorizer(b *apiBuild, name string, n *Node, path string) {
	if n.Kind != KindMap {
		c.errorf(n, path, "an authorizer is a map, got %s", n.describe())
		return
	}
	if n.Get("FunctionArn") != nil {
		return // reported by checkProps: Lambda authorizers not supported yet
	}
	jc := c.getMap(n, "JwtConfiguration", path)
	if jc == nil {
		c.errorf(n, path+".JwtConfiguration", "authorizer %s needs JwtConfiguration (issuer, audience)", name)
		return
	}
	jp := path + ".JwtConfiguration"
	j := &config.JWTAuthorizer{}
	for _, f := range jc.Fields {
		switch strings.ToLower(f.Key) {
		case "issuer":
			s, ok := str(f.Value)
			if !ok {
				c.errorf(f.Value, joinPath(jp, f.Key), "issuer must be a string")
			}
			j.Issuer = s
		case "audience":
			j.Audience = c.getStrList(jc, f.Key, jp)
		default:
			c.errorf(f.Value, joinPath(jp, f.Key), "unknown JwtConfiguration property %q (issuer, audience)", f.Key)
		}
	}
	if j.Issuer == "" {
		c.errorf(jc, jp, "JwtConfiguration needs an issuer")
	}
	j.IdentitySource, _ = c.getStr(n, "IdentitySource", path)
	// Issue 7 item 4: the Cognito issuer of a pool of this template is
	// served by the local pool, which then issues tokens with that issuer.
	for _, pool := range c.cfg.UserPools {
		suffix, _ := c.e.pseudo("AWS::URLSuffix")
		if j.Issuer == fmt.Sprintf("https://cognito-idp.%s.%s/%s", c.opts.Region, suffix, pool.ID) {
			j.UserPool = pool.Name
			for i := range c.cfg.UserPools {
				if c.cfg.UserPools[i].Name == pool.Name {
					c.cfg.UserPools[i].AWSIssuer = true
				}
			}
		}
	}
	b.scopes[name] = c.getStrList(n, "AuthorizationScopes", path)
	c.trace[fmt.Sprintf("apis[@%s].authorizers[%d]", b.id, len(b.api.Authorizers))] = tracePoint{path: path, at: n}
	b.api.Authorizers = append(b.api.Authorizers, config.Authorizer{Name: name, JWT: j})
}

func (c *conv) restAPI(id string) {
	p := c.props[id]
	b := c.newAPI(id, true)
	path := b.path
	stage, ok := c.getStr(p, "StageName", path)
	if !ok || stage == "" {
		c.errorf(b.node, path+".StageName", "AWS::Serverless::Api %s needs a StageName", id)
		stage = "Prod"
	}
	b.stage = stage
	st := config.Stage{Name: stage}
	if sv := c.getMap(p, "Variables", path); sv != nil {
		st.Variables = c.strMap(sv, path+".Variables")
	}
	b.api.Stages = []config.Stage{st}
	b.corsAuth = true
	if auth := c.getMap(p, "Auth", path); auth != nil {
		ap := path + ".Auth"
		if azs := c.getMap(auth, "Authorizers", ap); azs != nil {
			for _, f := range azs.Fields {
				c.cognitoAuthorizer(b, f.Key, f.Value, joinPath(ap+".Authorizers", f.Key))
			}
		}
		if d, ok := c.getStr(auth, "DefaultAuthorizer", ap); ok {
			b.defaultAuth = d
			c.checkAuthName(b, d, auth.Get("DefaultAuthorizer"), ap+".DefaultAuthorizer")
		}
		if v, ok := c.getBool(auth, "AddDefaultAuthorizerToCorsPreflight", ap); ok {
			b.corsAuth = v
		}
		if rp := c.getMap(auth, "ResourcePolicy", ap); rp != nil {
			b.policies = append(b.policies, methodPolicy{spec: rp, path: ap + ".ResourcePolicy"})
		}
	}
	if gr := c.getMap(p, "GatewayResponses", path); gr != nil {
		b.api.GatewayResponses = map[string]config.GatewayResponse{}
		for _, f := range gr.Fields {
			fp := joinPath(path+".GatewayResponses", f.Key)
			if f.Value.Kind != KindMap {
				c.errorf(f.Value, fp, "a gateway response is a map")
				continue
			}
			var g config.GatewayResponse
			g.Status, _ = c.getInt(f.Value, "StatusCode", fp)
			if rp := c.getMap(f.Value, "ResponseParameters", fp); rp != nil {
				for _, pf := range rp.Fields {
					switch pf.Key {
					case "Headers":
						g.Headers = c.strMap(c.getMap(rp, "Headers", fp+".ResponseParameters"), fp+".ResponseParameters.Headers")
					case "Paths", "QueryStrings":
						c.warnf(pf.Value, joinPath(fp+".ResponseParameters", pf.Key), "%s is ignored: only header response parameters are emulated", pf.Key)
					default:
						c.errorf(pf.Value, joinPath(fp+".ResponseParameters", pf.Key), "unknown ResponseParameters property %q", pf.Key)
					}
				}
			}
			if rt := c.getMap(f.Value, "ResponseTemplates", fp); rt != nil {
				g.Templates = c.strMap(rt, fp+".ResponseTemplates")
			}
			for _, pf := range f.Value.Fields {
				switch pf.Key {
				case "StatusCode", "ResponseParameters", "ResponseTemplates":
				default:
					c.errorf(pf.Value, joinPath(fp, pf.Key), "unknown gateway response property %q", pf.Key)
				}
			}
			c.trace[fmt.Sprintf("apis[@%s].gatewayResponses.%s", b.id, f.Key)] = tracePoint{path: fp, at: f.Value}
			b.api.GatewayResponses[f.Key] = g
		}
	}
	if cors := p.Get("Cors"); cors != nil {
		cp := path + ".Cors"
		rc := &restCORS{}
		if s, ok := str(cors); ok {
			rc.origin = unquote(s)
		} else if cors.Kind == KindMap {
			o, ok := c.getStr(cors, "AllowOrigin", cp)
			if !ok {
				c.errorf(cors, cp+".AllowOrigin", "Cors needs AllowOrigin")
			}
			rc.origin = unquote(o)
			m, _ := c.getStr(cors, "AllowMethods", cp)
			rc.methods = unquote(m)
			h, _ := c.getStr(cors, "AllowHeaders", cp)
			rc.headers = unquote(h)
			a, _ := c.getStr(cors, "MaxAge", cp)
			rc.maxAge = unquote(a)
			rc.credentials, _ = c.getBool(cors, "AllowCredentials", cp)
			for _, f := range cors.Fields {
				switch f.Key {
				case "AllowOrigin", "AllowMethods", "AllowHeaders", "MaxAge", "AllowCredentials":
				default:
					c.errorf(f.Value, joinPath(cp, f.Key), "unknown Cors property %q", f.Key)
				}
			}
		} else {
			c.errorf(cors, cp, "Cors must be an origin string or a map")
		}
		b.cors = rc
	}
	for _, t := range c.getStrList(p, "BinaryMediaTypes", path) {
		b.api.BinaryMediaTypes = append(b.api.BinaryMediaTypes, strings.ReplaceAll(t, "~1", "/"))
	}
	if ec := p.Get("EndpointConfiguration"); ec != nil {
		var typ string
		if s, ok := str(ec); ok {
			typ = s
		} else if ec.Kind == KindMap {
			typ, _ = c.getStr(ec, "Type", path+".EndpointConfiguration")
		}
		if strings.EqualFold(typ, "PRIVATE") {
			c.unsupported(ec, path+".EndpointConfiguration", "EndpointConfiguration PRIVATE (reachable only through VPC endpoints) is not supported")
		}
	}
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		return s[1 : len(s)-1]
	}
	return s
}

func (c *conv) cognitoAuthorizer(b *apiBuild, name string, n *Node, path string) {
	if n.Kind != KindMap {
		c.errorf(n, path, "an authorizer is a map, got %s", n.describe())
		return
	}
	if n.Get("FunctionArn") != nil || n.Get("FunctionPayloadType") != nil {
		return // reported by checkProps: Lambda authorizers not supported yet
	}
	arns := c.getStrList(n, "UserPoolArn", path)
	if len(arns) == 0 {
		c.errorf(n, path+".UserPoolArn", "authorizer %s needs UserPoolArn", name)
		return
	}
	ca := &config.CognitoAuthorizer{}
	for _, a := range arns {
		ref := a
		for _, pool := range c.cfg.UserPools {
			if a == fmt.Sprintf("arn:%s:cognito-idp:%s:%s:userpool/%s", c.e.partition(), c.opts.Region, c.opts.AccountID, pool.ID) {
				ref = pool.Name
			}
		}
		ca.UserPools = append(ca.UserPools, ref)
	}
	if id := c.getMap(n, "Identity", path); id != nil {
		if h, ok := c.getStr(id, "Header", path+".Identity"); ok {
			ca.IdentitySource = "method.request.header." + h
		}
		ca.IdentityValidationExpression, _ = c.getStr(id, "ValidationExpression", path+".Identity")
	}
	b.scopes[name] = c.getStrList(n, "AuthorizationScopes", path)
	c.trace[fmt.Sprintf("apis[@%s].authorizers[%d]", b.id, len(b.api.Authorizers))] = tracePoint{path: path, at: n}
	b.api.Authorizers = append(b.api.Authorizers, config.Authorizer{Name: name, CognitoUserPools: ca})
}

var methodPattern = regexp.MustCompile(`^[A-Za-z]+$`)

// events translates a function's Api, HttpApi and Cognito events.
func (c *conv) events(id string) {
	p := c.props[id]
	path := "Resources." + id + ".Properties.Events"
	ev := c.getMap(p, "Events", "Resources."+id+".Properties")
	if ev == nil {
		return
	}
	fnName, _ := c.res.physical(c.res.byID[id], c.res.byID[id].node, path)
	specs := eventSpecs()
	for _, f := range ev.Fields {
		ep := joinPath(path, f.Key)
		if f.Value.Kind != KindMap {
			c.errorf(f.Value, ep, "an event is a map with Type and Properties")
			continue
		}
		for _, k := range f.Value.Fields {
			if k.Key != "Type" && k.Key != "Properties" {
				c.errorf(k.Value, joinPath(ep, k.Key), "unknown event attribute %q (Type, Properties)", k.Key)
			}
		}
		typ, ok := c.getStr(f.Value, "Type", ep)
		if !ok {
			c.errorf(f.Value, ep+".Type", "event %s needs a Type", f.Key)
			continue
		}
		spec, ok := specs[typ]
		if !ok {
			c.warnf(f.Value.Get("Type"), ep, "event %s of type %s is ignored: gatehouse does not emulate that event source", f.Key, typ)
			continue
		}
		props := f.Value.Get("Properties")
		if props == nil {
			props = &Node{Kind: KindMap, Line: f.Value.Line, Col: f.Value.Col}
		}
		if props.Kind != KindMap {
			c.errorf(props, ep+".Properties", "Properties must be a map")
			continue
		}
		pp := ep + ".Properties"
		c.checkProps(props, spec, pp, "event type "+typ)
		switch typ {
		case "Api", "HttpApi":
			c.apiEvent(typ == "Api", fnName, f.Key, props, pp)
		case "Cognito":
			c.cognitoEvent(fnName, props, pp)
		}
	}
}

func (c *conv) apiFor(rest bool, props *Node, pp string) *apiBuild {
	key, implicit, typ := "ApiId", ImplicitHTTPAPI, "AWS::Serverless::HttpApi"
	if rest {
		key, implicit, typ = "RestApiId", ImplicitRESTAPI, "AWS::Serverless::Api"
	}
	v := props.Get(key)
	if v == nil {
		return c.apis[implicit]
	}
	s, ok := str(v)
	if !ok {
		c.errorf(v, pp+"."+key, "%s must be a Ref to an %s", key, typ)
		return nil
	}
	for _, b := range c.apis {
		if b.api.ID == s && b.rest == rest {
			return b
		}
	}
	c.errorf(v, pp+"."+key, "%s %q is not an %s of this template", key, s, typ)
	return nil
}

func (c *conv) apiEvent(rest bool, fnName, evName string, props *Node, pp string) {
	b := c.apiFor(rest, props, pp)
	if b == nil {
		return
	}
	pathS, hasPath := c.getStr(props, "Path", pp)
	verb, hasMethod := c.getStr(props, "Method", pp)
	var key string
	switch {
	case !hasPath && !hasMethod && !rest:
		key = "$default"
	case !hasPath || !hasMethod:
		c.errorf(props, pp, "event %s needs both Path and Method", evName)
		return
	default:
		if !methodPattern.MatchString(verb) {
			c.errorf(props.Get("Method"), pp+".Method", "invalid method %q", verb)
			return
		}
		verb = strings.ToUpper(verb)
		key = verb + " " + pathS
	}
	route := config.Route{Route: key, Integration: config.Integration{Lambda: &config.LambdaIntegration{Function: fnName}}}
	if pf, ok := c.getStr(props, "PayloadFormatVersion", pp); ok {
		route.Integration.Lambda.PayloadFormatVersion = pf
	}
	if t, ok := c.getInt(props, "TimeoutInMillis", pp); ok {
		route.Integration.Lambda.Timeout = config.Duration(time.Duration(t) * time.Millisecond)
	}
	authz := b.defaultAuth
	var scopes []string
	explicitScopes := false
	if auth := c.getMap(props, "Auth", pp); auth != nil {
		ap := pp + ".Auth"
		if a, ok := c.getStr(auth, "Authorizer", ap); ok {
			authz = a
			c.checkAuthName(b, a, auth.Get("Authorizer"), ap+".Authorizer")
		}
		if auth.Get("AuthorizationScopes") != nil {
			scopes = c.getStrList(auth, "AuthorizationScopes", ap)
			explicitScopes = true
		}
		if rp := c.getMap(auth, "ResourcePolicy", ap); rp != nil && rest {
			m := method{verb: verb, path: pathS}
			b.policies = append(b.policies, methodPolicy{spec: rp, path: ap + ".ResourcePolicy", only: &m})
		}
	}
	if authz == "" {
		authz = config.AuthorizerNone
	}
	if !explicitScopes {
		scopes = b.scopes[authz]
	}
	route.Authorizer = authz
	if authz != config.AuthorizerNone && authz != config.AuthorizerAWSIAM {
		route.Scopes = scopes
	} else if explicitScopes && len(scopes) > 0 {
		c.errorf(props.Get("Auth"), pp+".Auth.AuthorizationScopes", "AuthorizationScopes need a JWT or Cognito authorizer, not %s", authz)
	}
	for _, r := range b.api.Routes {
		if r.Route == key {
			c.errorf(props, pp, "route %q is already defined on %s", key, b.id)
			return
		}
	}
	if rest {
		b.methods = append(b.methods, method{verb: verb, path: pathS})
	}
	c.trace[fmt.Sprintf("apis[@%s].routes[%d]", b.id, len(b.api.Routes))] = tracePoint{path: pp, at: props}
	b.api.Routes = append(b.api.Routes, route)
}

func (c *conv) cognitoEvent(fnName string, props *Node, pp string) {
	poolID, ok := c.getStr(props, "UserPool", pp)
	if !ok {
		c.errorf(props, pp+".UserPool", "a Cognito event needs UserPool")
		return
	}
	pool := c.pools[poolID]
	if pool == nil {
		c.errorf(props.Get("UserPool"), pp+".UserPool", "%q is not a user pool of this template", poolID)
		return
	}
	for _, t := range c.getStrList(props, "Trigger", pp) {
		if !c.setTrigger(pool, t, fnName) {
			c.errorf(props.Get("Trigger"), pp+".Trigger", "unknown Cognito trigger %q (%s)", t, strings.Join(cognitoTriggers(), ", "))
		}
	}
}

// finishAPIs adds CORS preflight routes and resource policies, and appends
// the APIs to the config in template order.
func (c *conv) finishAPIs() {
	for _, id := range c.order {
		b, ok := c.apis[id]
		if !ok {
			continue
		}
		if b.defaultAuth != "" {
			b.api.DefaultAuthorizer = b.defaultAuth
		}
		if b.rest && b.cors != nil {
			c.corsRoutes(b)
		}
		if b.rest && len(b.policies) > 0 {
			b.api.ResourcePolicy = c.resourcePolicy(b)
		}
		idx := len(c.cfg.APIs)
		c.trace[fmt.Sprintf("apis[%d]", idx)] = tracePoint{path: "Resources." + id, at: b.node}
		for k, v := range c.trace {
			if rest, ok := strings.CutPrefix(k, "apis[@"+id+"]"); ok {
				c.trace[fmt.Sprintf("apis[%d]%s", idx, rest)] = v
				delete(c.trace, k)
			}
		}
		c.cfg.APIs = append(c.cfg.APIs, b.api)
	}
}

func (c *conv) corsRoutes(b *apiBuild) {
	byPath := map[string][]string{}
	var paths []string
	for _, m := range b.methods {
		if _, ok := byPath[m.path]; !ok {
			paths = append(paths, m.path)
		}
		byPath[m.path] = append(byPath[m.path], m.verb)
	}
	for _, p := range paths {
		verbs := byPath[p]
		if slices.Contains(verbs, "OPTIONS") {
			continue
		}
		allow := b.cors.methods
		if allow == "" {
			set := map[string]bool{"OPTIONS": true}
			for _, v := range verbs {
				if v == "ANY" {
					for _, a := range []string{"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"} {
						set[a] = true
					}
				} else {
					set[v] = true
				}
			}
			allow = strings.Join(sortedKeys(set), ",")
		}
		h := map[string]string{"Access-Control-Allow-Origin": b.cors.origin, "Access-Control-Allow-Methods": allow}
		if b.cors.headers != "" {
			h["Access-Control-Allow-Headers"] = b.cors.headers
		}
		if b.cors.maxAge != "" {
			h["Access-Control-Max-Age"] = b.cors.maxAge
		}
		if b.cors.credentials {
			h["Access-Control-Allow-Credentials"] = "true"
		}
		authz := config.AuthorizerNone
		var scopes []string
		if b.corsAuth && b.defaultAuth != "" {
			authz = b.defaultAuth
			scopes = b.scopes[authz]
		}
		b.api.Routes = append(b.api.Routes, config.Route{Route: "OPTIONS " + p, Authorizer: authz, Scopes: scopes,
			Integration: config.Integration{Mock: &config.MockIntegration{Status: 200, Headers: h}}})
	}
}

var pathParam = regexp.MustCompile(`\{[^{}]+\}`)

// resourcePolicy builds the API's resource policy as SAM generates it:
// per method resources execute-api:/{stage}/{METHOD}/{path} ({params} and
// ANY as *), statements for each list, then the custom statements.
func (c *conv) resourcePolicy(b *apiBuild) *config.PolicyDocument {
	var stmts []string
	resFor := func(ms []method) string {
		var rs []string
		for _, m := range ms {
			verb := m.verb
			if verb == "ANY" {
				verb = "*"
			}
			rs = append(rs, quoteJSON("execute-api:/"+b.stage+"/"+verb+pathParam.ReplaceAllString(m.path, "*")))
		}
		return "[" + strings.Join(rs, ",") + "]"
	}
	for _, mp := range b.policies {
		ms := b.methods
		if mp.only != nil {
			ms = []method{*mp.only}
		}
		if len(ms) == 0 {
			c.warnf(mp.spec, mp.path, "the resource policy applies to no method: %s has no routes", b.id)
			continue
		}
		res := resFor(ms)
		allowAll := `{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":` + res + `}`
		list := func(key string) string {
			vals := c.getStrList(mp.spec, key, mp.path)
			q := make([]string, len(vals))
			for i, v := range vals {
				q[i] = quoteJSON(v)
			}
			return "[" + strings.Join(q, ",") + "]"
		}
		vpcCond := func(key, op string) string {
			var vpcs, vpces []string
			for _, v := range c.getStrList(mp.spec, key, mp.path) {
				if strings.HasPrefix(v, "vpce-") {
					vpces = append(vpces, quoteJSON(v))
				} else if strings.HasPrefix(v, "vpc-") {
					vpcs = append(vpcs, quoteJSON(v))
				} else {
					c.errorf(mp.spec.Get(key), joinPath(mp.path, key), "%q is neither a vpc- nor a vpce- id", v)
				}
			}
			var conds []string
			if len(vpcs) > 0 {
				conds = append(conds, `"aws:SourceVpc":[`+strings.Join(vpcs, ",")+`]`)
			}
			if len(vpces) > 0 {
				conds = append(conds, `"aws:SourceVpce":[`+strings.Join(vpces, ",")+`]`)
			}
			return `{"` + op + `":{` + strings.Join(conds, ",") + `}}`
		}
		for _, f := range mp.spec.Fields {
			switch f.Key {
			case "IpRangeWhitelist":
				stmts = append(stmts, allowAll, `{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":`+res+`,"Condition":{"NotIpAddress":{"aws:SourceIp":`+list(f.Key)+`}}}`)
			case "IpRangeBlacklist":
				stmts = append(stmts, allowAll, `{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":`+res+`,"Condition":{"IpAddress":{"aws:SourceIp":`+list(f.Key)+`}}}`)
			case "AwsAccountWhitelist":
				stmts = append(stmts, `{"Effect":"Allow","Principal":{"AWS":`+list(f.Key)+`},"Action":"execute-api:Invoke","Resource":`+res+`}`)
			case "AwsAccountBlacklist":
				stmts = append(stmts, `{"Effect":"Deny","Principal":{"AWS":`+list(f.Key)+`},"Action":"execute-api:Invoke","Resource":`+res+`}`)
			case "SourceVpcWhitelist":
				stmts = append(stmts, allowAll, `{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":`+res+`,"Condition":`+vpcCond(f.Key, "StringNotEquals")+`}`)
			case "SourceVpcBlacklist":
				stmts = append(stmts, allowAll, `{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":`+res+`,"Condition":`+vpcCond(f.Key, "StringEquals")+`}`)
			case "CustomStatements":
				items := []*Node{f.Value}
				if f.Value.Kind == KindList {
					items = f.Value.Items
				}
				for i, it := range items {
					if it.Kind != KindMap {
						c.errorf(it, fmt.Sprintf("%s.CustomStatements[%d]", mp.path, i), "a statement is a map")
						continue
					}
					d := c.policyDoc(it, mp.path+".CustomStatements")
					if d != nil {
						stmts = append(stmts, string(d.JSON))
					}
				}
			}
		}
	}
	if len(stmts) == 0 {
		return nil
	}
	return &config.PolicyDocument{JSON: []byte(`{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`)}
}

func quoteJSON(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
