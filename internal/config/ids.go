package config

import (
	"crypto/sha256"
	"regexp"
)

var apiIDPattern = regexp.MustCompile(`^[a-z0-9]{1,63}$`)

// DeriveAPIID returns the stable 10-character lowercase alphanumeric id used
// for an API whose config gives no id. It depends only on the name, so the
// id (and the `<id>.execute-api.` host) survives restarts and reloads.
func DeriveAPIID(name string) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	sum := sha256.Sum256([]byte("gatehouse-api-id\x00" + name))
	id := make([]byte, 10)
	for i := range id {
		// 256 is not a multiple of 36; a slight bias does not matter for ids.
		id[i] = alphabet[int(sum[i])%len(alphabet)]
	}
	return string(id)
}
