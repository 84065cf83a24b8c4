package telemetry

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

type mapVars map[string]string

func (m mapVars) Lookup(n string) (string, bool) { v, ok := m[n]; return v, ok }

func TestAccessLogLine(t *testing.T) {
	var out bytes.Buffer
	sink, err := OpenSink("stdout", &out, nil)
	if err != nil {
		t.Fatal(err)
	}
	al, err := NewAccessLog("", sink)
	if err != nil {
		t.Fatal(err)
	}
	al.Log(mapVars{
		"context.requestId":         "r-1",
		"context.identity.sourceIp": "192.0.2.1",
		"context.httpMethod":        "GET",
		"context.routeKey":          `GET /a"b`,
		"context.status":            "200",
		"context.error.message":     "",
	})
	if err := sink.Close(); err != nil {
		t.Fatal(err)
	}
	var rec map[string]string
	if err := json.Unmarshal(bytes.TrimSpace(out.Bytes()), &rec); err != nil {
		t.Fatalf("not JSON: %q: %v", out.String(), err)
	}
	if rec["requestId"] != "r-1" || rec["routeKey"] != `GET /a"b` || rec["errorMessage"] != "-" || rec["integrationLatency"] != "-" {
		t.Errorf("record %v", rec)
	}
}

func TestAccessLogFormatOnlyContext(t *testing.T) {
	for _, f := range []string{`$method.request.header.Authorization`, `$stageVariables.x`, `{"a":"$context.requestId","b":"${method.request.querystring.token}"}`} {
		if _, err := NewAccessLog(f, nil); err == nil || !strings.Contains(err.Error(), "only $context") {
			t.Errorf("format %q accepted (%v)", f, err)
		}
	}
}
