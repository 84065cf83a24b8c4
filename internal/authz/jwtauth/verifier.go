package jwtauth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gatehouse/gatehouse/internal/jwks"
)

// DefaultMaxTokenBytes bounds the size of a token before any parsing.
const DefaultMaxTokenBytes = 16 << 10

var errTooLarge = errors.New("token larger than the size bound")

type issuer struct {
	iss  string
	keys jwks.KeySource
}

// verifier holds what every token check of one authorizer needs.
type verifier struct {
	issuers []issuer
	byIss   map[string]int
	// audiences, when not nil, must match aud or client_id.
	audiences []string
	algs      algSet
	skew      time.Duration
	now       func() time.Time
	cache     *Cache
	owner     uint64
	maxBytes  int
	log       *slog.Logger
}

type verifierOptions struct {
	issuers    []issuer
	audiences  []string
	algorithms []string
	skew       time.Duration
	now        func() time.Time
	cache      *Cache
	maxBytes   int
	log        *slog.Logger
}

func newVerifier(o verifierOptions) (*verifier, error) {
	if len(o.issuers) == 0 {
		return nil, errors.New("no issuer")
	}
	v := &verifier{
		issuers:   o.issuers,
		byIss:     make(map[string]int, len(o.issuers)),
		audiences: o.audiences,
		skew:      o.skew,
		now:       o.now,
		cache:     o.cache,
		maxBytes:  o.maxBytes,
		log:       o.log,
	}
	for i, is := range o.issuers {
		if is.iss == "" {
			return nil, errors.New("empty issuer")
		}
		if is.keys == nil {
			return nil, fmt.Errorf("issuer %q has no key source", is.iss)
		}
		if _, dup := v.byIss[is.iss]; dup {
			return nil, fmt.Errorf("issuer %q listed twice", is.iss)
		}
		v.byIss[is.iss] = i
	}
	algs, err := newAlgSet(o.algorithms)
	if err != nil {
		return nil, err
	}
	v.algs = algs
	if v.skew < 0 {
		return nil, errors.New("negative clock skew")
	}
	if v.now == nil {
		v.now = time.Now
	}
	if v.cache != nil {
		v.owner = v.cache.owner()
	}
	if v.maxBytes <= 0 {
		v.maxBytes = DefaultMaxTokenBytes
	}
	if v.log == nil {
		v.log = slog.New(slog.DiscardHandler)
	}
	return v, nil
}

// verify checks a bare token: size, cache, syntax, algorithm, issuer,
// audience, time claims, key and signature, in that order (cheap checks
// first, so forged tokens cost no key fetch and no signature check).
func (v *verifier) verify(ctx context.Context, tok string) (*verified, error) {
	if len(tok) > v.maxBytes {
		return nil, errTooLarge
	}
	now := v.now()
	var ck cacheKey
	if v.cache != nil {
		ck = cacheKey{owner: v.owner, sum: sha256.Sum256([]byte(tok))}
		if e := v.cache.get(ck, now); e != nil {
			cur, err := v.issuers[e.source].keys.Key(ctx, e.kid)
			if err == nil && cur == e.key {
				return e, nil
			}
			// The key was rotated away or replaced: verify again.
			v.cache.remove(ck)
		}
	}
	c, err := parseCompact(tok)
	if err != nil {
		return nil, err
	}
	if !v.algs.has(c.header.Alg) {
		return nil, fmt.Errorf("%w: %q", errAlg, c.header.Alg)
	}
	claims, err := decodeObject(c.payload)
	if err != nil {
		return nil, fmt.Errorf("%w: payload: %w", errMalformed, err)
	}
	iss, _, err := stringClaim(claims, "iss")
	if err != nil {
		return nil, err
	}
	src, ok := v.byIss[iss]
	if !ok {
		return nil, errIssuer
	}
	if v.audiences != nil {
		if err := audienceMatches(claims, v.audiences); err != nil {
			return nil, err
		}
	}
	exp, err := timeClaims(claims, now, v.skew)
	if err != nil {
		return nil, err
	}
	scopes, err := tokenScopes(claims)
	if err != nil {
		return nil, err
	}
	if c.header.Kid == "" {
		return nil, fmt.Errorf("%w: token has no kid", jwks.ErrUnknownKey)
	}
	key, err := v.issuers[src].keys.Key(ctx, c.header.Kid)
	if err != nil {
		return nil, err
	}
	if err := verifySignature(c, key, v.algs); err != nil {
		return nil, err
	}
	sub, _, err := stringClaim(claims, "sub")
	if err != nil {
		return nil, err
	}
	use, _ := claims["token_use"].(string)
	out := &verified{
		exp:             exp,
		key:             key,
		kid:             c.header.Kid,
		source:          src,
		claims:          claims,
		principalClaims: RenderClaims(claims),
		scopes:          scopes,
		sub:             sub,
		tokenUse:        use,
	}
	if v.cache != nil {
		v.cache.put(ck, out)
	}
	return out, nil
}

// reason names a verification failure for logs and traces (never the token).
func reason(err error) string {
	for _, e := range []error{errTooLarge, errMalformed, errAlg, errIssuer, errAudience, errExpired, errNotYet, errIssued, errClaims, jwks.ErrUnknownKey, errKey, errSignature} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	return "verification failed"
}
