package iam

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/internal/gwresp"
	"github.com/gatehouse/gatehouse/internal/sigv4"
)

// AuthenticatorOptions configure an Authenticator for AWS_IAM routes.
type AuthenticatorOptions struct {
	// Directory returns the current directory (swapped on reload).
	Directory func() *Directory
	// Region is the gateway's region (settings.region).
	Region string
	// Now is the clock.
	Now func() time.Time
	// MaxSkew is the allowed clock skew (iam.clockSkew; default 5m).
	MaxSkew time.Duration
	// AllowUnsignedPayload mirrors iam.allowUnsignedPayload (default false).
	AllowUnsignedPayload bool
	// KeyCacheSize bounds the derived-key cache (default 1024).
	KeyCacheSize int
}

// Authenticator verifies SigV4 on execute-api requests against the
// directory. Safe for concurrent use; one per process (the key cache is
// shared across reloads).
type Authenticator struct {
	v *sigv4.Verifier
}

// NewAuthenticator returns an Authenticator (service "execute-api").
func NewAuthenticator(o AuthenticatorOptions) (*Authenticator, error) {
	if o.Directory == nil {
		return nil, errors.New("iam: authenticator needs a directory")
	}
	v, err := sigv4.NewVerifier(sigv4.Options{
		Region: o.Region, Service: "execute-api", Now: o.Now, MaxSkew: o.MaxSkew,
		AllowUnsignedPayload: o.AllowUnsignedPayload, KeyCacheSize: o.KeyCacheSize,
		Lookup: func(ctx context.Context, id string) (sigv4.Credential, error) { return o.Directory().Lookup(ctx, id) },
	})
	if err != nil {
		return nil, fmt.Errorf("iam: %w", err)
	}
	return &Authenticator{v: v}, nil
}

// Authenticate verifies r, whose body the caller has already read (bounded)
// into body. It returns the caller's identity, or the gateway response to
// send (see GatewayError). The canonical URI is r's request target as
// received, stage included.
func (a *Authenticator) Authenticate(ctx context.Context, r *http.Request, body []byte) (*Identity, *sigv4.Result, *gwresp.Error) {
	var req sigv4.Request
	req.SetFromHTTP(r)
	req.PayloadHash = sigv4.HashPayload(body)
	return a.verify(ctx, &req)
}

// AuthenticateLazy is Authenticate with the payload hash computed on demand:
// hashPayload is called only once the request's SigV4 material, time, scope
// and credentials have passed, so unsigned or otherwise refused requests
// never cause the body to be read. hashPayload returns the lower-case hex
// SHA-256 of the body (sigv4.HashPayload).
func (a *Authenticator) AuthenticateLazy(ctx context.Context, r *http.Request, hashPayload func() (string, error)) (*Identity, *sigv4.Result, *gwresp.Error) {
	var req sigv4.Request
	req.SetFromHTTP(r)
	req.HashPayload = hashPayload
	return a.verify(ctx, &req)
}

// Check is AuthenticateLazy for callers that need only the caller's identity
// and the session token presented (empty when none): it allocates no
// sigv4.Result.
func (a *Authenticator) Check(ctx context.Context, r *http.Request, hashPayload func() (string, error)) (*Identity, string, *gwresp.Error) {
	var req sigv4.Request
	req.SetFromHTTP(r)
	req.HashPayload = hashPayload
	cred, token, err := a.v.VerifyCredential(ctx, &req)
	if err != nil {
		return nil, "", GatewayError(err)
	}
	id, ok := IdentityOf(cred)
	if !ok {
		return nil, "", gwresp.New(gwresp.AuthorizerFailure, errors.New("iam: credential without identity"))
	}
	return id, token, nil
}

// verify checks req's signature and maps the credential to its identity.
func (a *Authenticator) verify(ctx context.Context, req *sigv4.Request) (*Identity, *sigv4.Result, *gwresp.Error) {
	res, err := a.v.Verify(ctx, req)
	if err != nil {
		return nil, nil, GatewayError(err)
	}
	id, ok := IdentityOf(res.Credential)
	if !ok {
		return nil, nil, gwresp.New(gwresp.AuthorizerFailure, errors.New("iam: credential without identity"))
	}
	return id, res, nil
}
