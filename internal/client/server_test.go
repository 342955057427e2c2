package client

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// fakeServer is a scripted websocket server speaking the documented
// protocol, for the cases the real pusher cannot produce on demand.
// Connection i runs script i (the last script repeats).
type fakeServer struct {
	t       *testing.T
	srv     *httptest.Server
	scripts []script

	mu   sync.Mutex
	reqs []*http.Request // one per connection attempt
	wg   sync.WaitGroup
}

// script handles one connection attempt: refuse it with w, or upgrade it.
type script func(w http.ResponseWriter, r *http.Request)

func newFakeServer(t *testing.T, scripts ...script) *fakeServer {
	t.Helper()
	fs := &fakeServer{t: t, scripts: scripts}
	fs.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.wg.Add(1)
		defer fs.wg.Done()
		fs.mu.Lock()
		i := len(fs.reqs)
		fs.reqs = append(fs.reqs, r.Clone(r.Context()))
		fs.mu.Unlock()
		fs.scripts[min(i, len(fs.scripts)-1)](w, r)
	}))
	t.Cleanup(func() {
		fs.srv.Close()
		fs.wg.Wait()
	})
	return fs
}

func (fs *fakeServer) URL() string { return fs.srv.URL }

// requests returns the connection attempts so far.
func (fs *fakeServer) requests() []*http.Request {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return append([]*http.Request(nil), fs.reqs...)
}

// upgrade turns the request into a websocket; the conn is bounded by a
// deadline so that no script outlives its test.
func upgrade(t *testing.T, w http.ResponseWriter, r *http.Request) net.Conn {
	t.Helper()
	if r.URL.Path != "/ws" {
		http.NotFound(w, r)
		return nil
	}
	conn, _, _, err := ws.UpgradeHTTP(r, w)
	if err != nil {
		t.Errorf("upgrade: %v", err)
		return nil
	}
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	return conn
}

// send writes one text frame holding the given objects, each ended by \n.
func send(t *testing.T, conn net.Conn, objs ...string) {
	t.Helper()
	var b strings.Builder
	for _, o := range objs {
		b.WriteString(o)
		b.WriteByte('\n')
	}
	if err := wsutil.WriteServerText(conn, []byte(b.String())); err != nil {
		t.Errorf("send: %v", err)
	}
}

func closeWith(t *testing.T, conn net.Conn, code ws.StatusCode, reason string) {
	t.Helper()
	f := ws.NewCloseFrame(ws.NewCloseFrameBody(code, reason))
	if err := ws.WriteFrame(conn, f); err != nil {
		t.Errorf("write close: %v", err)
	}
	// Wait for the client's echo (or its going away) before closing.
	rd := bufio.NewReader(conn)
	for {
		f, err := ws.ReadFrame(rd)
		if err != nil || f.Header.OpCode == ws.OpClose {
			break
		}
	}
	conn.Close()
}

// waitClientGone reads until the client closes, answering nothing.
func waitClientGone(conn net.Conn) {
	rd := bufio.NewReader(conn)
	for {
		if _, err := ws.ReadFrame(rd); err != nil {
			break
		}
	}
	conn.Close()
}

const hello = `{"type":"hello","version":1,"server":"tailcast/test"}`

func entry(cursor, level, msg, fields string) string {
	m, _ := json.Marshal(msg)
	s := fmt.Sprintf(`{"type":"entry","cursor":%q,"ts":"2026-11-22T19:24:37.123456789Z","service":"api","host":"web-1","source":"/var/log/api.log","level":%q,"msg":%s`,
		cursor, level, m)
	if fields != "" {
		s += `,"fields":` + fields
	}
	return s + "}"
}

// closedPort returns an address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

type netConn = net.Conn

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
