package pipeline

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"

	"github.com/gatehouse/gatehouse/internal/exchange"
)

// newRequestIDs returns the request id and extended request id in the form
// the API kind uses: REST a UUID plus a base64 extended id, HTTP a 16-char
// base64 id (like "Mc7UVioPPHcEKPA="). Ids must be unique, not secret, so
// they come from math/rand/v2's ChaCha8 generator (seeded from the OS,
// no system call per request).
func newRequestIDs(kind exchange.Kind) (string, string) {
	var b [32]byte
	for i := 0; i < len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], rand.Uint64())
	}
	if kind == exchange.HTTP {
		return base64.StdEncoding.EncodeToString(b[:11]), ""
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var u [36]byte
	hex.Encode(u[0:8], b[0:4])
	u[8] = '-'
	hex.Encode(u[9:13], b[4:6])
	u[13] = '-'
	hex.Encode(u[14:18], b[6:8])
	u[18] = '-'
	hex.Encode(u[19:23], b[8:10])
	u[23] = '-'
	hex.Encode(u[24:36], b[10:16])
	return string(u[:]), base64.StdEncoding.EncodeToString(b[16:27])
}
