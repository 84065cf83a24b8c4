package config

// Function is a local Lambda function. Owned by the functions capability.
type Function struct {
	Name string `yaml:"name" json:"name"`
}

func (c *Config) validateFunctions(p *problems) {}
