package pusher

import "time"

// Coalescing under load. A thousand viewers with distinct filters each get
// a few entries per pass: one write(2) per viewer per FlushInterval, most
// of the server's CPU. When the last pass handed the writers at least
// coalesceFrames frames, a viewer that got entries in the previous pass
// and has fewer than coalesceEntries waiting skips one pass, so that its
// writes carry twice as many entries. An entry then waits at most about
// two FlushIntervals (10 ms at the default); a viewer with many entries
// waiting, or at a server with few viewers, is never held back, and when
// passes themselves take long (half a FlushInterval) nobody is.
const (
	coalesceFrames  = 256
	coalesceEntries = 8
)

// holdBack reports whether c, with filter f at its position, skips this
// pass (see above). Caller: collect, with the indexes brought to tail.
func (s *Server) holdBack(c *client, f *filter, tail uint64, now time.Time) bool {
	if s.lastFrames < coalesceFrames || now.Sub(c.lastData) >= s.cfg.FlushInterval*3/2 {
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
