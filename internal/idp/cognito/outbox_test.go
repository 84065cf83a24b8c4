package cognito

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

func TestOutbox(t *testing.T) {
	o := newOutbox(3)
	for i := range 5 {
		o.add(Message{PoolID: fmt.Sprintf("p%d", i%2), Username: "u", Purpose: "SIGN_UP", Code: fmt.Sprint(i)})
	}
	if got := o.List(""); len(got) != 3 || got[0].Code != "2" || got[2].Code != "4" {
		t.Errorf("ring kept %+v", got)
	}
	if m, ok := o.Latest("p0", "u", "SIGN_UP"); !ok || m.Code != "4" {
		t.Errorf("latest = %+v, %v", m, ok)
	}
	rec := httptest.NewRecorder()
	o.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/?poolId=p1", nil))
	var body struct{ Messages []Message }
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Messages) != 1 || body.Messages[0].Code != "3" {
		t.Errorf("handler = %s, %v", rec.Body, err)
	}
	rec = httptest.NewRecorder()
	o.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST = %d", rec.Code)
	}
}

func TestSourceLimiter(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	l := newSourceLimiter(2, clock.Now)
	for range sourceMaxFailures {
		l.fail("a")
	}
	if !l.blocked("a") || l.blocked("b") {
		t.Fatal("a should be blocked, b not")
	}
	clock.Add(time.Second)
	l.fail("b")
	l.fail("c") // evicts the oldest (a)
	if len(l.entries) != 2 || l.blocked("a") {
		t.Errorf("entries %v", l.entries)
	}
	clock.Add(sourceWindow)
	if l.blocked("b") {
		t.Error("window did not expire")
	}
}

// TestSourceLimiterEvictsOldestWindow: eviction follows the order windows
// started, including a window that restarted, and the map and the order
// stay the same size however many sources come.
func TestSourceLimiterEvictsOldestWindow(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	l := newSourceLimiter(3, clock.Now)
	for _, src := range []string{"a", "b", "c"} {
		l.fail(src)
		clock.Add(time.Second)
	}
	clock.Add(sourceWindow) // every window is over
	for range sourceMaxFailures {
		l.fail("a") // a's window restarts: now the newest
	}
	l.fail("d") // evicts b, the oldest window
	if _, ok := l.entries["b"]; ok {
		t.Fatal("b kept; want it evicted as the oldest window")
	}
	if !l.blocked("a") {
		t.Fatal("a evicted or not blocked; its restarted window is the newest")
	}
	for i := range 10000 {
		l.fail(fmt.Sprintf("10.0.%d.%d", i/256, i%256))
	}
	if len(l.entries) != 3 || l.order.Len() != 3 {
		t.Fatalf("%d entries, %d in order; want 3", len(l.entries), l.order.Len())
	}
}

// BenchmarkSourceLimiterFlood: failed sign-ins from ever new sources on a
// full limiter (the production size) cost no scan of the map.
func BenchmarkSourceLimiterFlood(b *testing.B) {
	l := newSourceLimiter(10000, time.Now)
	for i := range 10000 {
		l.fail("fill-" + strconv.Itoa(i))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		l.fail("src-" + strconv.Itoa(i))
		i++
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func fakeNow() time.Time { return time.Unix(1700000000, 0) }
