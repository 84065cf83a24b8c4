package config

import "time"

// Defaults applied by Parse and Validate.
const (
	DefaultRegion    = "us-east-1"
	DefaultAccountID = "123456789012"
	// DefaultStage is the HTTP API stage served at the root path.
	DefaultStage = "$default"
	// DefaultHTTPTimeout and DefaultRESTTimeout are the integration timeouts
	// used when an integration sets none (AWS: 30 s HTTP APIs, 29 s REST).
	DefaultHTTPTimeout = 30 * time.Second
	DefaultRESTTimeout = 29 * time.Second
	// MinTimeout is the smallest integration timeout AWS accepts.
	MinTimeout = 50 * time.Millisecond
	// DefaultMockStatus is the status of a mock integration that sets none.
	DefaultMockStatus = 200
)

// maxTimeout is the largest integration timeout for kind, and its default.
func maxTimeout(kind APIKind) time.Duration {
	if kind == KindREST {
		return DefaultRESTTimeout
	}
	return DefaultHTTPTimeout
}

// applyDefaults fills in the values the file may omit. It is safe on a
// partially decoded or invalid config: anything it cannot interpret is left
// for validation to report. Kind-dependent defaults are skipped for an
// unknown kind (timeouts then get the HTTP API default; they are not
// range-checked).
func (c *Config) applyDefaults() {
	if c.Settings.Region == "" {
		c.Settings.Region = DefaultRegion
	}
	if c.Settings.AccountID == "" {
		c.Settings.AccountID = DefaultAccountID
	}
	for i := range c.APIs {
		a := &c.APIs[i]
		if a.ID == "" && a.Name != "" {
			a.ID = DeriveAPIID(a.Name)
		}
		if a.Kind == KindHTTP && len(a.Stages) == 0 {
			a.Stages = []Stage{{Name: DefaultStage}}
		}
		for j := range a.Routes {
			in := &a.Routes[j].Integration
			if in.HTTP != nil && in.HTTP.Timeout == 0 {
				in.HTTP.Timeout = Duration(maxTimeout(a.Kind))
			}
			if in.Mock != nil && in.Mock.Status == 0 {
				in.Mock.Status = DefaultMockStatus
			}
			if in.Lambda != nil {
				if in.Lambda.Timeout == 0 {
					in.Lambda.Timeout = Duration(maxTimeout(a.Kind))
				}
				if in.Lambda.PayloadFormatVersion == "" {
					switch a.Kind {
					case KindHTTP:
						in.Lambda.PayloadFormatVersion = "2.0"
					case KindREST:
						in.Lambda.PayloadFormatVersion = "1.0"
					}
				}
			}
		}
	}
}
