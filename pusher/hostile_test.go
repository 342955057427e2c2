package pusher

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/tailcast/tailcast/internal/wait"
)

// rawFrame encodes a client frame; masked unless told otherwise.
func rawFrame(t *testing.T, op ws.OpCode, fin, masked bool, payload []byte) []byte {
	t.Helper()
	f := ws.NewFrame(op, fin, bytes.Clone(payload))
	if masked {
		f = ws.MaskFrameInPlace(f)
	}
	var b bytes.Buffer
	if err := ws.WriteFrame(&b, f); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestHostileFrames(t *testing.T) {
	big := bytes.Repeat([]byte("a"), 64<<10+1)
	half := bytes.Repeat([]byte("a"), 40<<10)
	tests := []struct {
		name   string
		frames func(t *testing.T) [][]byte
		want   ws.StatusCode
	}{
		{"oversize frame", func(t *testing.T) [][]byte {
			return [][]byte{rawFrame(t, ws.OpText, true, true, big)}
		}, ws.StatusMessageTooBig},
		{"oversize fragmented message", func(t *testing.T) [][]byte {
			return [][]byte{rawFrame(t, ws.OpText, false, true, half), rawFrame(t, ws.OpContinuation, true, true, half)}
		}, ws.StatusMessageTooBig},
		{"binary", func(t *testing.T) [][]byte {
			return [][]byte{rawFrame(t, ws.OpBinary, true, true, []byte{1, 2, 3})}
		}, ws.StatusUnsupportedData},
		{"invalid utf8", func(t *testing.T) [][]byte {
			return [][]byte{rawFrame(t, ws.OpText, true, true, []byte("{\"type\":\"filter\",\"q\":\"\xff\"}"))}
		}, ws.StatusInvalidFramePayloadData},
		{"invalid utf8 across fragments", func(t *testing.T) [][]byte {
			return [][]byte{rawFrame(t, ws.OpText, false, true, []byte("ab\xe2\x82")), rawFrame(t, ws.OpContinuation, true, true, []byte("x"))}
		}, ws.StatusInvalidFramePayloadData},
		{"unmasked", func(t *testing.T) [][]byte {
			return [][]byte{rawFrame(t, ws.OpText, true, false, []byte(`{"type":"filter"}`))}
		}, ws.StatusProtocolError},
		{"reserved opcode", func(t *testing.T) [][]byte {
			return [][]byte{rawFrame(t, ws.OpCode(0x3), true, true, nil)}
		}, ws.StatusProtocolError},
		{"continuation without start", func(t *testing.T) [][]byte {
			return [][]byte{rawFrame(t, ws.OpContinuation, true, true, []byte("x"))}
		}, ws.StatusProtocolError},
		{"repeated invalid messages", func(t *testing.T) [][]byte {
			var out [][]byte
			for range maxBadMessages {
				out = append(out, rawFrame(t, ws.OpText, true, true, []byte("not json")))
			}
			return out
		}, ws.StatusPolicyViolation},
		{"client close", func(t *testing.T) [][]byte {
			return [][]byte{rawFrame(t, ws.OpClose, true, true, ws.NewCloseFrameBody(ws.StatusNormalClosure, "bye"))}
		}, ws.StatusNormalClosure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, u := testServer(t, Config{})
			c := dial(t, u)
			c.hello()
			waitClients(t, s, 1)
			for _, f := range tt.frames(t) {
				if _, err := c.conn.Write(f); err != nil {
					t.Fatalf("write: %v", err)
				}
			}
			code, err := c.closeCode(5 * time.Second)
			if err != nil || code != tt.want {
				t.Fatalf("got close code %d (%v), want %d", code, err, tt.want)
			}
			waitClients(t, s, 0)
		})
	}
}

func TestPingPongAndDeadPeer(t *testing.T) {
	s, u := testServer(t, Config{PingInterval: 50 * time.Millisecond})
	// live answers pings (wsutil does, while reading); dead never reads
	// nor writes.
	live := dial(t, u)
	live.hello()
	dead := dial(t, u)
	dead.hello()
	waitClients(t, s, 2)
	got := make(chan error, 1)
	go func() {
		// Reading makes wsutil answer pings.
		for {
			m, err := live.nextErr(5 * time.Second)
			if err != nil || m.Msg == "still here" {
				got <- err
				return
			}
		}
	}()
	waitClients(t, s, 1) // the dead one, after 2×PingInterval
	s.Begin(0, 0)
	s.Publish(0, 0, entry("a", "b", lInfo, "still here"))
	if err := <-got; err != nil {
		t.Fatalf("live client: got %v, want the entry after the dead peer was closed", err)
	}
	// Issue 15 item 4: 1001 is for shutdown; silence gets its own code.
	if code, err := dead.closeCode(5 * time.Second); err != nil || code != statusIdle {
		t.Errorf("dead peer's close code: got %d (%v), want %d (idle timeout)", code, err, statusIdle)
	}
	var m dto.Metric
	if err := s.m.disconnects.WithLabelValues(reasonIdle).Write(&m); err != nil || m.GetCounter().GetValue() != 1 {
		t.Errorf("idle disconnects: got %v (%v), want 1", m.GetCounter().GetValue(), err)
	}
}

func TestPingFloodAndFragments(t *testing.T) {
	s, u := testServer(t, Config{})
	s.Begin(0, 0)
	c := dial(t, u)
	c.hello()
	// Many pings the client never reads the pongs of, then a filter message
	// fragmented around a ping: the server must stay up and apply it.
	var b bytes.Buffer
	for range 5000 {
		b.Write(rawFrame(t, ws.OpPing, true, true, []byte("0123456789")))
	}
	b.Write(rawFrame(t, ws.OpText, false, true, []byte(`{"type":"filter",`)))
	b.Write(rawFrame(t, ws.OpPing, true, true, []byte("mid")))
	b.Write(rawFrame(t, ws.OpContinuation, true, true, []byte(`"service":"db"}`)))
	b.Write(rawFrame(t, ws.OpText, true, true, []byte(`{"type":"x"}`)))
	if _, err := c.conn.Write(b.Bytes()); err != nil {
		t.Fatal(err)
	}
	var pongs int
	for {
		c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		f, err := ws.ReadFrame(c.conn)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if f.Header.OpCode == ws.OpPong {
			pongs++
			continue
		}
		if f.Header.OpCode == ws.OpText && strings.Contains(string(f.Payload), `"error"`) {
			break
		}
	}
	if pongs == 0 || pongs > 5001 {
		t.Errorf("got %d pongs, want between 1 and 5001", pongs)
	}
	s.Publish(0, 0, entry("api", "h", lInfo, "filtered out"))
	s.Publish(0, 1, entry("db", "h", lInfo, "kept"))
	for {
		p, err := wsutil.ReadServerText(c.rw)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if strings.Contains(string(p), "filtered out") {
			t.Fatalf("got %q, want the db filter applied", p)
		}
		if strings.Contains(string(p), "kept") {
			break
		}
	}
}

func TestMalformedHandshakes(t *testing.T) {
	s, u := testServer(t, Config{})
	addr := strings.TrimSuffix(strings.TrimPrefix(u, "ws://"), "/ws")
	for i, req := range []string{
		"GET /ws HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n",
		"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n",
		"POST /ws HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
		"GET /ws?level=%zz HTTP/1.1\r\nHost: x\r\n\r\n",
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(5 * time.Second))
			if _, err := conn.Write([]byte(req)); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 64)
			n, _ := conn.Read(buf)
			if got := string(buf[:n]); !strings.HasPrefix(got, "HTTP/1.1 4") {
				t.Errorf("got %q, want a 4xx response", got)
			}
		})
	}
	if n := s.Clients(); n != 0 {
		t.Errorf("clients: got %d, want 0", n)
	}
}

func TestConnectDisconnectCycles(t *testing.T) {
	s, u := testServer(t, Config{})
	for range 300 {
		c := dial(t, u)
		c.hello()
		c.conn.Close()
	}
	waitClients(t, s, 0)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.filters) != 0 {
		t.Errorf("interned filters: got %d, want 0", len(s.filters))
	}
	s.ipMu.Lock()
	defer s.ipMu.Unlock()
	if len(s.perIP) != 0 {
		t.Errorf("per-IP counts: got %v, want none", s.perIP)
	}
}

func TestIdleConnectionsHoldNoGoroutine(t *testing.T) {
	s, u := testServer(t, Config{MaxConnsPerIP: -1})
	if s.poll == nil {
		t.Skip("netpoll unavailable")
	}
	const n = 200
	before := runtime.NumGoroutine()
	cs := make([]*wsClient, n)
	for i := range cs {
		cs[i] = dial(t, u)
		cs[i].hello()
	}
	waitClients(t, s, n)
	// Handler goroutines end once a connection is in the poller.
	wait.For(t, 10*time.Second, "handler goroutines to end", func() bool { return runtime.NumGoroutine()-before < 20 })
	// And the idle connections still work: a filter message, then an entry.
	cs[n-1].send(`{"type":"filter","service":"db"}`)
	cs[n-1].send(`{"type":"x"}`)
	if m := cs[n-1].next(); m.Type != "error" {
		t.Fatalf("got %+v, want error", m)
	}
	s.Begin(0, 0)
	s.Publish(0, 0, entry("db", "h", lInfo, "to all"))
	for _, c := range []*wsClient{cs[0], cs[n-1]} {
		if m := c.next(); m.Msg != "to all" {
			t.Fatalf("got %+v, want the entry", m)
		}
	}
}

// wrapped is a connection wrapper that leaves the bytes alone, as
// httpserve's connection counter does.
type wrapped struct{ net.Conn }

func (w wrapped) Unwrap() net.Conn { return w.Conn }

// TestTCPConnThroughWrappers: netpoll and raw writes reach the socket
// under a wrapper that leaves the bytes alone, and never a TLS one.
func TestTCPConnThroughWrappers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tests := []struct {
		name string
		conn net.Conn
		want bool
	}{
		{"plain", c, true},
		{"one wrapper", wrapped{c}, true},
		{"two wrappers", wrapped{wrapped{c}}, true},
		{"tls", tls.Client(c, &tls.Config{InsecureSkipVerify: true}), false},                  //nolint:gosec // never handshakes
		{"wrapped tls", wrapped{tls.Client(c, &tls.Config{InsecureSkipVerify: true})}, false}, //nolint:gosec // never handshakes
	}
	for _, tt := range tests {
		if _, got := tcpConn(tt.conn); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
		if _, got := connFD(tt.conn); got != tt.want {
			t.Errorf("%s: connFD got %v, want %v", tt.name, got, tt.want)
		}
	}
}
