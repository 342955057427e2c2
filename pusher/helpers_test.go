package pusher

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/tailcast/tailcast/internal/wait"
	"github.com/tailcast/tailcast/proto/logpb"
)

// testServer runs s behind a real loopback HTTP server on 127.0.0.1:0.
func testServer(t testing.TB, cfg Config) (*Server, string) {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/ws", s)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	hs := &httptest.Server{Listener: ln, Config: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}}
	hs.Start()
	t.Cleanup(func() {
		s.Close()
		hs.Close()
	})
	return s, "ws://" + ln.Addr().String() + "/ws"
}

// httpServerFor serves s on /ws over a given listener.
type httpServerFor struct{ s *Server }

func (h *httpServerFor) serve(ln net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("/ws", h.s)
	return (&http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}).Serve(ln)
}

// msg is one decoded server message.
type msg struct {
	Type      string          `json:"type"`
	Version   int             `json:"version"`
	Server    string          `json:"server"`
	Cursor    string          `json:"cursor"`
	TS        string          `json:"ts"`
	Service   string          `json:"service"`
	Host      string          `json:"host"`
	Source    string          `json:"source"`
	Level     string          `json:"level"`
	Msg       string          `json:"msg"`
	Fields    json.RawMessage `json:"fields"`
	Truncated bool            `json:"truncated"`
	Missed    int64           `json:"missed"`
	Count     int64           `json:"count"`
	Error     string          `json:"error"`
	// progress, end
	Scanned    int64  `json:"scanned"`
	Of         int64  `json:"of"`
	Sent       int64  `json:"sent"`
	Matched    int64  `json:"matched"`
	Limited    bool   `json:"limited"`
	Incomplete bool   `json:"incomplete"`
	Reason     string `json:"reason"`
	Stopped    string `json:"stopped"`
	Anchor     bool   `json:"anchor"`
	// histogram
	Counts   map[string][]int64 `json:"counts"`
	StepMS   int64              `json:"step_ms"`
	Buckets  int                `json:"buckets"`
	Complete bool               `json:"complete"`
}

// wsClient is a protocol client over a real gobwas connection.
type wsClient struct {
	t       testing.TB
	conn    net.Conn
	rw      io.ReadWriter
	pending []msg
	closed  *wsutil.ClosedError

	patPending []patMsg // nextPat (patterns_test.go)
}

func dial(t testing.TB, url string) *wsClient {
	t.Helper()
	c, err := tryDial(t, url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	return c
}

func tryDial(t testing.TB, url string, h http.Header) (*wsClient, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d := ws.Dialer{}
	if h != nil {
		d.Header = ws.HandshakeHeaderHTTP(h)
	}
	conn, br, _, err := d.Dial(ctx, url)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { conn.Close() })
	var r io.Reader = conn
	if br != nil {
		r = io.MultiReader(br, conn)
	}
	return &wsClient{t: t, conn: conn, rw: struct {
		io.Reader
		io.Writer
	}{r, conn}}, nil
}

// next returns the next server message, failing the test after 5s.
func (c *wsClient) next() msg {
	c.t.Helper()
	m, err := c.nextErr(5 * time.Second)
	if err != nil {
		c.t.Fatalf("read message: %v", err)
	}
	return m
}

func (c *wsClient) nextErr(timeout time.Duration) (msg, error) {
	for len(c.pending) == 0 {
		c.conn.SetReadDeadline(time.Now().Add(timeout))
		p, err := wsutil.ReadServerText(c.rw)
		if err != nil {
			var ce wsutil.ClosedError
			if errors.As(err, &ce) {
				c.closed = &ce
			}
			return msg{}, err
		}
		if len(p) == 0 || p[len(p)-1] != '\n' {
			return msg{}, fmt.Errorf("frame does not end with a newline: %q", p)
		}
		for line := range bytes.SplitSeq(p[:len(p)-1], []byte("\n")) {
			var m msg
			if err := json.Unmarshal(line, &m); err != nil {
				return msg{}, fmt.Errorf("decode %q: %w", line, err)
			}
			c.pending = append(c.pending, m)
		}
	}
	m := c.pending[0]
	c.pending = c.pending[1:]
	return m, nil
}

// hello reads and checks the hello message.
func (c *wsClient) hello() {
	c.t.Helper()
	if m := c.next(); m.Type != "hello" || m.Version != 1 || !strings.HasPrefix(m.Server, "tailcast/") {
		c.t.Fatalf("first message: got %+v, want hello version 1", m)
	}
}

// untilMsg reads entries until one whose msg is last, returning all
// messages read (last included).
func (c *wsClient) untilMsg(last string) []msg {
	c.t.Helper()
	var out []msg
	for {
		m := c.next()
		out = append(out, m)
		if m.Type == "entry" && m.Msg == last {
			return out
		}
	}
}

// closeCode reads until the server closes and returns its close code.
func (c *wsClient) closeCode(timeout time.Duration) (ws.StatusCode, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		_, err := c.nextErr(time.Until(deadline))
		if err == nil {
			continue
		}
		if c.closed != nil {
			return c.closed.Code, nil
		}
		return 0, err
	}
	return 0, errors.New("no close before deadline")
}

func (c *wsClient) send(v string) {
	c.t.Helper()
	if err := wsutil.WriteClientText(c.conn, []byte(v)); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

func msgs(ms []msg) []string {
	var out []string
	for _, m := range ms {
		if m.Type == "entry" {
			out = append(out, m.Msg)
		} else {
			out = append(out, m.Type)
		}
	}
	return out
}

func entry(service, host string, level logpb.Level, text string) *logpb.LogEntry {
	return &logpb.LogEntry{
		TimeUnixNano:     time.Date(2026, 11, 22, 19, 24, 37, 123456789, time.UTC).UnixNano(),
		ReadTimeUnixNano: time.Now().UnixNano(),
		Service:          service, Host: host, Source: "/var/log/" + service + ".log",
		Level: level, Message: text,
	}
}

// waitClients waits until the server has n registered clients; a dial
// returns before the server has registered the connection.
func waitClients(t testing.TB, s *Server, n int) {
	t.Helper()
	wait.For(t, 10*time.Second, fmt.Sprintf("%d clients", n), func() bool { return s.Clients() == n })
}

// cursorV1Of builds a version 1 cursor, as servers before version 2 wrote.
func cursorV1Of(v ...vecEntry) string {
	raw := []byte{cursorVersionV1}
	raw = binary.AppendUvarint(raw, uint64(len(v)))
	for _, e := range v {
		raw = binary.AppendUvarint(raw, uint64(e.part))
		raw = binary.AppendUvarint(raw, uint64(e.off+1))
	}
	return base64.RawURLEncoding.EncodeToString(raw)
}

// cursorOf builds a cursor for test vectors.
func cursorOf(v ...vecEntry) string {
	b, _ := appendCursor(nil, nil, v, noPart)
	return string(b)
}
