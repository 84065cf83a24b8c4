package config

import (
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Function is a local Lambda function run by the functions package. Owned by
// the functions capability.
type Function struct {
	// Name is the function name, as in Lambda: letters, digits, '-' and '_',
	// at most 64 characters. Routes, authorizers and triggers refer to it.
	Name string `yaml:"name" json:"name"`
	// Runtime is "nodejs", "python" or "provided". Lambda's versioned
	// identifiers (nodejs20.x, python3.11, provided.al2023, ...) are accepted
	// and select the same family; see RuntimeFamily.
	Runtime string `yaml:"runtime" json:"runtime"`
	// Handler is "file.export" (Node.js, the file may sit in a subdirectory:
	// "src/app.handler"), "module.function" (Python; packages as "pkg/mod.fn"
	// or "pkg.mod.fn"), and for provided runtimes either empty (the code
	// directory's `bootstrap` is run) or a path to an executable relative to
	// the code directory.
	Handler string `yaml:"handler,omitempty" json:"handler,omitempty"`
	// CodeDir is the function's code directory (LAMBDA_TASK_ROOT). A relative
	// path is relative to the directory of the config file; see ResolveCodeDir.
	CodeDir string `yaml:"codeDir" json:"codeDir"`
	// Environment variables added to the function's environment. Lambda's
	// reserved names (AWS_REGION, _HANDLER, ...) are rejected.
	Environment map[string]string `yaml:"environment,omitempty" json:"environment,omitempty"`
	// Timeout of one invocation; default 3s, at most 900s (as Lambda).
	Timeout Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	// MemorySize in MB, reported to the function (context and REPORT lines);
	// default 128, range 128–10240. Not enforced.
	MemorySize int `yaml:"memorySize,omitempty" json:"memorySize,omitempty"`
	// MaxConcurrency bounds the number of instances (and so concurrent
	// invocations) of the function; default 10, at most 1000.
	MaxConcurrency int `yaml:"maxConcurrency,omitempty" json:"maxConcurrency,omitempty"`
	// IdleTimeout stops an instance that has not been used for this long;
	// default 5m. At least 1s.
	IdleTimeout Duration `yaml:"idleTimeout,omitempty" json:"idleTimeout,omitempty"`
}

// RuntimeFamily is the runtime a Function.Runtime selects.
type RuntimeFamily string

// Runtime families.
const (
	RuntimeNodeJS   RuntimeFamily = "nodejs"
	RuntimePython   RuntimeFamily = "python"
	RuntimeProvided RuntimeFamily = "provided"
)

// Function defaults and limits (Lambda's).
const (
	DefaultFunctionTimeout        = 3 * time.Second
	MaxFunctionTimeout            = 900 * time.Second
	DefaultFunctionMemorySize     = 128
	MinFunctionMemorySize         = 128
	MaxFunctionMemorySize         = 10240
	DefaultFunctionMaxConcurrency = 10
	MaxFunctionMaxConcurrency     = 1000
	DefaultFunctionIdleTimeout    = 5 * time.Minute
)

var (
	functionNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	envNameRE      = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	nodeVersionRE  = regexp.MustCompile(`^nodejs(\d+\.x)?$`)
	pyVersionRE    = regexp.MustCompile(`^python(3(\.\d+)?)?$`)
	providedRE     = regexp.MustCompile(`^provided(\.al2|\.al2023)?$`)
	jsIdentRE      = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)
	pyIdentRE      = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// reservedFunctionEnv are the environment variables Lambda reserves; a
// function's configuration may not set them (Lambda rejects them too).
var reservedFunctionEnv = []string{
	"_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
	"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
	"AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
	"AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
}

// RuntimeFamily returns the family Runtime selects, or "" when Runtime is
// not a supported runtime.
func (f *Function) RuntimeFamily() RuntimeFamily {
	return ParseRuntime(f.Runtime)
}

// ParseRuntime maps a runtime name ("nodejs", "nodejs20.x", "python3.11",
// "provided.al2023", ...) to its family; "" when unsupported.
func ParseRuntime(s string) RuntimeFamily {
	switch {
	case nodeVersionRE.MatchString(s):
		return RuntimeNodeJS
	case pyVersionRE.MatchString(s):
		return RuntimePython
	case providedRE.MatchString(s):
		return RuntimeProvided
	}
	return ""
}

// EffectiveTimeout is Timeout or the default.
func (f *Function) EffectiveTimeout() time.Duration {
	if f.Timeout <= 0 {
		return DefaultFunctionTimeout
	}
	return f.Timeout.D()
}

// EffectiveMemorySize is MemorySize or the default.
func (f *Function) EffectiveMemorySize() int {
	if f.MemorySize <= 0 {
		return DefaultFunctionMemorySize
	}
	return f.MemorySize
}

// EffectiveMaxConcurrency is MaxConcurrency or the default.
func (f *Function) EffectiveMaxConcurrency() int {
	if f.MaxConcurrency <= 0 {
		return DefaultFunctionMaxConcurrency
	}
	return f.MaxConcurrency
}

// EffectiveIdleTimeout is IdleTimeout or the default.
func (f *Function) EffectiveIdleTimeout() time.Duration {
	if f.IdleTimeout <= 0 {
		return DefaultFunctionIdleTimeout
	}
	return f.IdleTimeout.D()
}

// ResolveCodeDir returns CodeDir made absolute against baseDir (the directory
// of the config file) when it is relative.
func (f *Function) ResolveCodeDir(baseDir string) string {
	if filepath.IsAbs(f.CodeDir) || baseDir == "" {
		return f.CodeDir
	}
	return filepath.Join(baseDir, f.CodeDir)
}

// FunctionByName returns the function called name, or nil.
func (c *Config) FunctionByName(name string) *Function {
	for i := range c.Functions {
		if c.Functions[i].Name == name {
			return &c.Functions[i]
		}
	}
	return nil
}

// ValidateHandler checks the syntax of handler for runtime family rt and
// returns a description of the problem, or "".
func ValidateHandler(rt RuntimeFamily, handler string) string {
	switch rt {
	case RuntimeNodeJS:
		i := strings.LastIndex(handler, "/")
		base := handler[i+1:]
		dot := strings.Index(base, ".")
		if dot <= 0 || dot == len(base)-1 {
			return fmt.Sprintf("handler %q must be FILE.EXPORT (e.g. index.handler)", handler)
		}
		for _, part := range strings.Split(base[dot+1:], ".") {
			if !jsIdentRE.MatchString(part) {
				return fmt.Sprintf("handler %q: %q is not a JavaScript identifier", handler, part)
			}
		}
		return checkRelPath(handler[:i+1+dot])
	case RuntimePython:
		dot := strings.LastIndex(handler, ".")
		if dot <= 0 || dot == len(handler)-1 {
			return fmt.Sprintf("handler %q must be MODULE.FUNCTION (e.g. app.handler)", handler)
		}
		if !pyIdentRE.MatchString(handler[dot+1:]) {
			return fmt.Sprintf("handler %q: %q is not a Python identifier", handler, handler[dot+1:])
		}
		for _, part := range strings.FieldsFunc(handler[:dot], func(r rune) bool { return r == '/' || r == '.' }) {
			if !pyIdentRE.MatchString(part) {
				return fmt.Sprintf("handler %q: %q is not a Python module name", handler, part)
			}
		}
		if strings.HasPrefix(handler, "/") || strings.Contains(handler, "//") || strings.Contains(handler, "./") {
			return fmt.Sprintf("handler %q must be MODULE.FUNCTION (e.g. app.handler)", handler)
		}
		return ""
	case RuntimeProvided:
		if handler == "" {
			return ""
		}
		return checkRelPath(handler)
	}
	return ""
}

func checkRelPath(p string) string {
	if p == "" || path.IsAbs(p) {
		return fmt.Sprintf("%q must be a path relative to the code directory", p)
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." || seg == "" {
			return fmt.Sprintf("%q must stay inside the code directory", p)
		}
	}
	return ""
}

func (c *Config) validateFunctions(p *problems) {
	seen := map[string]int{}
	for i := range c.Functions {
		f := &c.Functions[i]
		at := fmt.Sprintf("functions[%d]", i)
		switch {
		case f.Name == "":
			p.add(at+".name", "function name is required")
		case !functionNameRE.MatchString(f.Name):
			p.add(at+".name", "function name %q must be 1-64 letters, digits, '-' or '_'", f.Name)
		default:
			if j, dup := seen[f.Name]; dup {
				p.add(at+".name", "duplicate function name %q (also functions[%d])", f.Name, j)
			} else {
				seen[f.Name] = i
			}
		}
		rt := f.RuntimeFamily()
		switch {
		case f.Runtime == "":
			p.add(at+".runtime", "runtime is required (nodejs, python or provided)")
		case rt == "":
			p.add(at+".runtime", "unsupported runtime %q (want nodejs, python or provided, optionally versioned like nodejs20.x, python3.11, provided.al2023)", f.Runtime)
		}
		if rt == RuntimeNodeJS || rt == RuntimePython {
			if f.Handler == "" {
				p.add(at+".handler", "handler is required for the %s runtime", rt)
			}
		}
		if f.Handler != "" && rt != "" {
			if msg := ValidateHandler(rt, f.Handler); msg != "" {
				p.add(at+".handler", "%s", msg)
			}
		}
		if f.CodeDir == "" {
			p.add(at+".codeDir", "codeDir is required")
		}
		for k := range f.Environment {
			if !envNameRE.MatchString(k) {
				p.add(at+".environment."+k, "environment variable name %q must start with a letter and contain only letters, digits and '_'", k)
				continue
			}
			for _, r := range reservedFunctionEnv {
				if k == r {
					p.add(at+".environment."+k, "environment variable %s is reserved by the Lambda runtime", k)
				}
			}
			if strings.HasPrefix(k, "GATEHOUSE_") {
				p.add(at+".environment."+k, "environment variable %s is reserved for gatehouse", k)
			}
		}
		if f.Timeout < 0 || f.Timeout.D() > MaxFunctionTimeout {
			p.add(at+".timeout", "timeout %s must be between 1s and 900s", f.Timeout.D())
		} else if f.Timeout > 0 && f.Timeout.D() < time.Second {
			p.add(at+".timeout", "timeout %s must be between 1s and 900s", f.Timeout.D())
		}
		if f.MemorySize != 0 && (f.MemorySize < MinFunctionMemorySize || f.MemorySize > MaxFunctionMemorySize) {
			p.add(at+".memorySize", "memorySize %d must be between 128 and 10240 (MB)", f.MemorySize)
		}
		if f.MaxConcurrency < 0 || f.MaxConcurrency > MaxFunctionMaxConcurrency {
			p.add(at+".maxConcurrency", "maxConcurrency %d must be between 1 and %d", f.MaxConcurrency, MaxFunctionMaxConcurrency)
		}
		if f.IdleTimeout < 0 || (f.IdleTimeout > 0 && f.IdleTimeout.D() < time.Second) {
			p.add(at+".idleTimeout", "idleTimeout %s must be at least 1s", f.IdleTimeout.D())
		}
	}
	// Lambda integrations must name a configured function.
	for ai := range c.APIs {
		api := &c.APIs[ai]
		for ri := range api.Routes {
			l := api.Routes[ri].Integration.Lambda
			if l == nil {
				continue
			}
			at := fmt.Sprintf("apis[%d].routes[%d].integration.lambda", ai, ri)
			if l.Function == "" {
				p.add(at+".function", "function is required")
			} else if c.FunctionByName(l.Function) == nil {
				names := make([]string, len(c.Functions))
				for k := range c.Functions {
					names[k] = c.Functions[k].Name
				}
				p.addSuggest(at+".function", nearest(l.Function, names), "unknown function %q", l.Function)
			}
			switch l.PayloadFormatVersion {
			case "", "2.0":
				if l.PayloadFormatVersion == "2.0" && api.Kind == KindREST {
					p.add(at+".payloadFormatVersion", "REST APIs only support payload format 1.0")
				}
			case "1.0":
			default:
				p.add(at+".payloadFormatVersion", "payloadFormatVersion %q must be \"1.0\" or \"2.0\"", l.PayloadFormatVersion)
			}
			if l.Timeout < 0 || (l.Timeout > 0 && l.Timeout.D() < 50*time.Millisecond) || l.Timeout.D() > 30*time.Second {
				p.add(at+".timeout", "timeout %s must be between 50ms and 30s", l.Timeout.D())
			}
		}
	}
}
