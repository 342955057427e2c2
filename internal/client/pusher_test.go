package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tailcast/tailcast/internal/wait"
	"github.com/tailcast/tailcast/proto/logpb"
	"github.com/tailcast/tailcast/pusher"
)

// The tests in this file run against the real pusher.

// swappable serves /ws from whichever pusher is current, so that a test can
// "restart" the server behind one URL.
type swappable struct{ cur atomic.Pointer[pusher.Server] }

func (s *swappable) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.cur.Load().ServeHTTP(w, r) }

func newPusher(t *testing.T, cfg pusher.Config) *pusher.Server {
	t.Helper()
	p, err := pusher.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func serve(t *testing.T, p *pusher.Server) (*swappable, string) {
	t.Helper()
	sw := &swappable{}
	sw.cur.Store(p)
	mux := http.NewServeMux()
	mux.Handle("/ws", sw)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return sw, srv.URL
}

func logEntry(i int, level logpb.Level, msg string) *logpb.LogEntry {
	return &logpb.LogEntry{
		TimeUnixNano: time.Date(2026, 11, 22, 19, 24, 37, 0, time.UTC).Add(time.Duration(i) * time.Millisecond).UnixNano(),
		Service:      "api",
		Host:         "web-1",
		Source:       "/var/log/api.log",
		Level:        level,
		Message:      msg,
		Fields:       []*logpb.Field{{Key: "i", Value: fmt.Sprint(i), Json: true}},
	}
}

func publish(p *pusher.Server, from, to int) {
	for i := from; i < to; i++ {
		p.Publish(0, int64(i), logEntry(i, logpb.Level_LEVEL_INFO, fmt.Sprintf("m%d", i)))
	}
}

// TestRealPusherResumeAcrossRestart: the server goes away (1001), another
// one with the same history takes its place, and Follow resumes after the
// last entry it delivered: every entry exactly once, in order.
func TestRealPusherResumeAcrossRestart(t *testing.T) {
	a := newPusher(t, pusher.Config{})
	a.Begin(0, 0)
	publish(a, 0, 5)
	sw, url := serve(t, a)

	var (
		mu   sync.Mutex
		msgs []string
		gaps int
	)
	snapshot := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), msgs...)
	}
	done := make(chan error, 1)
	go func() {
		done <- Follow(t.Context(), Options{URL: url, Backfill: 100, Reconnect: true, MaxBackoff: 50 * time.Millisecond},
			func(m Message) error {
				mu.Lock()
				defer mu.Unlock()
				switch m.Type {
				case TypeEntry:
					msgs = append(msgs, m.Msg)
				case TypeGap:
					gaps++
				}
				if m.Msg == "m7" {
					return errStop
				}
				return nil
			})
	}()
	wait.For(t, 5*time.Second, "the 5 backfilled entries", func() bool { return len(snapshot()) == 5 })

	b := newPusher(t, pusher.Config{})
	b.Begin(0, 0)
	publish(b, 0, 8)
	sw.cur.Store(b)
	a.Close() // 1001 to the client

	select {
	case err := <-done:
		if !errors.Is(err, errStop) {
			t.Fatalf("got %v, want fn's stop", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no resume within 10s; got %v", snapshot())
	}
	want := []string{"m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7"}
	if got := snapshot(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("got %v, want %v", got, want)
	}
	if gaps != 0 {
		t.Errorf("got %d gaps, want none", gaps)
	}
}

// TestRealPusherTail: `tailcast tail` output against the real server, with
// backfill and then live entries.
func TestRealPusherTail(t *testing.T) {
	p := newPusher(t, pusher.Config{})
	p.Begin(0, 0)
	publish(p, 0, 2)
	_, url := serve(t, p)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- Tail(ctx, TailOptions{Options: Options{URL: url, Backfill: 10}}, &stdout, &stderr)
	}()
	want := "2026-11-22T19:24:37.000Z INFO  api web-1  m0  i=0\n" +
		"2026-11-22T19:24:37.001Z INFO  api web-1  m1  i=1\n"
	wait.For(t, 5*time.Second, "the backfill", func() bool { return stdout.String() == want })
	p.Publish(0, 2, logEntry(2, logpb.Level_LEVEL_ERROR, "boom\n\tat x"))
	want += "2026-11-22T19:24:37.002Z ERROR api web-1  boom  i=2\n\tat x\n"
	wait.For(t, 5*time.Second, "the live entry", func() bool { return stdout.String() == want })
	cancel()
	if err := <-done; err != nil {
		t.Errorf("got %v, want nil", err)
	}
	if got := stdout.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestRealPusherRefusals: the real server's refusals become clear errors.
func TestRealPusherRefusals(t *testing.T) {
	p := newPusher(t, pusher.Config{Token: "s3cret"})
	_, url := serve(t, p)
	tests := []struct {
		name string
		opts Options
		is   error
		want string
	}{
		{"no token", Options{URL: url}, ErrUnauthorized, "token missing or wrong"},
		{"wrong token", Options{URL: url, Token: "guess"}, ErrUnauthorized, "token missing or wrong"},
		{"bad level", Options{URL: url, Token: "s3cret", Filter: Filter{Level: "loud"}}, ErrBadRequest, "loud"},
		{"bad regex", Options{URL: url, Token: "s3cret", Filter: Filter{Regex: "a("}}, ErrBadRequest, "HTTP 400"},
		{"bad cursor", Options{URL: url, Token: "s3cret", Since: "%%%"}, ErrBadRequest, "HTTP 400"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Dial(t.Context(), tt.opts)
			if err == nil {
				c.Close()
				t.Fatal("got a connection, want a refusal")
			}
			t.Log(err)
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want %v mentioning %q", err, tt.is, tt.want)
			}
		})
	}
	t.Run("right token", func(t *testing.T) {
		c, err := Dial(t.Context(), Options{URL: url, Token: "s3cret"})
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
	})
}

// TestRealPusherSetFilter: a filter sent on the open connection applies to
// the entries after it; a bad one is answered with an error message.
func TestRealPusherSetFilter(t *testing.T) {
	p := newPusher(t, pusher.Config{})
	p.Begin(0, 0)
	_, url := serve(t, p)
	ctx := t.Context()
	c, err := Dial(ctx, Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if m, err := c.Next(ctx); err != nil || m.Type != TypeHello {
		t.Fatalf("got %q, %v, want hello", m.Type, err)
	}
	if err := c.SetFilter(Filter{Level: "error"}); err != nil {
		t.Fatal(err)
	}
	// The server handles a connection's messages in order: once the bad
	// filter is answered, the good one is in force.
	if err := c.SetFilter(Filter{Level: "loud"}); err != nil {
		t.Fatal(err)
	}
	m, err := c.Next(ctx)
	if err != nil || m.Type != TypeError || m.Error == "" {
		t.Fatalf("got %+v, %v, want an error message", m, err)
	}
	p.Publish(0, 0, logEntry(0, logpb.Level_LEVEL_INFO, "quiet"))
	p.Publish(0, 1, logEntry(1, logpb.Level_LEVEL_ERROR, "loud"))
	m, err = c.Next(ctx)
	if err != nil || m.Msg != "loud" || m.Level != "error" {
		t.Errorf("got %+v, %v, want only the error entry", m, err)
	}
}
