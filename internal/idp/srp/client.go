package srp

import (
	"fmt"
	"io"
	"math/big"
)

// ClientEphemeral draws the client secret a (128 random bytes mod N) and
// returns a and A = g^a mod N, redrawing if A ≡ 0. Used by gatehouse's
// own login command and tests; a server never needs it.
func ClientEphemeral(r io.Reader) (a, bigA *big.Int, err error) {
	for range 8 {
		buf := make([]byte, 128)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, nil, fmt.Errorf("read ephemeral: %w", err)
		}
		a = new(big.Int).Mod(new(big.Int).SetBytes(buf), grp.n)
		bigA = new(big.Int).Exp(grp.g, a, grp.n)
		if bigA.Sign() != 0 {
			return a, bigA, nil
		}
	}
	return nil, nil, fmt.Errorf("srp: could not draw a valid ephemeral")
}

// ClientKey computes the session key as Cognito's client libraries do:
// S = (B - k*g^x)^(a + u*x) mod N, K = DeriveKey(S, u). It refuses
// B ≡ 0 and u = 0.
func ClientKey(a, bigA, bigB *big.Int, poolName, username, password, saltHex string) ([]byte, error) {
	if new(big.Int).Mod(bigB, grp.n).Sign() == 0 {
		return nil, fmt.Errorf("srp: invalid SRP_B")
	}
	u := U(bigA, bigB)
	if u.Sign() == 0 {
		return nil, ErrZeroU
	}
	x, err := X(poolName, username, password, saltHex)
	if err != nil {
		return nil, err
	}
	base := new(big.Int).Exp(grp.g, x, grp.n)
	base.Mul(base, grp.k)
	base.Sub(bigB, base)
	base.Mod(base, grp.n)
	exp := new(big.Int).Mul(u, x)
	exp.Add(exp, a)
	return DeriveKey(new(big.Int).Exp(base, exp, grp.n), u), nil
}
