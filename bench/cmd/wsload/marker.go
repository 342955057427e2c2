package main

import (
	"bytes"
	"time"
)

// scan counts markers in p and, on sampling clients during the window,
// records the latency of each.
func (l *load) scan(c *conn, p []byte) int64 {
	m := l.o.marker
	rec := c.sampling && l.recording.Load()
	if !rec && l.o.mix == nil {
		return int64(bytes.Count(p, m))
	}
	now := time.Now().UnixNano()
	var count int64
	if rec {
		c.mu.Lock()
		defer c.mu.Unlock()
	}
	for {
		i := indexMarker(p, m)
		if i < 0 {
			break
		}
		count++
		if l.o.mix != nil {
			l.check(c, p[:i])
		}
		p = p[i+len(m):]
		if !rec {
			continue
		}
		var ts int64
		j := 0
		for ; j < len(p) && j < 19 && p[j] >= '0' && p[j] <= '9'; j++ {
			ts = ts*10 + int64(p[j]-'0')
		}
		p = p[j:]
		if j >= 18 { // a unix-nano timestamp, not a stray marker
			c.hist.record(now - ts)
		}
	}
	return count
}

// indexMarker is bytes.Index for a marker whose first byte is rare in log
// lines: IndexByte's vector loop, where bytes.Index on a two-byte pattern
// took a fifth of wsload's CPU at 1M deliveries/s.
func indexMarker(p, m []byte) int {
	for off := 0; ; {
		i := bytes.IndexByte(p[off:], m[0])
		if i < 0 {
			return -1
		}
		off += i
		if bytes.HasPrefix(p[off:], m) {
			return off
		}
		off++
	}
}
