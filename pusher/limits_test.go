package pusher

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

// TestRequestLimits: every part of a /ws request is bounded, and what is
// over the bound is refused with a status and a reason before any work.
func TestRequestLimits(t *testing.T) {
	s, u := testServer(t, Config{BeginWait: 50 * time.Millisecond})
	s.Begin(0, 0)
	s.Begin(1, 0)
	tests := []struct {
		name  string
		query string
		want  int // 0: upgrade succeeds
	}{
		{"query at the cap", "q=" + strings.Repeat("a", maxFilterText), 0},
		{"query over the cap", "q=a&x=" + strings.Repeat("a", maxQueryBytes), http.StatusRequestURITooLong},
		{"service value over the cap", "service=" + strings.Repeat("s", maxFilterValue+1), http.StatusBadRequest},
		{"host value over the cap", "host=web-1," + strings.Repeat("h", maxFilterValue+1), http.StatusBadRequest},
		{"service value at the cap", "service=" + strings.Repeat("s", maxFilterValue), 0},
		{"cursor of the topic's partitions", "since=" + cursorOf(vecEntry{0, -1}, vecEntry{1, -1}), 0},
		{"cursor naming more partitions than the topic has", "since=" + cursorOf(vecEntry{0, -1}, vecEntry{1, -1}, vecEntry{7, 5}), http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tryDial(t, u+"?"+tt.query, nil)
			if tt.want == 0 {
				if err != nil {
					t.Fatalf("got %v, want upgrade", err)
				}
				c.hello()
				return
			}
			var se ws.StatusError
			if !errors.As(err, &se) || int(se) != tt.want {
				t.Errorf("got %v, want status %d", err, tt.want)
			}
		})
	}
}

// TestFilterMessageRate: a client sending filter messages faster than the
// limit gets an error for those over it, and the connection goes on.
func TestFilterMessageRate(t *testing.T) {
	s, u := testServer(t, Config{})
	s.Begin(0, 0)
	c := dial(t, u)
	c.hello()
	const sent = 60 // the burst is 20; refilling 40 takes 4 s
	for range sent {
		c.send(`{"type":"filter","service":"api"}`)
	}
	// The entry may overtake the errors: the messages are still being read.
	s.Publish(0, 0, entry("api", "web-1", lInfo, "after the flood"))
	errs, live := 0, false
	for errs == 0 || !live {
		m := c.next() // fails the test after 5 s without a message
		switch {
		case m.Type == "error" && strings.Contains(m.Error, "too many messages"):
			errs++
		case m.Type == "entry" && m.Msg == "after the flood":
			live = true
		default:
			t.Fatalf("got %+v, want errors about too many messages and the entry", m)
		}
	}
}
