package config

// UserPool is a Cognito-compatible user pool. Owned by the user-pools capability.
type UserPool struct {
	Name string `yaml:"name" json:"name"`
}

func (c *Config) validateUserPools(p *problems) {}
