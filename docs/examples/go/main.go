// Command client is a minimal Go client of the tailcast websocket protocol
// (docs/protocol.md) on github.com/gobwas/ws:
//
//	go run ./docs/examples/go ws://127.0.0.1:8080/ws
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

type message struct {
	Type, Server, Cursor, Service, Level, Msg, Error string
	Version                                          int
	TS                                               time.Time
	Fields                                           json.RawMessage
	Missed, Count                                    int64
}

type client struct {
	base    string
	mu      sync.Mutex // guards filter and conn
	filter  url.Values // the filter of the connection and of every reconnect
	conn    net.Conn   // nil while disconnected
	cursor  string     // of the last entry processed
	backoff time.Duration
}

// setFilter changes the filter without reconnecting. Each frame goes out in
// one Write (wsutil's pong and close replies do too), and net.Conn
// serialises Writes, so this may run beside the read loop.
func (c *client) setFilter(f url.Values) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.filter = f
	if c.conn == nil {
		return nil
	}
	m := map[string]string{"type": "filter"}
	for k := range f {
		m[k] = f.Get(k)
	}
	b, _ := json.Marshal(m)
	var frame bytes.Buffer
	if err := wsutil.WriteClientText(&frame, b); err != nil {
		return err
	}
	_, err := c.conn.Write(frame.Bytes())
	return err
}

func (c *client) session(ctx context.Context) error {
	c.mu.Lock() // held while dialling: a filter change cannot slip in between
	q := url.Values{}
	for k, v := range c.filter {
		q[k] = v
	}
	if c.cursor != "" {
		q.Set("since", c.cursor)
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, br, _, err := ws.Dial(dctx, c.base+"?"+q.Encode())
	cancel()
	if err != nil {
		c.mu.Unlock()
		return err // HTTP 400 (bad filter) arrives as ws.StatusError
	}
	c.conn = conn
	c.mu.Unlock()
	defer func() { c.mu.Lock(); c.conn = nil; c.mu.Unlock(); conn.Close() }()
	var r io.Reader = conn
	if br != nil { // frames that arrived together with the handshake
		r = io.MultiReader(br, conn)
	}
	for {
		data, err := wsutil.ReadServerText(struct {
			io.Reader
			io.Writer
		}{r, conn})
		if err != nil {
			return err // a close frame is a wsutil.ClosedError{Code, Reason}
		}
		for line := range strings.SplitSeq(string(data), "\n") {
			if line == "" {
				continue
			}
			var m message
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				return fmt.Errorf("bad message %q: %w", line, err)
			}
			switch m.Type {
			case "hello":
				c.backoff = time.Second
				log.Printf("connected: protocol %d, %s", m.Version, m.Server)
			case "entry":
				c.cursor = m.Cursor
				fmt.Printf("%s %-5s %s: %s %s\n", m.TS.Format(time.RFC3339Nano), m.Level, m.Service, m.Msg, m.Fields)
			case "gap":
				log.Printf("gap: %d entries no longer held by the server", m.Missed)
			case "dropped":
				log.Printf("dropped: the server skipped %d entries (reading too slowly)", m.Count)
			case "error":
				log.Printf("filter refused: %s", m.Error)
			}
		}
	}
}

func main() {
	base := "ws://127.0.0.1:8080/ws"
	if len(os.Args) > 1 {
		base = os.Args[1]
	}
	c := &client{base: base, filter: url.Values{"service": {"api"}, "level": {"warn"}}, backoff: time.Second}
	time.AfterFunc(10*time.Second, func() { // e.g. from a UI: narrow to errors
		log.Print("filter: service=api level=error")
		if err := c.setFilter(url.Values{"service": {"api"}, "level": {"error"}}); err != nil {
			log.Printf("filter: %v", err)
		}
	})
	for {
		err := c.session(context.Background())
		wait := c.backoff/2 + rand.N(c.backoff/2+1) // exponential backoff with jitter
		c.backoff = min(2*c.backoff, 30*time.Second)
		log.Printf("disconnected: %v; reconnecting in %v", err, wait.Round(time.Millisecond))
		time.Sleep(wait)
	}
}
