package pusher

import (
	"errors"
	"slices"
	"time"

	"github.com/gobwas/ws"
)

// refillLine tells a client to clear what it shows: the entries that
// follow, up to the live ones, are its view under its new filter.
const refillLine = `{"type":"refill"}` + "\n"

// startRefill answers a filter message with "backfill": the flush loop
// takes c (busy, so no other writer) at its position pos and hands it to
// a goroutine that sends "refill" and the newest n held entries before pos
// that pass c's new filter; the flush loop then goes on from pos. Entries
// before pos are refilled, entries from pos on are live: nothing twice,
// nothing missed. The goroutine filters and encodes outside every lock.
// Caller is the flush loop, holding s.mu and s.hub.mu (read).
func (s *Server) startRefill(c *client, n int) {
	pos := c.pos
	var lists [][]*record
	var last *record // the newest entry before pos: its cursor is the base
	for _, p := range s.hub.parts {
		held := p.held()
		i, _ := slices.BinarySearchFunc(held, pos, func(r *record, seq uint64) int {
			switch {
			case r.seq < seq:
				return -1
			case r.seq > seq:
				return 1
			}
			return 0
		})
		if held = held[:i]; len(held) > 0 {
			lists = append(lists, held)
			if r := held[len(held)-1]; last == nil || r.seq > last.seq {
				last = r
			}
		}
	}
	c.busy.Store(true)
	c.busySince.Store(time.Now().UnixNano())
	s.wg.Add(1)
	go s.refill(c, c.filt.Load(), lists, last, n)
}

// refill writes the refill planned by startRefill, then releases c.
func (s *Server) refill(c *client, f *filter, lists [][]*record, last *record, n int) {
	defer s.wg.Done()
	w := &replayWriter{s: s, c: c, buf: make([]byte, headerRoom, 4096)}
	err := w.add([]byte(refillLine))
	if err == nil && n > 0 && last != nil {
		var base []vecEntry
		if base, err = decodeCursor(last.cursor()); err == nil {
			err = replayNewest(w, f, lists, base, n)
		}
	}
	if err == nil {
		err = w.flush(s.cfg.SlowTimeout)
	}
	if err == nil && c.raw != nil {
		// The pool's writes check the deadline before writing.
		err = c.conn.SetWriteDeadline(time.Time{})
	}
	switch {
	case errors.Is(err, errTooCostly):
		c.requestClose(ws.StatusPolicyViolation, "filter too costly", reasonCost)
		c.busy.Store(false)
	case err != nil:
		s.drop(c, reasonError)
		return
	default:
		c.busy.Store(false)
	}
	select {
	case s.kick <- struct{}{}:
	default:
	}
}
