package client

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// TestNextSplitsFrames: a frame holds several objects; a client splits it and
// never assumes one object per frame.
func TestNextSplitsFrames(t *testing.T) {
	fs := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		conn := upgrade(t, w, r)
		if conn == nil {
			return
		}
		send(t, conn, hello,
			entry("c1", "info", "one", `{"z":1,"a":"x","m":{"k":[1,2]}}`),
			entry("c2", "error", "two\n\tat Foo.bar(Foo.java:1)", ""))
		// A frame without its final newline, and one with blank lines.
		if err := wsutil.WriteServerText(conn, []byte(`{"type":"gap","missed":1200}`)); err != nil {
			t.Error(err)
		}
		if err := wsutil.WriteServerText(conn, []byte("\n{\"type\":\"dropped\",\"count\":532}\n\n"+`{"type":"error","error":"bad regex"}`+"\n")); err != nil {
			t.Error(err)
		}
		closeWith(t, conn, ws.StatusNormalClosure, "")
	})
	ctx := t.Context()
	c, err := Dial(ctx, Options{URL: fs.URL()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	var got []Message
	for {
		m, err := c.Next(ctx)
		if err != nil {
			var ce *CloseError
			if !errors.As(err, &ce) || ce.Code != 1000 {
				t.Fatalf("got error %v, want a 1000 close", err)
			}
			break
		}
		got = append(got, m)
	}
	var types []string
	for _, m := range got {
		types = append(types, m.Type)
	}
	if want := []string{"hello", "entry", "entry", "gap", "dropped", "error"}; !reflect.DeepEqual(types, want) {
		t.Fatalf("got types %v, want %v", types, want)
	}
	if got[0].Version != 1 || got[0].Server != "tailcast/test" {
		t.Errorf("got hello %+v, want version 1 from tailcast/test", got[0])
	}
	e := got[1]
	wantTS := time.Date(2026, 11, 22, 19, 24, 37, 123456789, time.UTC)
	if e.Cursor != "c1" || !e.TS.Equal(wantTS) || e.Service != "api" || e.Host != "web-1" || e.Source != "/var/log/api.log" || e.Level != "info" || e.Msg != "one" {
		t.Errorf("got entry %+v", e)
	}
	if want := []string{"z", "a", "m"}; !reflect.DeepEqual(e.FieldKeys, want) {
		t.Errorf("got field keys %v, want %v", e.FieldKeys, want)
	}
	if got, want := string(e.Fields["m"]), `{"k":[1,2]}`; got != want {
		t.Errorf("got field m %s, want %s", got, want)
	}
	if got, want := string(e.Raw), entry("c1", "info", "one", `{"z":1,"a":"x","m":{"k":[1,2]}}`); got != want {
		t.Errorf("got raw %s, want %s", got, want)
	}
	if got[2].Msg != "two\n\tat Foo.bar(Foo.java:1)" || got[2].Fields != nil {
		t.Errorf("got multi-line entry %+v", got[2])
	}
	if got[3].Missed != 1200 || got[4].Count != 532 || got[5].Error != "bad regex" {
		t.Errorf("got gap %d dropped %d error %q, want 1200 532 bad regex", got[3].Missed, got[4].Count, got[5].Error)
	}
}

// TestDialSendsTokenAndFilter checks what reaches the server: the token in
// the Authorization header (never the URL), and the filter in the query.
func TestDialSendsTokenAndFilter(t *testing.T) {
	fs := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		conn := upgrade(t, w, r)
		if conn == nil {
			return
		}
		send(t, conn, hello)
		waitClientGone(conn)
	})
	c, err := Dial(t.Context(), Options{
		URL:      fs.URL() + "/",
		Token:    "s3cret",
		Filter:   Filter{Service: []string{"api"}, Level: "warn", Query: "timeout"},
		Backfill: 100,
	})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	r := fs.requests()[0]
	if got, want := r.Header.Get("Authorization"), "Bearer s3cret"; got != want {
		t.Errorf("got Authorization %q, want %q", got, want)
	}
	if got, want := r.URL.RawQuery, "backfill=100&level=warn&q=timeout&service=api"; got != want {
		t.Errorf("got query %s, want %s", got, want)
	}
}

func TestSetFilter(t *testing.T) {
	got := make(chan string, 1)
	fs := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		conn := upgrade(t, w, r)
		if conn == nil {
			return
		}
		send(t, conn, hello)
		p, op, err := wsutil.ReadClientData(conn)
		if err != nil || op != ws.OpText {
			t.Errorf("read filter: op %v, err %v", op, err)
		}
		got <- string(p)
		send(t, conn, entry("c1", "warn", "after filter", ""))
		waitClientGone(conn)
	})
	ctx := t.Context()
	c, err := Dial(ctx, Options{URL: fs.URL()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SetFilter(Filter{Service: []string{"api", "auth"}, Level: "warn", Regex: "a|b"}); err != nil {
		t.Fatal(err)
	}
	var obj map[string]string
	if err := json.Unmarshal([]byte(<-got), &obj); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"type": "filter", "service": "api,auth", "host": "", "level": "warn", "q": "", "re": "a|b"}
	if !reflect.DeepEqual(obj, want) {
		t.Errorf("got filter %v, want %v", obj, want)
	}
	for _, typ := range []string{"hello", "entry"} {
		m, err := c.Next(ctx)
		if err != nil || m.Type != typ {
			t.Fatalf("got %q, %v, want %s", m.Type, err, typ)
		}
	}
}

// TestPingAnswered: the server's ping gets a pong with the same payload
// while the client waits in Next.
func TestPingAnswered(t *testing.T) {
	pong := make(chan string, 1)
	fs := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		conn := upgrade(t, w, r)
		if conn == nil {
			return
		}
		send(t, conn, hello)
		if err := ws.WriteFrame(conn, ws.NewPingFrame([]byte("are you there"))); err != nil {
			t.Error(err)
		}
		f, err := ws.ReadFrame(bufio.NewReader(conn))
		if err != nil {
			t.Error(err)
		}
		f = ws.UnmaskFrameInPlace(f)
		if f.Header.OpCode != ws.OpPong {
			t.Errorf("got opcode %v, want pong", f.Header.OpCode)
		}
		pong <- string(f.Payload)
		send(t, conn, entry("c1", "info", "after ping", ""))
		waitClientGone(conn)
	})
	ctx := t.Context()
	c, err := Dial(ctx, Options{URL: fs.URL()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, want := range []string{"hello", "entry"} {
		if m, err := c.Next(ctx); err != nil || m.Type != want {
			t.Fatalf("got %q, %v, want %s", m.Type, err, want)
		}
	}
	if got := <-pong; got != "are you there" {
		t.Errorf("got pong %q, want %q", got, "are you there")
	}
}

func TestIdleTimeout(t *testing.T) {
	fs := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		if conn := upgrade(t, w, r); conn != nil {
			send(t, conn, hello)
			waitClientGone(conn)
		}
	})
	ctx := t.Context()
	c, err := Dial(ctx, Options{URL: fs.URL(), IdleTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Next(ctx) // hello
	_, err = c.Next(ctx)
	if !errors.Is(err, ErrIdle) || Permanent(err) {
		t.Errorf("got %v, want a retryable ErrIdle", err)
	}
}

// TestNextInterrupted: ctx cancellation and Close both end a blocked Next.
func TestNextInterrupted(t *testing.T) {
	tests := []struct {
		name string
		stop func(cancel context.CancelFunc, c *Conn)
		want error
	}{
		{"context", func(cancel context.CancelFunc, c *Conn) { cancel() }, context.Canceled},
		{"close", func(cancel context.CancelFunc, c *Conn) { c.Close(); c.Close() }, ErrClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
				if conn := upgrade(t, w, r); conn != nil {
					send(t, conn, hello)
					waitClientGone(conn)
				}
			})
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			c, err := Dial(ctx, Options{URL: fs.URL()})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.Next(ctx) // hello
			done := make(chan error, 1)
			go func() {
				_, err := c.Next(ctx)
				done <- err
			}()
			tt.stop(cancel, c)
			select {
			case err := <-done:
				if !errors.Is(err, tt.want) {
					t.Errorf("got %v, want %v", err, tt.want)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Next still blocked 5s after stop")
			}
		})
	}
}

// TestTLS: wss works with the caller's TLS config, and an untrusted
// certificate or a plain server behind a wss URL fails the TLS handshake.
func TestTLS(t *testing.T) {
	handler := func(w http.ResponseWriter, r *http.Request) {
		if conn := upgrade(t, w, r); conn != nil {
			send(t, conn, hello)
			waitClientGone(conn)
		}
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(handler))
	defer srv.Close()
	plain := newFakeServer(t, handler)
	trusted := srv.Client().Transport.(*http.Transport).TLSClientConfig

	c, err := Dial(t.Context(), Options{URL: srv.URL, TLSConfig: trusted})
	if err != nil {
		t.Fatalf("got %v, want a wss connection", err)
	}
	c.Close()

	for _, tt := range []struct{ name, url string }{
		{"untrusted certificate", srv.URL},
		{"server without TLS", strings.Replace(plain.URL(), "http://", "https://", 1)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Dial(t.Context(), Options{URL: tt.url, DialTimeout: 5 * time.Second})
			if !errors.Is(err, ErrTLS) || !Permanent(err) || !strings.Contains(err.Error(), "TLS handshake with wss://") {
				t.Errorf("got %v, want a permanent ErrTLS", err)
			}
		})
	}
}
