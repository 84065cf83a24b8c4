package sam

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"

	"github.com/gatehouse/gatehouse/internal/config"
)

// Implicit API logical ids SAM creates for function events without an API.
const (
	ImplicitHTTPAPI = "ServerlessHttpApi"
	ImplicitRESTAPI = "ServerlessRestApi"
)

// resource is one entry of Resources (or an implicit one SAM generates).
type resource struct {
	id    string
	typ   string
	node  *Node // the resource map
	props *Node // Properties (raw, Globals merged for serverless types)
	// implicit resources have no node.
	implicit bool
	// enabled is false when the resource's Condition is false.
	enabled bool
	// name memoises the physical name; state detects cycles.
	name  string
	state uint8
}

// resources answers Ref and Fn::GetAtt for the template's resources.
type resources struct {
	e       *evaluator
	byID    map[string]*resource
	secrets map[string]string
}

func (r *resources) known(id string) bool { _, ok := r.byID[id]; return ok }

// physical returns the resource's physical name or id (what Ref returns),
// evaluating the naming property when there is one, with cycle detection.
func (r *resources) physical(res *resource, at *Node, path string) (string, bool) {
	switch res.state {
	case 2:
		return res.name, res.name != ""
	case 1:
		r.e.errorf(at, path, "circular reference: resource %s refers to itself through its name", res.id)
		return "", false
	}
	res.state = 1
	name, ok := r.computeName(res)
	res.state = 2
	if !ok {
		res.name = ""
		return "", false
	}
	res.name = name
	return name, true
}

func (r *resources) prop(res *resource, key string) (string, bool, bool) {
	n := res.props.Get(key)
	if n == nil {
		return "", false, true
	}
	v := r.e.eval(n, joinPath("Resources."+res.id+".Properties", key))
	if v == r.e.bad {
		return "", true, false
	}
	if v == r.e.none {
		return "", false, true
	}
	s, ok := str(v)
	if !ok {
		r.e.errorf(n, joinPath("Resources."+res.id+".Properties", key), "%s must be a string, got %s", key, v.describe())
		return "", true, false
	}
	return s, true, true
}

// computeName derives the physical name of res from its naming property or
// the stack options; errors in the property are reported by prop.
func (r *resources) computeName(res *resource) (string, bool) {
	o := r.e.opts
	named := func(key string) (string, bool) {
		s, set, ok := r.prop(res, key)
		if !ok {
			return "", false
		}
		if !set {
			return res.id, true
		}
		return s, true
	}
	switch res.typ {
	case "AWS::Serverless::Function":
		return named("FunctionName")
	case "AWS::Serverless::HttpApi", "AWS::Serverless::Api":
		return config.DeriveAPIID(o.StackName + "/" + res.id), true
	case "AWS::Cognito::UserPool":
		return o.Region + "_" + derive(o.StackName+"/pool/"+res.id, 9, alnumMixed), true
	case "AWS::Cognito::UserPoolClient":
		return derive(o.StackName+"/client/"+res.id, 26, alnumLower), true
	case "AWS::Cognito::UserPoolGroup":
		return named("GroupName")
	case "AWS::Cognito::UserPoolUser":
		return named("Username")
	case "AWS::Cognito::UserPoolDomain":
		return named("Domain")
	case "AWS::Cognito::UserPoolResourceServer":
		return named("Identifier")
	case "AWS::IAM::User":
		return named("UserName")
	case "AWS::IAM::Role":
		return named("RoleName")
	case "AWS::IAM::Policy":
		return named("PolicyName")
	case "AWS::IAM::ManagedPolicy":
		n, ok := named("ManagedPolicyName")
		if !ok {
			return "", false
		}
		p, set, ok := r.prop(res, "Path")
		if !ok {
			return "", false
		}
		if !set {
			p = "/"
		}
		return fmt.Sprintf("arn:%s:iam::%s:policy%s%s", r.e.partition(), o.AccountID, p, n), true
	case "AWS::IAM::AccessKey":
		return "AKIA" + derive(o.StackName+"/key/"+res.id, 16, base32Upper), true
	case "implicit::FunctionRole":
		return res.id, true
	}
	return res.id, true
}

// ref answers Ref to a resource. ok is false after an error was reported.
func (r *resources) ref(id string, at *Node, path string) (string, bool) {
	res, ok := r.byID[id]
	if !ok {
		return "", false
	}
	if !res.enabled {
		r.e.errorf(at, path, "Ref to %s, whose Condition is false (the resource is not created)", id)
		return "", false
	}
	return r.physical(res, at, path)
}

// attributes per type: name → how to compute.
func (r *resources) getAtt(id, attr string, at *Node, path string) (string, bool) {
	res := r.byID[id]
	if !res.enabled {
		r.e.errorf(at, path, "Fn::GetAtt %s.%s: the resource's Condition is false (it is not created)", id, attr)
		return "", false
	}
	o := r.e.opts
	part := r.e.partition()
	name, ok := r.physical(res, at, path)
	if !ok {
		return "", false
	}
	suffix, _ := r.e.pseudo("AWS::URLSuffix")
	var attrs map[string]string
	switch res.typ {
	case "AWS::Serverless::Function":
		attrs = map[string]string{"Arn": fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", part, o.Region, o.AccountID, name)}
	case "AWS::Serverless::HttpApi":
		attrs = map[string]string{"ApiEndpoint": fmt.Sprintf("https://%s.execute-api.%s.%s", name, o.Region, suffix), "ApiId": name}
	case "AWS::Serverless::Api":
		attrs = map[string]string{"RootResourceId": derive(name+"/root", 10, alnumLower)}
	case "AWS::Cognito::UserPool":
		attrs = map[string]string{
			"Arn":          fmt.Sprintf("arn:%s:cognito-idp:%s:%s:userpool/%s", part, o.Region, o.AccountID, name),
			"ProviderName": fmt.Sprintf("cognito-idp.%s.%s/%s", o.Region, suffix, name),
			"ProviderURL":  fmt.Sprintf("https://cognito-idp.%s.%s/%s", o.Region, suffix, name),
			"UserPoolId":   name,
		}
	case "AWS::Cognito::UserPoolClient":
		if attr == "ClientSecret" {
			r.e.errorf(at, path, "Fn::GetAtt %s.ClientSecret is not supported yet (client secrets are generated by the user pool at start)", id)
			return "", false
		}
		attrs = map[string]string{"ClientId": name}
		if n, set, ok := r.prop(res, "ClientName"); ok && set {
			attrs["Name"] = n
		}
	case "AWS::IAM::Role", "implicit::FunctionRole":
		p := "/"
		if res.typ == "AWS::IAM::Role" {
			if s, set, ok := r.prop(res, "Path"); ok && set {
				p = s
			}
		}
		attrs = map[string]string{"Arn": fmt.Sprintf("arn:%s:iam::%s:role%s%s", part, o.AccountID, p, name), "RoleId": "AROA" + derive(name, 17, base32Upper)}
	case "AWS::IAM::User":
		p := "/"
		if s, set, ok := r.prop(res, "Path"); ok && set {
			p = s
		}
		attrs = map[string]string{"Arn": fmt.Sprintf("arn:%s:iam::%s:user%s%s", part, o.AccountID, p, name)}
	case "AWS::IAM::ManagedPolicy":
		attrs = map[string]string{"PolicyArn": name}
	case "AWS::IAM::AccessKey":
		if attr == "SecretAccessKey" {
			s, ok := r.secret(id)
			if !ok {
				r.e.errorf(at, path, "cannot generate a secret access key for %s", id)
				return "", false
			}
			return s, true
		}
		attrs = map[string]string{}
	default:
		if _, handled := resourceSpecs()[res.typ]; !handled {
			// Ignored resource types (warned about): a stable placeholder.
			return id + "." + attr, true
		}
		attrs = map[string]string{}
	}
	if v, ok := attrs[attr]; ok {
		return v, true
	}
	known := make([]string, 0, len(attrs))
	for k := range attrs {
		known = append(known, k)
	}
	if res.typ == "AWS::IAM::AccessKey" {
		known = append(known, "SecretAccessKey")
	}
	sort.Strings(known)
	r.e.errorf(at, path, "Fn::GetAtt %s.%s: %s has no attribute %q gatehouse knows (known: %s)", id, attr, res.typ, attr, strings.Join(known, ", "))
	return "", false
}

// secret returns the generated secret access key of an AccessKey resource.
func (r *resources) secret(id string) (string, bool) {
	if s, ok := r.secrets[id]; ok {
		return s, true
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	buf := make([]byte, 40)
	if _, err := readFull(r.e.opts.Rand, buf); err != nil {
		return "", false
	}
	for i := range buf {
		buf[i] = alphabet[int(buf[i])%len(alphabet)]
	}
	r.secrets[id] = string(buf)
	return r.secrets[id], true
}

const (
	alnumMixed  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	alnumLower  = "abcdefghijklmnopqrstuvwxyz0123456789"
	base32Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
)

// derive returns n characters of alphabet derived from seed: stable ids
// for resources whose AWS ids are generated, so restarts keep them.
func derive(seed string, n int, alphabet string) string {
	out := make([]byte, 0, n)
	for ctr := uint32(0); len(out) < n; ctr++ {
		var c [4]byte
		binary.BigEndian.PutUint32(c[:], ctr)
		sum := sha256.Sum256(append([]byte("gatehouse-sam\x00"+seed+"\x00"), c[:]...))
		for _, b := range sum {
			if len(out) == n {
				break
			}
			out = append(out, alphabet[int(b)%len(alphabet)])
		}
	}
	return string(out)
}

// stableUUID returns a UUID-shaped string derived from seed.
func stableUUID(seed string) string {
	h := derive(seed, 32, "0123456789abcdef")
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
