package client

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

func TestCloseErrorText(t *testing.T) {
	tests := []struct {
		code      int
		want      string
		permanent bool
	}{
		{1001, "going away (1001)", false},
		{1008, "policy violation (1008)", false},
		{4000, "idle timeout (4000)", false},
		{1002, "protocol error (1002)", true},
		{4999, "close (4999)", false},
	}
	for _, tt := range tests {
		err := &CloseError{Code: tt.code, Reason: "why"}
		if got := err.Error(); !strings.Contains(got, tt.want) || !strings.HasSuffix(got, ": why") {
			t.Errorf("code %d: got %q, want it to name %q and the reason", tt.code, got, tt.want)
		}
		if got := Permanent(err); got != tt.permanent {
			t.Errorf("code %d: Permanent got %v, want %v", tt.code, got, tt.permanent)
		}
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
