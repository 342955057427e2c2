package pusher

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/tailcast/tailcast/proto/logpb"
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

// TestUpgradeOverHTTP2: a websocket upgrade that cannot be hijacked (an
// HTTP/2 request) is refused with a clear 400, not a 500.
func TestUpgradeOverHTTP2(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := httptest.NewRequest(http.MethodGet, "/ws", nil)
	r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/2.0", 2, 0
	r.Header.Set("Connection", "Upgrade")
	r.Header.Set("Upgrade", "websocket")
	r.Header.Set("Sec-WebSocket-Version", "13")
	r.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	w := httptest.NewRecorder() // not an http.Hijacker, as HTTP/2's writer
	s.ServeHTTP(w, r)
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "HTTP/1.1") {
		t.Errorf("got %d %q, want 400 saying the upgrade needs HTTP/1.1", w.Code, w.Body.String())
	}
}

// TestTextSearchCoversFields: q matches the values of an entry's fields as
// well as its message, case-insensitively, live and in a backfill.
func TestTextSearchCoversFields(t *testing.T) {
	s, u := testServer(t, Config{})
	s.Begin(0, 0)
	withFields := func(msg string, kv ...string) *logpb.LogEntry {
		e := entry("api", "web-1", logpb.Level_LEVEL_ERROR, msg)
		for i := 0; i < len(kv); i += 2 {
			e.Fields = append(e.Fields, &logpb.Field{Key: kv[i], Value: kv[i+1]})
		}
		return e
	}
	s.Publish(0, 0, withFields("request failed", "request_id", "7f3a9c2e-51d4"))
	s.Publish(0, 1, withFields("tx aborted", "error", "Deadlock found when trying to get lock"))
	s.Publish(0, 2, withFields("All good", "request_id", "00000000"))
	tests := []struct {
		q    string
		want []string
	}{
		{"7f3a9c2e-51d4", []string{"request failed"}},
		{"DEADLOCK", []string{"tx aborted"}},
		{"request", []string{"request failed"}}, // a key is not text
		{"good", []string{"All good"}},
	}
	off := int64(3)
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			c := dial(t, u+"?backfill=10&q="+url.QueryEscape(tt.q))
			c.hello()
			// A live entry that every q matches ends the backfill.
			const marker = "marker 7f3a9c2e-51d4 deadlock request good"
			s.Publish(0, off, entry("api", "web-1", lInfo, marker))
			off++
			got := msgs(c.untilMsg(marker))
			if want := append(tt.want, marker); !slices.Equal(got, want) {
				t.Errorf("backfill with q=%s: got %q, want %q", tt.q, got, want)
			}
		})
	}
}

// TestMaxConnsPerIP: zero means the default of 1000 connections per
// address, negative means no limit, a positive value is the limit.
func TestMaxConnsPerIP(t *testing.T) {
	tests := []struct {
		name    string
		set     int
		allowed int // -1: no limit (checked up to 5000)
	}{
		{"zero is the default", 0, 1000},
		{"negative is unlimited", -1, -1},
		{"positive is the limit", 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(Config{MaxConnsPerIP: tt.set})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			n := 0
			for n < 5000 && s.acquireIP("192.0.2.7") {
				n++
			}
			if tt.allowed < 0 && n != 5000 || tt.allowed >= 0 && n != tt.allowed {
				t.Errorf("MaxConnsPerIP %d: got %d connections accepted from one address, want %d (-1: all 5000)", tt.set, n, tt.allowed)
			}
			if !s.acquireIP("192.0.2.8") {
				t.Errorf("another address refused after the first reached its limit")
			}
		})
	}
}

// TestUpgradeOverRealHTTP2: the same through a real TLS server speaking
// HTTP/2 (the standard library's).
func TestUpgradeOverRealHTTP2(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hs := httptest.NewUnstartedServer(s)
	hs.EnableHTTP2 = true
	hs.StartTLS()
	defer hs.Close()
	req, err := http.NewRequest(http.MethodGet, hs.URL+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	// HTTP/2 forbids Connection and Upgrade; a client that tries anyway
	// sends the rest.
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	resp, err := hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.ProtoMajor != 2 {
		t.Fatalf("got %s, want the request to have gone over HTTP/2", resp.Proto)
	}
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "HTTP/1.1") {
		t.Errorf("got %d %q, want 400 saying the upgrade needs HTTP/1.1", resp.StatusCode, body)
	}
}
