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

func TestEndpoint(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"http://127.0.0.1:8080", "ws://127.0.0.1:8080/ws"},
		{"http://127.0.0.1:8080/", "ws://127.0.0.1:8080/ws"},
		{"https://logs.example.com", "wss://logs.example.com/ws"},
		{"ws://h:1/ws", "ws://h:1/ws"},
		{"wss://h/ws/", "wss://h/ws"},
		{"https://h/tailcast/", "wss://h/tailcast/ws"},
		{"https://h/tailcast", "wss://h/tailcast/ws"},
		{"localhost:8080", "ws://localhost:8080/ws"},
		{"HTTP://H:80/?service=api#x", "ws://H:80/ws"},
		{"[::1]:8080", "ws://[::1]:8080/ws"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			u, _, err := endpoint(tt.in)
			if err != nil {
				t.Fatalf("got error %v, want %s", err, tt.want)
			}
			if got := u.String(); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "  ", "ftp://h/", "http://", "http://h:99999", "http://h:port", "http://u:p@h/", "http://[::1"} {
		t.Run("bad "+bad, func(t *testing.T) {
			_, _, err := endpoint(bad)
			if !errors.Is(err, ErrBadURL) {
				t.Errorf("got %v, want ErrBadURL", err)
			}
		})
	}
}

func TestQuery(t *testing.T) {
	base := map[string][]string{"level": {"debug"}, "extra": {"1"}}
	f := Filter{Service: []string{"api", "auth"}, Host: []string{"web-1"}, Level: "warn", Query: "time out", Regex: `^a.*b$`}
	tests := []struct {
		name     string
		backfill int
		since    string
		want     string
	}{
		{"backfill", 50, "", "backfill=50&extra=1&host=web-1&level=warn&q=time+out&re=%5Ea.%2Ab%24&service=api&service=auth"},
		{"since wins", 50, "AQKFAw", "extra=1&host=web-1&level=warn&q=time+out&re=%5Ea.%2Ab%24&service=api&service=auth&since=AQKFAw"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := query(base, f, tt.backfill, tt.since).Encode(); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

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

// TestErrors: every way a connection can fail gives an error that says what
// happened, and is classified as permanent or not.
func TestErrors(t *testing.T) {
	refuse := func(code int, text string) script {
		return func(w http.ResponseWriter, r *http.Request) { http.Error(w, text, code) }
	}
	afterHello := func(do func(t *testing.T, conn netConn)) script {
		return func(w http.ResponseWriter, r *http.Request) {
			conn := upgrade(t, w, r)
			if conn == nil {
				return
			}
			send(t, conn, hello)
			do(t, conn)
		}
	}
	tests := []struct {
		name      string
		url       string // "" means the fake server
		script    script
		atDial    bool // the error comes from Dial, not from Next
		is        error
		contains  []string
		permanent bool
	}{
		{
			name: "bad scheme", url: "ftp://127.0.0.1/", atDial: true,
			is: ErrBadURL, contains: []string{"bad server URL", `scheme "ftp"`}, permanent: true,
		},
		{
			name: "connection refused", url: "http://" + closedPort(t), atDial: true,
			is: ErrUnreachable, contains: []string{"is not reachable", "connection refused"},
		},
		{
			name: "401", script: refuse(401, "token required"), atDial: true,
			is: ErrUnauthorized, contains: []string{"access refused", "token missing or wrong", "401"}, permanent: true,
		},
		{
			name: "403", script: refuse(403, "origin not allowed"), atDial: true,
			is: ErrForbidden, contains: []string{"forbidden", "403", "origin not allowed"}, permanent: true,
		},
		{
			name: "400 with the server's reason", script: refuse(400, "invalid regex: missing closing )"), atDial: true,
			is: ErrBadRequest, contains: []string{"400", "invalid regex: missing closing )"}, permanent: true,
		},
		{
			name: "404 not a tailcast server", script: refuse(404, "404 page not found"), atDial: true,
			contains: []string{"no tailcast websocket endpoint", "404"}, permanent: true,
		},
		{
			name: "429 retried", script: refuse(429, "too many connections"), atDial: true,
			contains: []string{"too many connections", "429"},
		},
		{
			name: "503 retried", script: refuse(503, "starting"), atDial: true,
			contains: []string{"HTTP 503", "starting"},
		},
		{
			name: "no hello", atDial: true,
			script: func(w http.ResponseWriter, r *http.Request) {
				conn := upgrade(t, w, r)
				if conn != nil {
					send(t, conn, entry("c1", "info", "x", ""))
					waitClientGone(conn)
				}
			},
			is: ErrProtocol, contains: []string{`first object is "entry", want hello`}, permanent: true,
		},
		{
			name: "unsupported version", atDial: true,
			script: func(w http.ResponseWriter, r *http.Request) {
				conn := upgrade(t, w, r)
				if conn != nil {
					send(t, conn, `{"type":"hello","version":2}`)
					waitClientGone(conn)
				}
			},
			is: ErrProtocol, contains: []string{"version 2", "speaks 1"}, permanent: true,
		},
		{
			name:   "garbage",
			script: afterHello(func(t *testing.T, conn netConn) { send(t, conn, `{"type":"entry",oops`); waitClientGone(conn) }),
			is:     ErrProtocol, contains: []string{"invalid JSON", "oops"}, permanent: true,
		},
		{
			name:   "binary frame",
			script: afterHello(func(t *testing.T, conn netConn) { wsutil.WriteServerBinary(conn, []byte{1, 2}); waitClientGone(conn) }),
			is:     ErrProtocol, contains: []string{"binary"}, permanent: true,
		},
		{
			name: "invalid utf-8",
			script: afterHello(func(t *testing.T, conn netConn) {
				wsutil.WriteServerText(conn, []byte("{\"type\":\"x\xff\"}\n"))
				waitClientGone(conn)
			}),
			is: ErrProtocol, contains: []string{"UTF-8"}, permanent: true,
		},
		{
			name:     "policy close names its reason",
			script:   afterHello(func(t *testing.T, conn netConn) { closeWith(t, conn, ws.StatusPolicyViolation, "client too slow") }),
			contains: []string{"server closed the connection", "policy violation (1008)", "client too slow"},
		},
		{
			name:     "going away",
			script:   afterHello(func(t *testing.T, conn netConn) { closeWith(t, conn, ws.StatusGoingAway, "shutdown") }),
			contains: []string{"going away (1001)"},
		},
		{
			name: "closed mid-frame",
			script: afterHello(func(t *testing.T, conn netConn) {
				ws.WriteHeader(conn, ws.Header{Fin: true, OpCode: ws.OpText, Length: 100})
				conn.Write([]byte(`{"type":`))
				conn.Close()
			}),
			contains: []string{"connection to", "lost"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := tt.url
			if url == "" {
				url = newFakeServer(t, tt.script).URL()
			}
			ctx := t.Context()
			c, err := Dial(ctx, Options{URL: url, DialTimeout: 5 * time.Second})
			if tt.atDial {
				if err == nil {
					c.Close()
					t.Fatal("got no error from Dial, want one")
				}
			} else {
				if err != nil {
					t.Fatalf("got Dial error %v, want none", err)
				}
				defer c.Close()
				for err == nil {
					var m Message
					m, err = c.Next(ctx)
					if err == nil && m.Type != TypeHello {
						t.Fatalf("got %s, want an error", m.Raw)
					}
				}
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("got %v, want errors.Is %v", err, tt.is)
			}
			for _, s := range tt.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("got %q, want it to contain %q", err, s)
				}
			}
			if got := Permanent(err); got != tt.permanent {
				t.Errorf("got Permanent %v, want %v for %v", got, tt.permanent, err)
			}
		})
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
