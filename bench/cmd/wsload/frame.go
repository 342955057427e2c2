package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gobwas/ws"
)

// feed parses what c's buffer holds: frame headers by hand, payloads
// scanned in place, no allocation per frame. A data frame longer than what
// is buffered is scanned up to its last complete line; a control frame
// waits until it is whole.
func (l *load) feed(c *conn) error {
	o := l.o
	for {
		in := c.buf[c.r:c.w]
		if c.remain == 0 {
			if len(in) < 2 {
				break
			}
			op := ws.OpCode(in[0] & 0x0f)
			if in[1]&0x80 != 0 {
				return errors.New("masked frame from the server")
			}
			n, hl := int64(in[1]&0x7f), 2
			switch n {
			case 126:
				if len(in) < 4 {
					return l.compact(c)
				}
				n, hl = int64(binary.BigEndian.Uint16(in[2:4])), 4
			case 127:
				if len(in) < 10 {
					return l.compact(c)
				}
				n, hl = int64(binary.BigEndian.Uint64(in[2:10])), 10
			}
			if op.IsControl() {
				if n > 125 {
					return fmt.Errorf("control frame of %d bytes", n)
				}
				if int64(len(in)) < int64(hl)+n {
					break
				}
				p := in[hl : int64(hl)+n]
				c.r += hl + int(n)
				switch op {
				case ws.OpPing:
					if err := writeClientFrame(fdWriter(c.fd), ws.OpPong, p); err != nil {
						return fmt.Errorf("pong: %w", err)
					}
				case ws.OpClose:
					code := 1005
					if len(p) >= 2 {
						code = int(binary.BigEndian.Uint16(p))
					}
					return fmt.Errorf("closed by the server with %d %q", code, p[min(2, len(p)):])
				}
				continue
			}
			if op != ws.OpContinuation {
				c.textMsg = op == ws.OpText
				c.lineStart = true
			}
			c.r += hl
			c.remain = n
			if n == 0 {
				continue
			}
			in = in[hl:]
		}
		p := in[:min(int64(len(in)), c.remain)]
		if int64(len(p)) < c.remain {
			// Stop at a line end so that no marker is split; a line longer
			// than the whole buffer is scanned in pieces.
			if i := bytes.LastIndexByte(p, '\n'); i >= 0 {
				p = p[:i+1]
			} else if c.r > 0 || c.w < len(c.buf) {
				break
			}
		}
		if len(p) == 0 {
			break
		}
		if c.textMsg {
			if o.proto == "centrifugo" {
				if err := l.centrifugoLines(c, p); err != nil {
					return err
				}
			} else if !c.isReady {
				c.isReady = l.isReady(c, p)
			}
			if d := l.scan(c, p); d > 0 {
				c.delivered.Add(d)
			}
			if o.proto == "tailcast" {
				if d := countDropped(p); d > 0 {
					c.dropped.Add(d)
				}
			}
		}
		c.r += len(p)
		c.remain -= int64(len(p))
		if o.proto == "frontail" && time.Since(c.lastPing) > 20*time.Second {
			// engine.io 3: the client pings (pingInterval is 25 s).
			c.lastPing = time.Now()
			if err := writeClientText(fdWriter(c.fd), []byte("2")); err != nil {
				return fmt.Errorf("engine.io ping: %w", err)
			}
		}
	}
	return l.compact(c)
}

// compact moves the unparsed input to the front of c's buffer.
func (l *load) compact(c *conn) error {
	if c.r > 0 {
		c.w = copy(c.buf, c.buf[c.r:c.w])
		c.r = 0
	}
	return nil
}

func writeClientText(w io.Writer, p []byte) error { return writeClientFrame(w, ws.OpText, p) }

// writeClientFrame writes one masked frame in a single Write.
func writeClientFrame(w io.Writer, op ws.OpCode, p []byte) error {
	f := ws.MaskFrameInPlace(ws.NewFrame(op, true, append([]byte(nil), p...)))
	b, err := ws.CompileFrame(f)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}
