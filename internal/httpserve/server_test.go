package httpserve

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/tailcast/tailcast/internal/wait"
)

// With the cap at N, connection N+1 is answered 503 and closed, while a
// keep-alive connection already open still gets /healthz; a freed slot is
// usable again.
func TestConnectionCap(t *testing.T) {
	const n = 3
	reg := prometheus.NewRegistry()
	s := start(t, Config{MaxConns: n, Registerer: reg})
	addr := s.Addr().String()
	if got := s.Limits().MaxConns; got != n {
		t.Fatalf("MaxConns: got %d, want %d", got, n)
	}
	conns := make([]*keepAlive, n)
	for i := range conns {
		conns[i] = dial(t, addr)
		if code, _, err := conns[i].get("/healthz", addr); err != nil || code != 200 {
			t.Fatalf("connection %d: got %d, %v, want 200", i, code, err)
		}
	}
	wait.For(t, 5*time.Second, "n connections counted", func() bool { return s.Conns() == n })

	over := dial(t, addr)
	code, body, err := over.get("/healthz", addr)
	if err != nil || code != http.StatusServiceUnavailable || !strings.Contains(body, "connection limit") {
		t.Fatalf("connection n+1: got %d %q (%v), want 503 naming the connection limit", code, body, err)
	}
	_ = over.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := over.r.ReadByte(); !errors.Is(err, io.EOF) {
		t.Errorf("after the refusal: got %v, want the connection closed (EOF)", err)
	}
	if got := counter(t, s.m.refused.WithLabelValues("conn_limit")); got != 1 {
		t.Errorf("refused{conn_limit}: got %v, want 1", got)
	}
	if code, body, err := conns[0].get("/healthz", addr); err != nil || code != 200 || body != "ok\n" {
		t.Fatalf("/healthz on an open keep-alive connection at the cap: got %d %q (%v), want 200 ok", code, body, err)
	}

	conns[1].c.Close()
	wait.For(t, 5*time.Second, "the closed connection's slot freed", func() bool { return s.Conns() == n-1 })
	again := dial(t, addr)
	if code, _, err := again.get("/healthz", addr); err != nil || code != 200 {
		t.Fatalf("after a slot freed: got %d (%v), want 200", code, err)
	}
}

// An idle keep-alive connection is closed by the server after IdleTimeout.
func TestIdleConnectionClosed(t *testing.T) {
	s := start(t, Config{IdleTimeout: 100 * time.Millisecond})
	addr := s.Addr().String()
	k := dial(t, addr)
	if code, _, err := k.get("/healthz", addr); err != nil || code != 200 {
		t.Fatalf("got %d (%v), want 200", code, err)
	}
	_ = k.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	if _, err := k.r.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("idle connection: got %v after %v, want EOF: closed by the server", err, time.Since(start))
	}
	wait.For(t, 5*time.Second, "no connection counted", func() bool { return s.Conns() == 0 })
}

// A connection that never sends its headers is closed after
// ReadHeaderTimeout and gives its slot back.
func TestSlowHeadersClosed(t *testing.T) {
	s := start(t, Config{ReadHeaderTimeout: 100 * time.Millisecond})
	k := dial(t, s.Addr().String())
	if _, err := io.WriteString(k.c, "GET /healthz HTTP/1.1\r\n"); err != nil {
		t.Fatal(err)
	}
	_ = k.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadAll(k.r); err != nil {
		t.Fatalf("got %v, want the server to close the connection", err)
	}
	wait.For(t, 5*time.Second, "no connection counted", func() bool { return s.Conns() == 0 })
}

// A hijacked websocket outlives ReadTimeout and WriteTimeout (net/http
// clears the deadlines at Hijack): the timeouts are safe for the pusher.
func TestUpgradeOutlivesTimeouts(t *testing.T) {
	const timeout = 100 * time.Millisecond
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		c, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		defer c.Close()
		fmt.Fprint(rw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		rw.Flush()
		line, err := rw.ReadString('\n')
		if err != nil {
			return // the client sees the echo missing
		}
		rw.WriteString(line)
		rw.Flush()
	})
	s := start(t, Config{Handler: mux, ReadTimeout: timeout, WriteTimeout: timeout, ReadHeaderTimeout: timeout})
	addr := s.Addr().String()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	fmt.Fprintf(c, "GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n", addr)
	resp, err := http.ReadResponse(r, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: got %v (%v), want 101", resp, err)
	}
	// The condition under test is time passing: three times the
	// server's timeouts, with the connection quiet.
	<-time.After(3 * timeout)
	fmt.Fprint(c, "ping\n")
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if line, err := r.ReadString('\n'); err != nil || line != "ping\n" {
		t.Fatalf("echo after 3x the timeouts: got %q (%v), want %q", line, err, "ping\n")
	}
}

// Two servers (the main one and a metrics listener) register their
// metrics in one registry without a clash.
func TestTwoServersOneRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	start(t, Config{Name: "http", Registerer: reg})
	start(t, Config{Name: "metrics", Registerer: reg})
	mfs, err := reg.Gather()
	n := 0
	for _, mf := range mfs {
		if mf.GetName() == "tailcast_http_max_connections" {
			n = len(mf.GetMetric())
		}
	}
	if err != nil || n != 2 {
		t.Fatalf("max_connections series: got %d (%v), want 2", n, err)
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want error
	}{
		{"no handler", Config{Listen: "127.0.0.1:0"}, ErrNoHandler},
		{"cert without key", Config{Listen: "127.0.0.1:0", Handler: okMux(), TLSCert: "a.crt"}, ErrTLSPair},
		{"reserve above the limit", Config{Listen: "127.0.0.1:0", Handler: okMux(), FDReserve: 1 << 40}, ErrNoFDs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(tt.cfg)
			if err == nil {
				s.Close()
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

// Over TLS a connection over the cap cannot be answered in plain text: it
// is closed before the handshake, and counted.
func TestConnectionCapTLS(t *testing.T) {
	certFile, keyFile := certPaths(t)
	writeCert(t, certFile, keyFile, 1)
	s := start(t, Config{TLSCert: certFile, TLSKey: keyFile, MaxConns: 1})
	addr := s.Addr().String()
	first, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // test certificate
	if err != nil {
		t.Fatalf("first connection: %v", err)
	}
	defer first.Close()
	wait.For(t, 5*time.Second, "one connection counted", func() bool { return s.Conns() == 1 })
	if c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true}); err == nil { //nolint:gosec // test certificate
		c.Close()
		t.Fatal("second connection: handshake succeeded, want it closed at the cap")
	}
	if got := counter(t, s.m.refused.WithLabelValues("conn_limit")); got != 1 {
		t.Errorf("refused{conn_limit}: got %v, want 1", got)
	}
	if !strings.HasPrefix(s.URL(), "https://127.0.0.1:") {
		t.Errorf("URL: got %q, want https://127.0.0.1:port/", s.URL())
	}
}

func counter(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}
