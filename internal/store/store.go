package store

// Store is everything gatehouse persists. Backends implement it whole.
type Store interface {
	UserPoolStore
	ClientStore
	UserStore
	GroupStore
	TokenStore
	KeyStore
	MetaStore
	// Close releases the backend's resources. The Store must not be used after.
	Close() error
}
