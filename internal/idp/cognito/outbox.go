package cognito

import (
	"container/list"
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// Message is one confirmation, invitation or reset message that Cognito
// would have mailed. It contains the code: expose it only on the admin
// listener and never log it.
type Message struct {
	Time        time.Time `json:"time"`
	PoolID      string    `json:"poolId"`
	Username    string    `json:"username"`
	Purpose     string    `json:"purpose"` // SIGN_UP, FORGOT_PASSWORD, INVITATION, VERIFY_ATTRIBUTE
	Medium      string    `json:"deliveryMedium"`
	Destination string    `json:"destination"`
	Code        string    `json:"code"`
	Message     string    `json:"message"`
}

// Outbox keeps the most recent messages (a bounded ring). Safe for
// concurrent use.
type Outbox struct {
	mu   sync.Mutex
	max  int
	msgs []Message
}

func newOutbox(max int) *Outbox { return &Outbox{max: max} }

func (o *Outbox) add(m Message) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.msgs) >= o.max {
		o.msgs = append(o.msgs[:0], o.msgs[1:]...)
	}
	o.msgs = append(o.msgs, m)
}

// List returns the retained messages, oldest first, optionally filtered by
// pool ("" = all).
func (o *Outbox) List(poolID string) []Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := []Message{}
	for _, m := range o.msgs {
		if poolID == "" || m.PoolID == poolID {
			out = append(out, m)
		}
	}
	return out
}

// Latest returns the newest message for a user and purpose.
func (o *Outbox) Latest(poolID, username, purpose string) (Message, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.msgs) - 1; i >= 0; i-- {
		m := o.msgs[i]
		if m.PoolID == poolID && m.Username == username && m.Purpose == purpose {
			return m, true
		}
	}
	return Message{}, false
}

// sourceLimiter counts failed sign-ins per source address in a bounded
// map: more than maxFailures within window blocks the source until the
// window passes. When full, the entry whose window started first is
// evicted. Entries are kept in the order their windows started (a window
// that restarts moves to the back), so eviction takes constant time: a
// flood of new sources costs no scan of the map.
type sourceLimiter struct {
	mu      sync.Mutex
	max     int
	now     func() time.Time
	entries map[string]*list.Element // of *sourceEntry
	order   list.List                // oldest window first
}

type sourceEntry struct {
	src   string
	count int
	start time.Time
}

const (
	sourceMaxFailures = 50
	sourceWindow      = 5 * time.Minute
)

func newSourceLimiter(max int, now func() time.Time) *sourceLimiter {
	return &sourceLimiter{max: max, now: now, entries: map[string]*list.Element{}}
}

func (l *sourceLimiter) blocked(src string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	el, ok := l.entries[src]
	if !ok {
		return false
	}
	e := el.Value.(*sourceEntry)
	if l.now().Sub(e.start) >= sourceWindow {
		delete(l.entries, src)
		l.order.Remove(el)
		return false
	}
	return e.count >= sourceMaxFailures
}

func (l *sourceLimiter) fail(src string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	el, ok := l.entries[src]
	switch {
	case !ok:
		if len(l.entries) >= l.max {
			if oldest := l.order.Front(); oldest != nil {
				delete(l.entries, oldest.Value.(*sourceEntry).src)
				l.order.Remove(oldest)
			}
		}
		el = l.order.PushBack(&sourceEntry{src: src, start: now})
		l.entries[src] = el
	case now.Sub(el.Value.(*sourceEntry).start) >= sourceWindow:
		*el.Value.(*sourceEntry) = sourceEntry{src: src, start: now}
		l.order.MoveToBack(el)
	}
	el.Value.(*sourceEntry).count++
}

// Handler serves the outbox as JSON ({"messages":[...]}, oldest first,
// optional ?poolId= filter) for the admin listener. It exposes codes and
// temporary passwords: mount it only behind admin authentication.
func (o *Outbox) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", "GET")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		b, err := json.Marshal(map[string]any{"messages": o.List(r.URL.Query().Get("poolId"))})
		if err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(b)
	})
}
