package client

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func mustDecode(t *testing.T, obj string) Message {
	t.Helper()
	m, err := decodeMessage([]byte(obj))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRender(t *testing.T) {
	plain := entry("c1", "info", "GET /api/orders 200", `{"status":200,"user":"ann","path":"/a b","ok":true,"tags":["x", "y"]}`)
	trace := entry("c2", "error", "payment failed\n\tat Pay.charge(Pay.java:42)\r\n\tat Main.run(Main.java:7)", `{"order":"A-17"}`)
	hostile := entry("c3", "warn", "evil \x1b[2Jcleared\x07", "")
	withLine := `{"type":"entry","cursor":"c6","ts":"2026-11-22T19:24:37.123Z","level":"info","msg":"GET /api/orders 200","line":"2026-11-22 19:24:37,123 INFO  GET /api/orders 200  \t"}`
	notUTF8 := `{"type":"entry","cursor":"c7","ts":"2026-11-22T19:24:37.123Z","level":"unknown","msg":"caf\ufffd \u001b[2J au lait","line":"caf\ufffd \u001b[2J au lait","line_bytes":"Y2Fm6SAbWzJKIGF1IGxhaXQ="}`
	unknown := `{"type":"entry","cursor":"c4","ts":"2026-11-22T19:24:37.5Z","level":"unknown","msg":"no level","truncated":true}`
	tests := []struct {
		name  string
		opts  TailOptions
		entry string
		want  string
	}{
		{"json is the object as received", TailOptions{Output: "json"}, plain, plain + "\n"},
		{"raw from an older server is the message", TailOptions{Output: "raw"}, plain, "GET /api/orders 200\n"},
		{"raw is the line as written", TailOptions{Output: "raw"}, withLine, "2026-11-22 19:24:37,123 INFO  GET /api/orders 200  \t\n"},
		{"raw is line_bytes when not UTF-8", TailOptions{Output: "raw"}, notUTF8, "caf\xe9 \x1b[2J au lait\n"},
		{"json carries the line", TailOptions{Output: "json"}, withLine, withLine + "\n"},
		{"raw keeps lines as they are", TailOptions{Output: "raw"}, trace, "payment failed\n\tat Pay.charge(Pay.java:42)\r\n\tat Main.run(Main.java:7)\n"},
		{
			"pretty", TailOptions{}, plain,
			`2026-11-22T19:24:37.123Z INFO  api web-1  GET /api/orders 200  status=200 user=ann path="/a b" ok=true tags=["x","y"]` + "\n",
		},
		{
			"pretty multi-line", TailOptions{Color: "never"}, trace,
			"2026-11-22T19:24:37.123Z ERROR api web-1  payment failed  order=A-17\n\tat Pay.charge(Pay.java:42)\n\tat Main.run(Main.java:7)\n",
		},
		{
			"pretty escapes control characters", TailOptions{}, hostile,
			`2026-11-22T19:24:37.123Z WARN  api web-1  evil \x1b[2Jcleared\x07` + "\n",
		},
		{
			"pretty unknown level, no service, truncated", TailOptions{}, unknown,
			"2026-11-22T19:24:37.500Z -     - -  no level [truncated]\n",
		},
		{
			"pretty in colour", TailOptions{Color: "always"}, entry("c5", "error", "boom", `{"k":"v"}`),
			"\x1b[2m2026-11-22T19:24:37.123Z\x1b[0m \x1b[31mERROR\x1b[0m api web-1  boom  \x1b[90mk=\x1b[0mv\n",
		},
		{"json is never coloured", TailOptions{Output: "json", Color: "always"}, plain, plain + "\n"},
		{"raw is never coloured", TailOptions{Output: "raw", Color: "always"}, plain, "GET /api/orders 200\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			r, err := newRenderer(tt.opts, &out)
			if err != nil {
				t.Fatal(err)
			}
			if err := r.write(mustDecode(t, tt.entry)); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestRenderLocalTime(t *testing.T) {
	var out bytes.Buffer
	r, err := newRenderer(TailOptions{Local: true, zone: time.FixedZone("X", 3600+1800)}, &out)
	if err != nil {
		t.Fatal(err)
	}
	r.write(mustDecode(t, entry("c1", "debug", "m", "")))
	if got, want := out.String(), "2026-11-22T20:54:37.123+01:30 DEBUG api web-1  m\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestRenderBadOptions(t *testing.T) {
	for _, opts := range []TailOptions{{Output: "yaml"}, {Color: "sometimes"}} {
		if _, err := newRenderer(opts, &bytes.Buffer{}); err == nil {
			t.Errorf("%+v: got nil error, want one", opts)
		}
	}
}

// syncBuffer is a bytes.Buffer safe to poll while Tail writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestTail runs Tail against a server: entries go to stdout in the chosen
// format, notices to stderr (or, in json, gap and dropped to stdout).
func TestTail(t *testing.T) {
	e1 := entry("c1", "info", "first", `{"n":1}`)
	e2 := entry("c2", "error", "second\n  at x", "")
	tests := []struct {
		output     string
		wantStdout string
		wantStderr []string
	}{
		{
			output:     "json",
			wantStdout: e1 + "\n" + `{"type":"gap","missed":5}` + "\n" + `{"type":"dropped","count":9}` + "\n" + e2 + "\n",
			wantStderr: []string{"server refused a request: invalid regex"},
		},
		{
			output:     "raw",
			wantStdout: "first\nsecond\n  at x\n",
			wantStderr: []string{"gap: 5 entries missed", "skipped 9 entries", "invalid regex"},
		},
		{
			output:     "pretty",
			wantStdout: "2026-11-22T19:24:37.123Z INFO  api web-1  first  n=1\n2026-11-22T19:24:37.123Z ERROR api web-1  second\n  at x\n",
			wantStderr: []string{"gap: 5 entries missed", "skipped 9 entries", "invalid regex"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.output, func(t *testing.T) {
			fs := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
				if conn := upgrade(t, w, r); conn != nil {
					send(t, conn, hello, e1, `{"type":"gap","missed":5}`, `{"type":"dropped","count":9}`)
					send(t, conn, `{"type":"error","error":"invalid regex"}`, `{"type":"future","x":1}`, e2)
					waitClientGone(conn)
				}
			})
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var stdout, stderr syncBuffer
			done := make(chan error, 1)
			go func() {
				done <- Tail(ctx, TailOptions{Options: Options{URL: fs.URL()}, Output: tt.output}, &stdout, &stderr)
			}()
			deadline := time.Now().Add(5 * time.Second)
			for stdout.String() != tt.wantStdout && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			cancel()
			if err := <-done; err != nil {
				t.Errorf("got %v from Tail, want nil after cancel", err)
			}
			if got := stdout.String(); got != tt.wantStdout {
				t.Errorf("stdout: got\n%q\nwant\n%q", got, tt.wantStdout)
			}
			for _, s := range tt.wantStderr {
				if !strings.Contains(stderr.String(), s) {
					t.Errorf("stderr: got %q, want it to contain %q", stderr.String(), s)
				}
			}
		})
	}
}

// TestTailReconnectNotices: a reconnect is announced on stderr and stdout
// gets every entry once.
func TestTailReconnectNotices(t *testing.T) {
	fs := newFakeServer(t,
		func(w http.ResponseWriter, r *http.Request) {
			if conn := upgrade(t, w, r); conn != nil {
				send(t, conn, hello, entry("c1", "info", "one", ""))
				conn.Close()
			}
		},
		func(w http.ResponseWriter, r *http.Request) {
			if conn := upgrade(t, w, r); conn != nil {
				send(t, conn, hello, entry("c2", "info", "two", ""))
				waitClientGone(conn)
			}
		},
	)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- Tail(ctx, TailOptions{Options: Options{URL: fs.URL(), Reconnect: true, MaxBackoff: 10 * time.Millisecond}, Output: "raw"}, &stdout, &stderr)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for stdout.String() != "one\ntwo\n" && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("got %v, want nil", err)
	}
	if got := stdout.String(); got != "one\ntwo\n" {
		t.Errorf("got stdout %q, want %q", got, "one\ntwo\n")
	}
	if got := stderr.String(); !containsAll(got, "closed without a close frame; reconnecting in", "reconnected to tailcast/test") {
		t.Errorf("got stderr %q, want a disconnect and a reconnect notice", got)
	}
}

func TestTailUnreachable(t *testing.T) {
	addr := closedPort(t)
	var stdout, stderr bytes.Buffer
	err := Tail(t.Context(), TailOptions{Options: Options{URL: "http://" + addr, Reconnect: true}}, &stdout, &stderr)
	if err == nil || !containsAll(err.Error(), "server at ws://"+addr+"/ws is not reachable") {
		t.Errorf("got %v, want a clear unreachable error", err)
	}
}
