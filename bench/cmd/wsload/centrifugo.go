package main

import (
	"bytes"
	"fmt"
	"io"
)

// Centrifugo's bidirectional JSON protocol (v6, /connection/websocket), as
// far as a subscriber needs it: the client sends a connect and a subscribe
// command; the server answers each with a reply carrying the command's id,
// pushes publications without an id, and pings with an empty object that
// the client answers with one. The server may put several of these in one
// frame, one per line (the last without a newline), so they are told apart
// at line starts only. A publication's data holds the published line, so
// its marker is counted like any other server's.

var (
	centReplyPrefix = []byte(`{"id":`)
	centErrorKey    = []byte(`"error":`)
	centSubscribed  = []byte(`{"id":2,"subscribe":`)
	centPing        = []byte(`{}`)
)

// centrifugoHello sends the connect command (an anonymous client: the
// server runs with client.insecure) and the subscribe command, one frame
// each.
func centrifugoHello(w io.Writer, channel string) error {
	if err := writeClientText(w, []byte(`{"id":1,"connect":{}}`)); err != nil {
		return fmt.Errorf("centrifugo connect: %w", err)
	}
	if err := writeClientText(w, fmt.Appendf(nil, `{"id":2,"subscribe":{"channel":%q}}`, channel)); err != nil {
		return fmt.Errorf("centrifugo subscribe: %w", err)
	}
	return nil
}

// centrifugoLines looks at the lines of p that start in it: a reply to
// subscribe makes c ready, a reply with an error ends c, a ping is
// answered. p ends at a line end or at the end of its frame, except for a
// line longer than the whole buffer, which is read in pieces: c.lineStart
// says whether p's first byte starts a line.
func (l *load) centrifugoLines(c *conn, p []byte) error {
	for len(p) > 0 {
		line, rest, found := bytes.Cut(p, []byte{'\n'})
		if c.lineStart {
			switch {
			case bytes.Equal(line, centPing):
				if err := writeClientText(fdWriter(c.fd), centPing); err != nil {
					return fmt.Errorf("centrifugo pong: %w", err)
				}
			case !bytes.HasPrefix(line, centReplyPrefix):
			case bytes.Contains(line, centErrorKey):
				return fmt.Errorf("centrifugo replied %s", line)
			case !c.isReady && bytes.HasPrefix(line, centSubscribed):
				c.isReady = true
				close(c.ready)
			}
		}
		c.lineStart = found
		p = rest
	}
	return nil
}
