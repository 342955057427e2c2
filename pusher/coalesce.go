package pusher

import "time"

// Coalescing under load. A thousand viewers with distinct filters each get
// a few entries per pass, and each gets a write(2) of its own. When the
// last pass had at least coalesceFrames viewers with entries for them
// (sent or held), a viewer with fewer than coalesceEntries waiting is held
// until coalesceHold FlushIntervals have passed since its last entries
// were sent, so that a write carries several passes' entries. (Measured
// at 1M deliveries/s to 1,000 distinct filters, writes fell by a tenth,
// since passes spaced by load already carry about 30 entries per write;
// a write costs mostly per call, see docs/ARCHITECTURE.md.) An entry
// waits at most that long more (15 ms at the default FlushInterval). A
// viewer with many entries
// waiting, or one that got nothing for that long (the first entry after a
// quiet spell), is never held, and neither is anyone at a server with few
// viewers with entries (the 10-viewer end-to-end case).
const (
	coalesceFrames  = 256
	coalesceEntries = 16
	coalesceHold    = 3
)

// holdBack reports whether c, with filter f at its position, skips this
// pass (see above). Caller: collect, with the indexes brought to tail.
func (s *Server) holdBack(c *client, f *filter, tail uint64, now time.Time) bool {
	if s.lastActive < coalesceFrames || now.Sub(c.lastData) >= coalesceHold*s.cfg.FlushInterval {
		return false
	}
	n := coalesceEntries
	if c.scan != nil {
		n = c.scan.waiting()
	} else if c.floor == nil {
		n = s.pending(f, c.pos, tail, coalesceEntries)
	}
	return n < coalesceEntries
}
