package config

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Position returns the position in the config file of a path inside the
// policy document, written with the document's keys and list indexes:
// "Statement[1].Action", "Statement[0].Condition.IpAddress". The empty path
// is the document itself. A key's position is its value's when that is a
// scalar, else the key's (as for every path Parse records). ok is false when the document was not decoded
// from a file or the path does not exist in it.
//
// Validation code in this package does not need it: problems added at
// "<field path>.Statement[1].Action" are positioned automatically by Parse.
func (d *PolicyDocument) Position(path string) (p Pos, ok bool) {
	if d == nil || d.node == nil {
		return Pos{}, false
	}
	n := d.node
	last := nodePos(n)
	for rest := path; rest != ""; {
		var key string
		var idx = -1
		switch {
		case rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return Pos{}, false
			}
			inner := rest[1:end]
			if strings.HasPrefix(inner, `"`) {
				k, err := strconv.Unquote(inner)
				if err != nil {
					return Pos{}, false
				}
				key = k
			} else {
				i, err := strconv.Atoi(inner)
				if err != nil {
					return Pos{}, false
				}
				idx = i
			}
			rest = rest[end+1:]
		default:
			end := strings.IndexAny(rest, ".[")
			if end < 0 {
				end = len(rest)
			}
			key, rest = rest[:end], rest[end:]
		}
		rest = strings.TrimPrefix(rest, ".")
		n = resolve(n)
		if idx >= 0 {
			if n.Kind != yaml.SequenceNode || idx >= len(n.Content) {
				return Pos{}, false
			}
			n = n.Content[idx]
			last = nodePos(n)
			continue
		}
		if n.Kind != yaml.MappingNode {
			return Pos{}, false
		}
		found := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := resolve(n.Content[i]); k.Kind == yaml.ScalarNode && k.Value == key {
				last = fieldPos(k, n.Content[i+1])
				n = n.Content[i+1]
				found = true
				break
			}
		}
		if !found {
			return Pos{}, false
		}
	}
	return last, true
}

// MarshalJSON returns the document's JSON (null when empty).
func (d PolicyDocument) MarshalJSON() ([]byte, error) {
	if len(d.JSON) == 0 {
		return []byte("null"), nil
	}
	return d.JSON, nil
}

// UnmarshalJSON keeps a copy of the raw document.
func (d *PolicyDocument) UnmarshalJSON(b []byte) error {
	if !json.Valid(b) {
		return errors.New("config: invalid policy document JSON")
	}
	d.JSON = append([]byte(nil), b...)
	d.node = nil
	return nil
}

// String formats the duration as Go does ("30s").
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText writes the duration as a Go duration string, so JSON dumps of
// a Config read like the file.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}
