package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// node is one JSON value with its byte offset, keeping object member order
// and rejecting duplicate member names (a policy with two "Effect" members
// is ambiguous, so it is refused rather than resolved last-wins).
type node struct {
	kind  nodeKind
	str   string // string value, or number literal
	b     bool
	keys  []string
	vals  []*node
	elems []*node
	off   int64
}

type nodeKind uint8

const (
	jsonNull nodeKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

func (k nodeKind) String() string {
	return [...]string{"null", "boolean", "number", "string", "array", "object"}[k]
}

const maxDepth = 32

// errAt is a JSON syntax problem at a byte offset.
type errAt struct {
	off int64
	msg string
}

func (e *errAt) Error() string { return fmt.Sprintf("offset %d: %s", e.off, e.msg) }

// decodeTree parses data into a node tree.
func decodeTree(data []byte) (*node, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	n, err := readNode(d, data, 0)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, &errAt{off: d.InputOffset(), msg: "unexpected data after the policy document"}
	}
	return n, nil
}

// valueStart skips whitespace, ':' and ',' to find where the next token
// starts (InputOffset points just after the previous token).
func valueStart(data []byte, off int64) int64 {
	for off < int64(len(data)) {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ':', ',':
			off++
		default:
			return off
		}
	}
	return off
}

func readNode(d *json.Decoder, data []byte, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, &errAt{off: d.InputOffset(), msg: "nesting too deep"}
	}
	off := valueStart(data, d.InputOffset())
	tok, err := d.Token()
	if err != nil {
		return nil, syntaxErr(d, err)
	}
	n := &node{off: off}
	switch v := tok.(type) {
	case nil:
		n.kind = jsonNull
	case bool:
		n.kind, n.b = jsonBool, v
	case json.Number:
		n.kind, n.str = jsonNumber, v.String()
	case string:
		n.kind, n.str = jsonString, v
	case json.Delim:
		switch v {
		case '[':
			n.kind = jsonArray
			for d.More() {
				e, err := readNode(d, data, depth+1)
				if err != nil {
					return nil, err
				}
				n.elems = append(n.elems, e)
			}
		case '{':
			n.kind = jsonObject
			var seen memberSet
			for d.More() {
				koff := valueStart(data, d.InputOffset())
				kt, err := d.Token()
				if err != nil {
					return nil, syntaxErr(d, err)
				}
				k, _ := kt.(string)
				if seen.has(n.keys, k) {
					return nil, &errAt{off: koff, msg: fmt.Sprintf("duplicate member %q", k)}
				}
				e, err := readNode(d, data, depth+1)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k)
				n.vals = append(n.vals, e)
			}
		}
		if _, err := d.Token(); err != nil { // closing delimiter
			return nil, syntaxErr(d, err)
		}
	}
	return n, nil
}

func syntaxErr(d *json.Decoder, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &errAt{off: se.Offset, msg: se.Error()}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &errAt{off: d.InputOffset(), msg: "unexpected end of document"}
	}
	return &errAt{off: d.InputOffset(), msg: err.Error()}
}

// memberSet finds duplicate member names: a scan of the names so far for
// the few members policies have, a map once an object grows past
// memberScanMax (so a large object cannot cost a quadratic scan).
type memberSet struct {
	m map[string]struct{}
}

const memberScanMax = 16

// has reports whether k is among keys (the names read so far, in order);
// the caller appends k to keys when it is not.
func (s *memberSet) has(keys []string, k string) bool {
	if len(keys) < memberScanMax {
		for _, prev := range keys {
			if prev == k {
				return true
			}
		}
		return false
	}
	if s.m == nil {
		s.m = make(map[string]struct{}, 2*len(keys))
		for _, prev := range keys {
			s.m[prev] = struct{}{}
		}
	}
	_, dup := s.m[k]
	s.m[k] = struct{}{}
	return dup
}
