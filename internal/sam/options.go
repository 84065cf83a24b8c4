package sam

import (
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/gatehouse/gatehouse/internal/config"
)

// Options control template evaluation.
type Options struct {
	// Region, AccountID and StackName are the pseudo parameters
	// AWS::Region, AWS::AccountId and AWS::StackName (defaults us-east-1,
	// 123456789012, "gatehouse").
	Region    string
	AccountID string
	StackName string
	// ParameterOverrides set template parameters (as sam deploy
	// --parameter-overrides Key=Value).
	ParameterOverrides map[string]string
	// AllowUnsupported turns errors about unsupported security-relevant
	// properties into warnings. Features gatehouse does not have yet
	// (Lambda authorizers, API keys, usage plans) stay errors.
	AllowUnsupported bool
	// Rand generates secret access keys; crypto/rand when nil.
	Rand io.Reader
}

func (o Options) withDefaults() Options {
	if o.Region == "" {
		o.Region = config.DefaultRegion
	}
	if o.AccountID == "" {
		o.AccountID = config.DefaultAccountID
	}
	if o.StackName == "" {
		o.StackName = "gatehouse"
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	return o
}

var overrideKey = regexp.MustCompile(`^[A-Za-z0-9]+$`)

// ParseOverrides parses "Key=Value" arguments (several may share one
// argument separated by spaces, as sam accepts "A=1 B=2"; values may be
// quoted: ParameterKey=K,ParameterValue=V is accepted too).
func ParseOverrides(args []string) (map[string]string, error) {
	out := map[string]string{}
	for _, a := range args {
		for _, kv := range splitOverrides(a) {
			var k, v string
			if rest, ok := strings.CutPrefix(kv, "ParameterKey="); ok {
				var found bool
				k, v, found = strings.Cut(rest, ",ParameterValue=")
				if !found {
					return nil, fmt.Errorf("parameter override %q: want ParameterKey=K,ParameterValue=V", kv)
				}
			} else {
				var found bool
				k, v, found = strings.Cut(kv, "=")
				if !found {
					return nil, fmt.Errorf("parameter override %q: want Key=Value", kv)
				}
			}
			if !overrideKey.MatchString(k) {
				return nil, fmt.Errorf("parameter override %q: %q is not a parameter name", kv, k)
			}
			if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
				v = v[1 : len(v)-1]
			}
			out[k] = v
		}
	}
	return out, nil
}

// splitOverrides splits on spaces outside quotes.
func splitOverrides(s string) []string {
	var out []string
	var cur strings.Builder
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote = r
			cur.WriteRune(r)
		case r == ' ' || r == '\t' || r == '\n':
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

func readFull(r io.Reader, b []byte) (int, error) { return io.ReadFull(r, b) }

// ConvertFile reads the template at path and converts it. See Convert.
func ConvertFile(path string, opts Options) (*Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open template: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxTemplateSize+1))
	if err != nil {
		return nil, fmt.Errorf("read template %s: %w", path, err)
	}
	return Convert(path, data, opts)
}

// LoadConfigFile is the entry point for `gatehouse serve FILE` and
// `gatehouse validate FILE`: when FILE is a SAM/CloudFormation template
// (IsTemplate) it is converted with opts; otherwise it is parsed as a
// native config with config.Parse and the Result has only Config set.
// Errors are config.Errors (file:line:column) in both cases.
func LoadConfigFile(path string, opts Options) (*Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, config.MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	if !IsTemplate(data) {
		cfg, err := config.Parse(path, data)
		if err != nil {
			return nil, err
		}
		return &Result{Config: cfg}, nil
	}
	res, err := Convert(path, data, opts)
	if err != nil {
		return nil, err
	}
	res.Template = true
	return res, nil
}
