package cognito

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/internal/sigv4"
)

// SigV4 is an Authenticator that accepts requests signed (service
// cognito-idp) with the root credentials.
type SigV4 struct {
	v *sigv4.Verifier
}

var _ Authenticator = (*SigV4)(nil)

// NewSigV4 returns an Authenticator for one access key pair (from
// GATEHOUSE_ACCESS_KEY_ID / GATEHOUSE_SECRET_ACCESS_KEY, read by the caller).
func NewSigV4(region, accessKeyID, secretAccessKey string, now func() time.Time) (*SigV4, error) {
	if accessKeyID == "" || secretAccessKey == "" {
		return nil, errors.New("cognito: root credentials are required for SigV4")
	}
	lookup := func(_ context.Context, id string) (sigv4.Credential, error) {
		if subtle.ConstantTimeCompare([]byte(id), []byte(accessKeyID)) != 1 {
			return sigv4.Credential{}, sigv4.ErrUnknownAccessKey
		}
		return sigv4.Credential{AccessKeyID: accessKeyID, SecretAccessKey: secretAccessKey}, nil
	}
	v, err := sigv4.NewVerifier(sigv4.Options{Region: region, Service: "cognito-idp", Lookup: lookup, Now: now, AllowUnsignedPayload: false})
	if err != nil {
		return nil, fmt.Errorf("sigv4 verifier: %w", err)
	}
	return &SigV4{v: v}, nil
}

// Authenticate implements Authenticator.
func (a *SigV4) Authenticate(ctx context.Context, r *http.Request, body []byte) error {
	req := sigv4.FromHTTP(r)
	req.PayloadHash = sigv4.HashPayload(body)
	_, err := a.v.Verify(ctx, req)
	if err == nil {
		return nil
	}
	var se *sigv4.Error
	if errors.As(err, &se) {
		status := http.StatusForbidden
		if se.Code == sigv4.CodeIncompleteSignature {
			status = http.StatusBadRequest
		}
		return &APIError{Type: se.Code.ErrorType(), Message: se.Message, Status: status}
	}
	return fmt.Errorf("verify signature: %w", err)
}
