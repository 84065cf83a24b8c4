package jwtauth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
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

	// scratch pools the working memory of verifications (*scratch).
	scratch sync.Pool
	// header remembers the last JOSE header parsed (see headerMemo).
	header atomic.Pointer[headerMemo]
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
	v.scratch.New = func() any { return new(scratch) }
	return v, nil
}

// verify checks a bare token: size, cache, syntax, algorithm, issuer,
// audience, time claims, key and signature, in that order (cheap checks
// first, so forged tokens cost no key fetch and no signature check).
func (v *verifier) verify(ctx context.Context, tok string) (*verified, error) {
	if len(tok) > v.maxBytes {
		return nil, errTooLarge
	}
	s := v.scratch.Get().(*scratch)
	out, err := v.verifyWith(ctx, tok, s)
	s.reset()
	if cap(s.tok)+cap(s.buf) <= maxPooledScratch && cap(s.members) <= maxPooledMembers {
		v.scratch.Put(s)
	}
	return out, err
}

func (v *verifier) verifyWith(ctx context.Context, tok string, s *scratch) (*verified, error) {
	now := v.now()
	var ck cacheKey
	if v.cache != nil {
		s.tok = append(s.tok[:0], tok...)
		ck = cacheKey{owner: v.owner, sum: sha256.Sum256(s.tok)}
		if e := v.cache.get(ck, now); e != nil {
			cur, err := v.issuers[e.source].keys.Key(ctx, e.kid)
			if err == nil && cur == e.key {
				return e, nil
			}
			// The key was rotated away or replaced: verify again.
			v.cache.remove(ck)
		}
	}
	c, err := parseToken(tok, s, &v.header)
	if err != nil {
		return nil, err
	}
	if !v.algs.has(c.header.Alg) {
		return nil, fmt.Errorf("%w: %q", errAlg, c.header.Alg)
	}
	// One copy of the payload: every claim name and string value the
	// principal keeps is a substring of it, and Claims scans it again.
	payload := string(c.payload)
	claims, err := scanClaims(payload, s.members[:0])
	s.members = claims.members
	if err != nil {
		return nil, fmt.Errorf("%w: payload: %w", errMalformed, err)
	}
	iss, _, err := claims.stringClaim(claims.iss, "iss")
	if err != nil {
		return nil, err
	}
	src, ok := v.byIss[iss]
	if !ok {
		return nil, errIssuer
	}
	if v.audiences != nil {
		if err := claims.audienceMatches(v.audiences); err != nil {
			return nil, err
		}
	}
	exp, err := claims.timeClaims(now, v.skew)
	if err != nil {
		return nil, err
	}
	scopes, err := claims.tokenScopes()
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
	if err := verifySignature(&c, key, v.algs); err != nil {
		return nil, err
	}
	sub, _, err := claims.stringClaim(claims.sub, "sub")
	if err != nil {
		return nil, err
	}
	out := &verified{
		exp:     exp,
		key:     key,
		kid:     c.header.Kid,
		source:  src,
		payload: payload,
		scopes:  scopes,
		sub:     sub,
	}
	if claims.tokenUse >= 0 && claims.members[claims.tokenUse].kind == kindString {
		out.tokenUse = claims.members[claims.tokenUse].str
	}
	if claims.aud >= 0 && claims.members[claims.aud].kind == kindString {
		out.aud, out.audIsString = claims.members[claims.aud].str, true
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
