package client

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

var errStop = errors.New("stop")

// TestFollowResumes: after the connection ends, Follow reconnects with
// since=<last entry's cursor> (and no backfill) and fn sees every entry once.
func TestFollowResumes(t *testing.T) {
	tests := []struct {
		name string
		end  func(t *testing.T, conn netConn)
		want string // in the OnDisconnect error
	}{
		{"server going away", func(t *testing.T, conn netConn) { closeWith(t, conn, ws.StatusGoingAway, "shutdown") }, "going away (1001)"},
		{"connection dropped", func(t *testing.T, conn netConn) { conn.Close() }, "closed without a close frame"},
		{"internal error", func(t *testing.T, conn netConn) { closeWith(t, conn, ws.StatusInternalServerError, "") }, "internal server error (1011)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newFakeServer(t,
				func(w http.ResponseWriter, r *http.Request) {
					if conn := upgrade(t, w, r); conn != nil {
						send(t, conn, hello, entry("c1", "info", "one", ""))
						send(t, conn, entry("c2", "info", "two", ""), `{"type":"dropped","count":3}`)
						tt.end(t, conn)
					}
				},
				func(w http.ResponseWriter, r *http.Request) {
					if conn := upgrade(t, w, r); conn != nil {
						send(t, conn, hello, `{"type":"gap","missed":7}`, entry("c3", "info", "three", ""))
						waitClientGone(conn)
					}
				},
			)
			var (
				mu          sync.Mutex
				disconnects []error
				got         []string
			)
			err := Follow(t.Context(), Options{
				URL:        fs.URL(),
				Reconnect:  true,
				Backfill:   10,
				MaxBackoff: 20 * time.Millisecond,
				OnDisconnect: func(err error, wait time.Duration) {
					mu.Lock()
					defer mu.Unlock()
					disconnects = append(disconnects, err)
					if wait > 20*time.Millisecond {
						t.Errorf("got wait %v, want at most MaxBackoff 20ms", wait)
					}
				},
			}, func(m Message) error {
				got = append(got, m.Type+":"+m.Cursor)
				if m.Cursor == "c3" {
					return errStop
				}
				return nil
			})
			if !errors.Is(err, errStop) {
				t.Fatalf("got %v, want fn's error", err)
			}
			want := []string{"hello:", "entry:c1", "entry:c2", "dropped:", "hello:", "gap:", "entry:c3"}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
			reqs := fs.requests()
			if len(reqs) != 2 {
				t.Fatalf("got %d connections, want 2", len(reqs))
			}
			if got, want := reqs[0].URL.RawQuery, "backfill=10"; got != want {
				t.Errorf("first connection: got query %q, want %q", got, want)
			}
			if got, want := reqs[1].URL.RawQuery, "since=c2"; got != want {
				t.Errorf("reconnection: got query %q, want %q", got, want)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(disconnects) != 1 || !containsAll(disconnects[0].Error(), tt.want) {
				t.Errorf("got disconnects %v, want one saying %q", disconnects, tt.want)
			}
		})
	}
}

// TestFollowStops: when retrying cannot help, or is not wanted, Follow
// returns the error instead of looping.
func TestFollowStops(t *testing.T) {
	oneEntryThenGoAway := func(w http.ResponseWriter, r *http.Request) {
		if conn := upgrade(t, w, r); conn != nil {
			send(t, conn, hello, entry("c1", "info", "one", ""))
			closeWith(t, conn, ws.StatusGoingAway, "")
		}
	}
	tests := []struct {
		name      string
		url       string
		scripts   []script
		reconnect bool
		is        error
		wantConns int
	}{
		{
			name: "server down at start", url: "http://" + closedPort(t),
			reconnect: true, is: ErrUnreachable,
		},
		{
			name:      "token refused on reconnect",
			scripts:   []script{oneEntryThenGoAway, func(w http.ResponseWriter, r *http.Request) { http.Error(w, "bad token", 401) }},
			reconnect: true, is: ErrUnauthorized, wantConns: 2,
		},
		{
			name:      "bad filter",
			scripts:   []script{func(w http.ResponseWriter, r *http.Request) { http.Error(w, "unknown level", 400) }},
			reconnect: true, is: ErrBadRequest, wantConns: 1,
		},
		{
			name:      "no reconnect",
			scripts:   []script{oneEntryThenGoAway},
			wantConns: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := tt.url
			var fs *fakeServer
			if url == "" {
				fs = newFakeServer(t, tt.scripts...)
				url = fs.URL()
			}
			err := Follow(t.Context(), Options{URL: url, Reconnect: tt.reconnect, MaxBackoff: 10 * time.Millisecond},
				func(Message) error { return nil })
			if err == nil {
				t.Fatal("got nil, want an error")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("got %v, want %v", err, tt.is)
			}
			if fs != nil {
				if got := len(fs.requests()); got != tt.wantConns {
					t.Errorf("got %d connections, want %d", got, tt.wantConns)
				}
			}
		})
	}
}

// TestFollowCancelWhileBackingOff: a server that keeps refusing with 503
// is retried until ctx ends, and Follow then returns promptly.
func TestFollowCancelWhileBackingOff(t *testing.T) {
	fs := newFakeServer(t,
		func(w http.ResponseWriter, r *http.Request) {
			if conn := upgrade(t, w, r); conn != nil {
				send(t, conn, hello)
				closeWith(t, conn, ws.StatusGoingAway, "")
			}
		},
		func(w http.ResponseWriter, r *http.Request) { http.Error(w, "starting", 503) },
	)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var waits []time.Duration
	err := Follow(ctx, Options{
		URL:        fs.URL(),
		Reconnect:  true,
		MaxBackoff: 40 * time.Millisecond,
		OnDisconnect: func(err error, wait time.Duration) {
			waits = append(waits, wait)
			if len(waits) == 4 {
				cancel()
			}
		},
	}, func(Message) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	if got := len(fs.requests()); got != 4 {
		t.Errorf("got %d connection attempts, want 4", got)
	}
	for i, w := range waits {
		if w < 20*time.Millisecond || w > 40*time.Millisecond {
			t.Errorf("wait %d: got %v, want within [MaxBackoff/2, MaxBackoff]", i, w)
		}
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		attempt  int
		max      time.Duration
		lo, high time.Duration
	}{
		{0, 10 * time.Second, 125 * time.Millisecond, 250 * time.Millisecond},
		{1, 10 * time.Second, 250 * time.Millisecond, 500 * time.Millisecond},
		{3, 10 * time.Second, time.Second, 2 * time.Second},
		{10, 10 * time.Second, 5 * time.Second, 10 * time.Second},
		{1000, 10 * time.Second, 5 * time.Second, 10 * time.Second},
	}
	for _, tt := range tests {
		for range 50 {
			if got := backoff(tt.attempt, tt.max); got < tt.lo || got > tt.high {
				t.Errorf("attempt %d: got %v, want in [%v, %v]", tt.attempt, got, tt.lo, tt.high)
			}
		}
	}
}
