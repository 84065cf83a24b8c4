package lambdaproxy

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Response is a mapped function result, ready to be written to the client.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// errMalformed marks a result that is not a usable proxy response; the
// client gets the proxy failure response (§9.4).
var errMalformed = errors.New("malformed Lambda proxy response")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errMalformed, fmt.Sprintf(format, args...))
}

// v1Keys are the keys a 1.0 proxy response may have.
var v1Keys = map[string]bool{"statusCode": true, "headers": true, "multiValueHeaders": true, "body": true, "isBase64Encoded": true}

// MapV1 maps a payload format 1.0 result (§9.3). strict rejects unknown
// top-level keys (REST). binaryTypes and accept decide whether a base64 body
// is decoded (REST); with decodeAlways (HTTP APIs) a base64 body is always
// decoded.
func MapV1(result []byte, strict bool, binaryTypes []string, accept string, decodeAlways bool) (*Response, error) {
	obj, err := decodeObject(result)
	if err != nil {
		return nil, err
	}
	if strict {
		for k := range obj {
			if !v1Keys[k] {
				return nil, malformed("unknown key %q", k)
			}
		}
	}
	resp := &Response{Status: http.StatusOK, Header: http.Header{}}
	if raw, ok := obj["statusCode"]; ok {
		if resp.Status, err = statusCode(raw); err != nil {
			return nil, err
		}
	}
	if raw, ok := obj["multiValueHeaders"]; ok && !isNull(raw) {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, malformed("multiValueHeaders is not an object")
		}
		for _, name := range sortedKeys(m) {
			if isNull(m[name]) {
				continue
			}
			if err := addHeaderList(resp.Header, name, m[name], fmt.Sprintf("multiValueHeaders[%q]", name)); err != nil {
				return nil, err
			}
		}
	}
	if err := mapHeaders(obj, resp.Header); err != nil {
		return nil, err
	}
	body, b64, err := bodyFields(obj)
	if err != nil {
		return nil, err
	}
	decode := b64 && decodeAlways
	if b64 && !decode {
		first, _, _ := strings.Cut(accept, ",")
		decode = MatchesMediaType(binaryTypes, strings.TrimSpace(first)) || MatchesMediaType(binaryTypes, resp.Header.Get("Content-Type"))
	}
	if err := setBody(resp, body, decode); err != nil {
		return nil, err
	}
	return resp, nil
}

// MapV2 maps a payload format 2.0 result (§9.3): a JSON object with a
// statusCode is a response object; any other valid JSON becomes a 200
// application/json response whose body is the result (a JSON string
// unwrapped).
func MapV2(result []byte) (*Response, error) {
	trimmed := bytes.TrimSpace(result)
	if !json.Valid(trimmed) {
		return nil, malformed("result is not JSON")
	}
	var obj map[string]json.RawMessage
	if trimmed[0] == '{' {
		if err := json.Unmarshal(trimmed, &obj); err != nil {
			return nil, malformed("result object: %v", err)
		}
	}
	if _, ok := obj["statusCode"]; !ok {
		resp := &Response{Status: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}}
		if trimmed[0] == '"' {
			var s string
			if err := json.Unmarshal(trimmed, &s); err != nil {
				return nil, malformed("result string: %v", err)
			}
			resp.Body = []byte(s)
		} else {
			resp.Body = append([]byte(nil), trimmed...)
		}
		return resp, nil
	}
	resp := &Response{Header: http.Header{}}
	var err error
	if resp.Status, err = statusCode(obj["statusCode"]); err != nil {
		return nil, err
	}
	if err := mapHeaders(obj, resp.Header); err != nil {
		return nil, err
	}
	if raw, ok := obj["cookies"]; ok && !isNull(raw) {
		if err := addHeaderList(resp.Header, "Set-Cookie", raw, "cookies"); err != nil {
			return nil, err
		}
	}
	body, b64, err := bodyFields(obj)
	if err != nil {
		return nil, err
	}
	if err := setBody(resp, body, b64); err != nil {
		return nil, err
	}
	return resp, nil
}

// addHeaderList adds each non-null scalar of the JSON array raw as a value
// of header name; what names the field in errors.
func addHeaderList(h http.Header, name string, raw json.RawMessage, what string) error {
	var vals []json.RawMessage
	if err := json.Unmarshal(raw, &vals); err != nil {
		return malformed("%s is not an array", what)
	}
	for _, v := range vals {
		s, ok, err := scalarString(v)
		if err != nil {
			return malformed("%s: %v", what, err)
		}
		if ok {
			if err := addHeader(h, name, s); err != nil {
				return err
			}
		}
	}
	return nil
}

// setBody sets the response body, base64-decoding it when decode, and the
// default Content-Type application/json when the function set none.
func setBody(resp *Response, body string, decode bool) error {
	if decode {
		d, err := base64.StdEncoding.DecodeString(body)
		if err != nil {
			return malformed("body is not valid base64")
		}
		resp.Body = d
	} else {
		resp.Body = []byte(body)
	}
	if resp.Header.Get("Content-Type") == "" {
		resp.Header.Set("Content-Type", "application/json")
	}
	return nil
}

func decodeObject(result []byte) (map[string]json.RawMessage, error) {
	trimmed := bytes.TrimSpace(result)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, malformed("result is not a JSON object")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &obj); err != nil {
		return nil, malformed("result: %v", err)
	}
	return obj, nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// statusCode accepts an integral number or a numeric string in 100–599.
func statusCode(raw json.RawMessage) (int, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return 0, malformed("statusCode: %v", err)
	}
	var code int
	switch t := v.(type) {
	case float64:
		if t != math.Trunc(t) {
			return 0, malformed("statusCode %v is not an integer", t)
		}
		code = int(t)
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(t))
		if err != nil {
			return 0, malformed("statusCode %q is not a number", t)
		}
		code = n
	default:
		return 0, malformed("statusCode has type %T", v)
	}
	if code < 100 || code > 599 {
		return 0, malformed("statusCode %d out of range", code)
	}
	return code, nil
}

// scalarString renders a header value: strings as is, numbers and booleans
// as text; null is skipped (ok false); objects and arrays are errors.
func scalarString(raw json.RawMessage) (string, bool, error) {
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return "", false, err
	}
	switch t := v.(type) {
	case nil:
		return "", false, nil
	case string:
		return t, true, nil
	case bool:
		return strconv.FormatBool(t), true, nil
	case json.Number:
		return t.String(), true, nil
	}
	return "", false, fmt.Errorf("value is a %T", v)
}

// mapHeaders adds the "headers" object; values from multiValueHeaders added
// before stay first.
func mapHeaders(obj map[string]json.RawMessage, h http.Header) error {
	raw, ok := obj["headers"]
	if !ok || isNull(raw) {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return malformed("headers is not an object")
	}
	for _, name := range sortedKeys(m) {
		s, ok, err := scalarString(m[name])
		if err != nil {
			return malformed("headers[%q]: %v", name, err)
		}
		if ok {
			if err := addHeader(h, name, s); err != nil {
				return err
			}
		}
	}
	return nil
}

// addHeader adds one header, refusing names and values that cannot be sent.
func addHeader(h http.Header, name, value string) error {
	if name == "" || strings.ContainsAny(name, " \t\r\n:") {
		return malformed("invalid header name %q", name)
	}
	if strings.ContainsAny(value, "\r\n\x00") {
		return malformed("invalid value for header %q", name)
	}
	h.Add(name, value)
	return nil
}

// bodyFields returns body (a string or null) and isBase64Encoded.
func bodyFields(obj map[string]json.RawMessage) (string, bool, error) {
	var body string
	if raw, ok := obj["body"]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &body); err != nil {
			return "", false, malformed("body is not a string")
		}
	}
	var b64 bool
	if raw, ok := obj["isBase64Encoded"]; ok && !isNull(raw) {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return "", false, malformed("isBase64Encoded: %v", err)
		}
		switch t := v.(type) {
		case bool:
			b64 = t
		case string:
			b, err := strconv.ParseBool(t)
			if err != nil {
				return "", false, malformed("isBase64Encoded %q", t)
			}
			b64 = b
		default:
			return "", false, malformed("isBase64Encoded has type %T", v)
		}
	}
	return body, b64, nil
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
