package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gobwas/ws"

	"github.com/tailcast/tailcast/internal/client"
)

// FuzzClientDecode fuzzes the client's protocol decoding (internal/client
// has no fuzz target of its own and its decoder is unexported) through the
// exported API: a loopback server sends a valid hello, then the fuzzed bytes
// as one text frame, then close 1000; the client reads with Conn.Next.
//
// Properties: no panic and no hang; every message returned is one of the
// frame's non-blank lines, in order, valid JSON with a type; a bad object is
// reported (ErrProtocol) without ending the connection; and when the frame is
// valid UTF-8 every line is accounted for and the connection ends with the
// server's close 1000.
func FuzzClientDecode(f *testing.F) {
	for _, s := range []string{
		`{"type":"entry","cursor":"AQKFAw","ts":"2026-11-22T19:24:37.123456789Z","service":"api","host":"web-1","source":"/var/log/api.log","level":"error","msg":"payment failed","fields":{"order":"A-17","amount":12.5}}` + "\n",
		`{"type":"gap","missed":1200}` + "\n" + `{"type":"dropped","count":532}` + "\n" + `{"type":"error","error":"bad regex"}` + "\n",
		`{"type":"entry","msg":"a\nb","fields":null,"truncated":true}` + "\n\n\n",
		`{"type":"entry","ts":"yesterday"}`,
		`{"type":"entry","fields":[1,2]}`,
		`{"type":"entry","fields":{"a":1,"a":2,"b":{"c":[]}}}`,
		`{"type":"hello","version":2}`,
		`{"type":"future-thing","x":1}`,
		`{"type":""}`,
		`{}`,
		`[]`,
		`null`,
		`{"type":"entry","missed":1e999}`,
		`{"type":"entry"`,
		"{\"type\":\"entry\",\"msg\":\"\xff\"}",
		"\r\n \t\n",
		"",
	} {
		f.Add([]byte(s))
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	payloads := make(chan []byte, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			p := <-payloads
			serveFuzz(conn, p)
		}
	}()
	f.Cleanup(func() { ln.Close(); <-done })
	u := "ws://" + ln.Addr().String() + "/ws"

	f.Fuzz(func(t *testing.T, payload []byte) {
		payloads <- payload
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := client.Dial(ctx, client.Options{URL: u, DialTimeout: 5 * time.Second})
		if err != nil {
			t.Fatalf("dial (the hello is valid): %v", err)
		}
		defer c.Close()
		if m, err := c.Next(ctx); err != nil || m.Type != client.TypeHello {
			t.Fatalf("first message: got %q, %v; want hello", m.Type, err)
		}
		var lines [][]byte
		for l := range bytes.SplitSeq(payload, []byte{'\n'}) {
			if len(bytes.TrimSpace(l)) > 0 {
				lines = append(lines, l)
			}
		}
		valid := utf8.Valid(payload)
		i := 0 // objects consumed: each result, message or bad object, is the next line
		var end error
		for {
			if i > len(lines) {
				t.Fatalf("got more than %d results from %d lines", i, len(lines))
			}
			m, err := c.Next(ctx)
			if err == nil {
				if !valid {
					t.Fatalf("got %q from a frame that is not valid UTF-8", m.Raw)
				}
				if m.Type == "" || !json.Valid(m.Raw) {
					t.Fatalf("message without a type or not JSON: %+v", m)
				}
				if i == len(lines) || !bytes.Equal(lines[i], m.Raw) {
					t.Fatalf("message %d is %q, want line %d of the frame", i, m.Raw, i)
				}
				i++
				continue
			}
			if errors.Is(err, client.ErrProtocol) && valid && i < len(lines) {
				i++ // a bad object: reported, and the connection goes on
				continue
			}
			end = err
			break
		}
		if !valid {
			if end == nil || errors.Is(end, context.DeadlineExceeded) {
				t.Fatalf("frame that is not valid UTF-8: got %v, want a prompt error", end)
			}
			return
		}
		var ce *client.CloseError
		if !errors.As(end, &ce) || ce.Code != 1000 {
			t.Fatalf("connection ended with %v after %d of %d lines, want the server's close 1000", end, i, len(lines))
		}
		if i != len(lines) {
			t.Fatalf("consumed %d objects from %d lines", i, len(lines))
		}
	})
}

// serveFuzz upgrades conn, sends hello, payload and close 1000, and waits
// for the client to go.
func serveFuzz(conn net.Conn, payload []byte) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := ws.Upgrade(conn); err != nil {
		return
	}
	_ = ws.WriteFrame(conn, ws.NewTextFrame([]byte(`{"type":"hello","version":1,"server":"fuzz"}`+"\n")))
	_ = ws.WriteFrame(conn, ws.NewTextFrame(payload))
	_ = ws.WriteFrame(conn, ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusNormalClosure, "")))
	_, _ = io.Copy(io.Discard, conn)
}
