package httpproxy

import "testing"

func TestStripPresignParams(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"no signing parameters", "a=1&b=%20&c", "a=1&b=%20&c"},
		{"every signing parameter", "X-Amz-Algorithm=A&X-Amz-Credential=C&X-Amz-Date=D&X-Amz-Expires=1" +
			"&X-Amz-SignedHeaders=host&X-Amz-Signature=00&X-Amz-Security-Token=T", ""},
		{"others kept byte for byte, in order", "z=1&X-Amz-Signature=00&a=%2F&X-Amz-Date=D&m", "z=1&a=%2F&m"},
		{"names any case", "x-amz-signature=00&X-AMZ-DATE=D&x-Amz-Expires=1&keep=1", "keep=1"},
		{"percent-encoded names", "X-Amz-Signatur%65=00&X%2DAmz%2DDate=D&k=v", "k=v"},
		{"lookalikes kept", "X-Amz-Signatures=1&X-Amz-Dat=1&X-Amz-Target=1&Y-Amz-Signature=1", "X-Amz-Signatures=1&X-Amz-Dat=1&X-Amz-Target=1&Y-Amz-Signature=1"},
		{"a name without a value", "X-Amz-Signature&k=v", "k=v"},
		{"empty parts kept", "a=1&&X-Amz-Date=D&", "a=1&&"},
		{"a leading empty part kept", "&a=1&X-Amz-Date=D", "&a=1"},
		{"malformed escape kept as written", "%zz=1&X-Amz-Date=D", "%zz=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := stripPresignParams(tt.in); got != tt.want {
				t.Errorf("stripPresignParams(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
