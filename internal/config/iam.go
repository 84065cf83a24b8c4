package config

// IAM holds IAM principals and managed policies. Owned by the IAM capability.
type IAM struct{}

func (c *Config) validateIAM(p *problems) {}
