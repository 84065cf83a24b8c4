package cognito

import (
	"context"
	"errors"
	"strings"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse/gatehouse/internal/arn"
	"github.com/gatehouse/gatehouse/internal/store"
)

// ResolvePool finds a pool served by this process from a reference: a pool
// id, a user pool ARN, the pool's issuer URL, or a pool name (config
// references). It returns the pool id and issuer.
func (s *Server) ResolvePool(ctx context.Context, ref string) (poolID, issuer string, ok bool) {
	if ref == "" {
		return "", "", false
	}
	lookup := func(id string) (store.UserPool, bool) {
		p, err := s.st.GetUserPool(ctx, id)
		return p, err == nil
	}
	if _, id, ok := arn.ParseUserPool(ref); ok {
		if p, ok := lookup(id); ok {
			return p.ID, s.Issuer(p), true
		}
		return "", "", false
	}
	if strings.Contains(ref, "://") {
		i := strings.LastIndexByte(ref, '/')
		if p, ok := lookup(ref[i+1:]); ok && s.Issuer(p) == ref {
			return p.ID, ref, true
		}
		return "", "", false
	}
	if p, ok := lookup(ref); ok {
		return p.ID, s.Issuer(p), true
	}
	p, found, err := s.findPoolByName(ctx, ref)
	if err != nil || !found {
		return "", "", false
	}
	return p.ID, s.Issuer(p), true
}

// PoolKeys returns a function yielding the current public keys of a pool
// (for jwks.LocalOptions.Keys): active keys and retired keys whose tokens
// may still be valid.
func (s *Server) PoolKeys(poolID string) func(ctx context.Context) (jose.JSONWebKeySet, error) {
	return func(ctx context.Context) (jose.JSONWebKeySet, error) {
		if _, err := s.st.GetUserPool(ctx, poolID); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return jose.JSONWebKeySet{}, poolNotFound(poolID)
			}
			return jose.JSONWebKeySet{}, err
		}
		return s.cfg.Signer.JWKS(ctx, poolID)
	}
}
