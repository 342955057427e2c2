package main

import (
	"bytes"
)

var (
	helloKey    = []byte(`"type":"hello"`)
	droppedLine = []byte(`{"type":"dropped","count":`)
)

// isReady reports whether p is the message that makes a connection live.
func (l *load) isReady(c *conn, p []byte) bool {
	switch l.o.proto {
	case "tailcast":
		if !bytes.Contains(p, helloKey) {
			return false
		}
	case "frontail":
		// "40/<ns>," acknowledges the namespace join.
		if !bytes.HasPrefix(p, []byte("40/")) {
			return false
		}
	default:
		return true
	}
	close(c.ready)
	return true
}

// countDropped sums the counts of tailcast "dropped" messages in p. They
// are lines of their own, so only line starts are compared: searching the
// whole payload for the key cost a seventh of wsload's CPU.
func countDropped(p []byte) int64 {
	var sum int64
	for len(p) > 0 {
		if bytes.HasPrefix(p, droppedLine) {
			q := p[len(droppedLine):]
			var v int64
			for j := 0; j < len(q) && q[j] >= '0' && q[j] <= '9'; j++ {
				v = v*10 + int64(q[j]-'0')
			}
			sum += v
		}
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			break
		}
		p = p[i+1:]
	}
	return sum
}
