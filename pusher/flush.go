package pusher

import (
	"time"

	"github.com/gobwas/ws"
)

// flushLoop runs the coalescing passes. A pass that delivers entries is
// followed by at least FlushInterval of coalescing, so under load entries
// go out in batches at that cadence; the first entry after a quiet spell is
// flushed at once (Publish kicks the loop). Passes also run every
// FlushInterval for pings, control frames and clients that were busy.
func (s *Server) flushLoop() {
	defer s.wg.Done()
	t := time.NewTimer(s.cfg.FlushInterval)
	defer t.Stop()
	var lastData time.Time
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
			if time.Since(lastData) < s.cfg.FlushInterval {
				// Coalesce: t fires FlushInterval after that pass.
				select {
				case <-s.ctx.Done():
					return
				case <-t.C:
				}
			}
		}
		now := time.Now()
		if s.flush(now) {
			lastData = now
		}
		s.m.pass.Observe(time.Since(now).Seconds())
		t.Reset(s.cfg.FlushInterval)
	}
}

// flush is one coalescing pass and reports whether it delivered entries.
// Under the lock it skips clients that fell too far behind and builds one
// frame per (filter, position) for caught-up clients and individual frames
// for the rest; then, without the lock, it hands them to the writers. It
// never touches a socket.
func (s *Server) flush(now time.Time) bool {
	delivered := s.collect(now)
	s.closeLingering(now, false)
	for i, c := range s.batch {
		select {
		case s.fast <- c:
		case <-s.ctx.Done(): // the pool has stopped; Close drops the clients
		}
		s.batch[i] = nil
	}
	s.batch = s.batch[:0]
	if delivered > 0 {
		s.pace.liveAt.Store(now.UnixNano()) // range readers rest while live is busy (history_pace.go)
	}
	return delivered > 0
}

// collect is flush's pass under the read lock: it returns the entries
// delivered and leaves the pool's jobs in s.batch.
func (s *Server) collect(now time.Time) int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.hub.mu.RLock()
	tail := s.hub.log.nextSeq
	s.tailVec = append(s.tailVec[:0], s.hub.vec...)
	s.qm.reset(s.idx.next, tail)
	s.idx.update(&s.hub.log)
	for seq := max(s.mx.next, s.hub.log.headSeq); seq < tail; seq++ {
		if r := s.hub.log.at(seq); r != nil {
			s.newRecs = append(s.newRecs, r)
		}
	}
	defer s.hub.mu.RUnlock()
	// Each new entry is evaluated once for all filters. The hub's lock is
	// held meanwhile: releasing it here let a server that had just been
	// restarted deliver entries twice after resumes
	// (TestReliabilityServerRestart: 1 run in 3).
	s.mx.sync(s.clients)
	s.mx.match(s.newRecs, tail)
	clear(s.newRecs)
	s.newRecs = s.newRecs[:0]
	tailCum := s.hub.log.cumAt(tail)
	var delivered, backlog int64
	active := 0 // viewers with entries sent or held back (coalesce.go)
	for i, c := range s.clients {
		if i%yieldEvery == yieldEvery-1 {
			// Let a waiting Publish in: with many clients of distinct
			// filters a pass takes milliseconds, and entries stamped
			// before Publish would wait that long for the lock. Records
			// stay valid; what is evicted meanwhile reads as holes below
			// the new head, and what is published waits for the next pass.
			s.hub.mu.RUnlock()
			s.hub.mu.RLock()
		}
		if c.closed.Load() {
			continue
		}
		if c.polled.Load() && now.UnixNano()-c.lastRead.Load() > int64(2*s.cfg.PingInterval) {
			// Blocking readers notice this through their read deadline.
			c.requestClose(statusIdle, "idle timeout: no frame within two ping intervals", reasonIdle)
		}
		if f := c.filt.Load(); f.scanned() {
			if c.scan == nil || c.scan.f != f {
				if c.scan != nil {
					c.scan.stop()
				}
				c.scan = s.startScanner(c, f, c.pos)
			}
			if c.scan.skip(tail) {
				c.scan.signal()
			}
			c.pos = c.scan.served(c.pos)
		} else if c.scan != nil {
			c.scan.stop()
			c.scan = nil
		}
		s.checkBehind(c, tail, now)
		if c.pos < tail {
			backlog += max(0, tailCum-s.hub.log.cumAt(max(c.pos, s.hub.log.headSeq)))
		}
		if c.busy.Load() {
			continue
		}
		if n := c.refill.Swap(0); n > 0 {
			s.startRefill(c, int(n-1))
			continue
		}
		ping := !now.Before(c.nextPing)
		if c.dropped == 0 && !ping && !c.hasCtrl() {
			if c.pos == tail || c.scan != nil && !c.scan.pending() {
				continue
			}
			f := c.filt.Load()
			if s.holdBack(c, f, tail, now) {
				active++
				continue
			}
			if c.floor == nil && c.scan == nil {
				key := sharedKey{f: f, pos: c.pos}
				sf, ok := s.shared[key]
				if !ok {
					sf.fr = getFrame()
					sf.end, sf.n = s.build(sf.fr, nil, f, c.pos, tail, nil)
					if sf.n == 0 {
						putFrame(sf.fr)
						sf.fr = nil
					}
					s.shared[key] = sf
				}
				c.pos = sf.end
				if sf.fr == nil {
					continue
				}
				sf.fr.refs.Add(1)
				delivered += int64(sf.n)
				c.lastData = now
				active++
				s.dispatch(c, sf.fr, false, "")
				continue
			}
		}
		prefix, closeReq, label := c.takeCtrl(s.ctrlTmp[:0])
		s.ctrlTmp = prefix[:0]
		fr := getFrame()
		if closeReq {
			// Only the queued control frames, the close frame last, after
			// the count of entries skipped that the client was not told of
			// yet (a client behind is mostly busy, so that count may still
			// be pending).
			fr.buf = fr.buf[:0]
			if c.dropped > 0 {
				var tmp [64]byte
				p := appendDropped(tmp[:0], c.dropped)
				fr.buf = append(appendFrameHeader(fr.buf, ws.OpText, len(p)), p...)
				c.dropped = 0
			}
			fr.buf = append(fr.buf, prefix...)
			s.dispatch(c, fr, true, label)
			continue
		}
		if ping {
			prefix = append(prefix, pingFrame...)
			c.nextPing = now.Add(s.cfg.PingInterval)
		}
		var n int
		if c.scan != nil {
			n = s.buildScanned(fr, prefix, c)
		} else {
			c.pos, n = s.build(fr, prefix, c.filt.Load(), c.pos, tail, c)
		}
		if c.pos == tail {
			s.clearFloor(c)
		}
		delivered += int64(n)
		if len(fr.buf) == fr.start {
			putFrame(fr)
			continue
		}
		if n > 0 {
			c.lastData = now
			active++
		}
		s.dispatch(c, fr, false, "")
	}
	s.lastActive = active
	for _, sf := range s.shared {
		if sf.fr != nil {
			putFrame(sf.fr)
		}
	}
	clear(s.shared)
	s.m.deliveries.Add(float64(delivered))
	s.m.queueBytes.Set(float64(backlog))
	return delivered
}

// yieldEvery is how many clients collect serves between two releases of
// the hub's read lock.
const yieldEvery = 64

// build fills fr with prefix (complete control frames) followed by one text
// frame of the lines from seq from up to tail that pass f, at most about
// maxFramePayload bytes. c, when not nil, supplies a pending dropped count
// and a floor. It returns the seq to continue from and the entries included.
// Caller holds s.hub.mu (read).
func (s *Server) build(fr *frame, prefix []byte, f *filter, from, tail uint64, c *client) (end uint64, n int) {
	end = tail
	// f is not scanned (those have a scanner): what it may match, it
	// matches. The lines are gathered first, so that the frame grows once.
	size := 0
	for r := range s.mayMatches(f, from, tail) {
		s.scanTmp = append(s.scanTmp, r)
		if size += len(r.line); size >= maxFramePayload {
			end = r.seq + 1
			break
		}
	}
	return end, s.frameTmp(fr, prefix, c, size)
}

// buildScanned is build for a client whose scanner has matched the
// entries already: it takes them, and moves c's position past them.
func (s *Server) buildScanned(fr *frame, prefix []byte, c *client) (n int) {
	s.scanTmp, c.pos = c.scan.take(s.scanTmp[:0], c.pos, maxFramePayload)
	size := 0
	for _, r := range s.scanTmp {
		size += len(r.line)
	}
	n = s.frameTmp(fr, prefix, c, size)
	c.scan.signal() // there is room again
	return n
}

// frameTmp fills fr with prefix and one text frame of s.scanTmp's lines
// (size bytes in all), and empties s.scanTmp. It returns the entries
// included.
func (s *Server) frameTmp(fr *frame, prefix []byte, c *client, size int) (n int) {
	reserve := startFrame(fr, prefix, c, size)
	for _, r := range s.scanTmp {
		if addLine(fr, r, c) {
			n++
		}
	}
	clear(s.scanTmp)
	s.scanTmp = s.scanTmp[:0]
	endFrame(fr, prefix, reserve)
	return n
}

// startFrame reserves room in fr for prefix and a frame header, and for
// size bytes of lines, and starts the payload with c's pending dropped
// count. It returns the payload start.
func startFrame(fr *frame, prefix []byte, c *client, size int) int {
	reserve := len(prefix) + headerRoom
	if need := reserve + size + 256; cap(fr.buf) < need {
		// A pooled buffer of need's size class; not slices.Grow, which
		// would copy the old contents and leave the old buffer as garbage.
		growFrame(fr, need)
	}
	fr.buf = fr.buf[:reserve]
	if c != nil && c.dropped > 0 {
		fr.buf = appendDropped(fr.buf, c.dropped)
		c.dropped = 0
	}
	return reserve
}

// addLine appends r's line unless c's floor says it was delivered already.
func addLine(fr *frame, r *record, c *client) bool {
	if c != nil && c.floor != nil {
		if fo, ok := vecGet(c.floor, r.part); ok && r.off <= fo {
			return false
		}
		fr.buf = appendFloorLine(fr.buf, r, c.floor)
		return true
	}
	fr.buf = append(fr.buf, r.line...)
	return true
}

// endFrame puts the text frame's header, and prefix before it, in front of
// the payload (none: only prefix).
func endFrame(fr *frame, prefix []byte, reserve int) {
	payload := len(fr.buf) - reserve
	if payload == 0 {
		copy(fr.buf[headerRoom:], prefix)
		fr.start = headerRoom
		return
	}
	var hdr [headerRoom]byte
	h := appendFrameHeader(hdr[:0], ws.OpText, payload)
	at := reserve - len(h)
	copy(fr.buf[at:], h)
	at -= len(prefix)
	copy(fr.buf[at:], prefix)
	fr.start = at
}

// appendFloorLine appends r's line with its cursor raised to at least floor,
// for a client that resumed past what this server had delivered.
func appendFloorLine(b []byte, r *record, floor []vecEntry) []byte {
	v, own, err := decodeCursorOwn(r.cursor())
	if err != nil {
		return append(b, r.line...)
	}
	v, changed := vecMax(v, floor)
	if !changed {
		return append(b, r.line...)
	}
	b = append(b, entryPrefix...)
	b, _ = appendCursor(b, nil, v, own)
	b = append(b, '"')
	return append(b, r.body()...)
}

// clearFloor forgets c's floor once the log up to the pass's tail (which
// s.tailVec describes) has passed it and c has been given everything up
// to the tail. Not s.hub.vec: collect yields the hub's lock, and entries
// published meanwhile, past the tail, may still be below the floor (a
// restarted server re-reading what its clients had; they got them twice
// when the floor went on their account: TestReliabilityServerRestart with
// more viewers than yieldEvery).
func (s *Server) clearFloor(c *client) {
	if c.floor == nil {
		return
	}
	for _, e := range c.floor {
		if o, ok := vecGet(s.tailVec, e.part); !ok || o < e.off {
			return
		}
	}
	c.floor = nil
}

// checkBehind skips c ahead when it is further behind than QueueBytes and
// either its socket has not taken its last frame for stuckAfter or it has
// stayed that far behind for queueGrace without getting closer; or when it
// is behind the log's eviction. It closes c with 1008 when it keeps being
// skipped for SlowTimeout. The grace is for bursts, not slow clients: a
// consumer catching up after a broker outage publishes megabytes at once,
// and a client that drains them as fast as they are written is not slow.
func (s *Server) checkBehind(c *client, tail uint64, now time.Time) {
	if c.pos >= tail {
		c.overSince = time.Time{}
		return
	}
	head := min(s.hub.log.headSeq, tail) // past tail when collect let Publish evict
	grace := s.queueGrace()
	if c.pos >= head {
		lag := s.hub.log.cumAt(tail) - s.hub.log.cumAt(c.pos)
		if lag <= s.cfg.QueueBytes {
			c.overSince = time.Time{}
			return
		}
		stuck := c.busy.Load() && now.UnixNano()-c.busySince.Load() >= int64(stuckAfter)
		switch {
		case stuck:
		case c.overSince.IsZero() || lag < c.overLag:
			c.overSince, c.overLag = now, lag // over the bound, or closer than before
			return
		case now.Sub(c.overSince) < grace:
			return
		}
	}
	var n int64
	if c.pos < head {
		n = int64(head - c.pos) // evicted: counted before filtering
	}
	// A scanned filter is not run here: what its client skips is counted
	// before filtering.
	f := c.filt.Load()
	if f.scanned() {
		for seq := max(c.pos, head); seq < tail; seq++ {
			if s.hub.log.at(seq) != nil {
				n++
			}
		}
	} else {
		for range s.mayMatches(f, max(c.pos, head), tail) {
			n++
		}
	}
	c.pos = tail
	if c.scan != nil {
		c.scan.reset(tail)
	}
	c.overSince = time.Time{}
	if n == 0 {
		return
	}
	c.dropped += n
	s.m.drops.Add(float64(n))
	if c.behindSince.IsZero() || now.Sub(c.lastSkip) > s.cfg.SlowTimeout+grace {
		c.behindSince = now
	} else if now.Sub(c.behindSince) >= s.cfg.SlowTimeout {
		c.requestClose(ws.StatusPolicyViolation, "client too slow", reasonSlow)
	}
	c.lastSkip = now
}

// stuckAfter is how long a frame may wait for a client's socket before
// the client counts as not keeping up, whatever its progress: a client
// that reads at full speed takes a frame in milliseconds.
const stuckAfter = 100 * time.Millisecond

// queueGrace is how long a client may stay over QueueBytes without
// getting closer before it is skipped: a second, or half of SlowTimeout
// when that is shorter, so that a slow client is still closed in time.
func (s *Server) queueGrace() time.Duration { return min(time.Second, s.cfg.SlowTimeout/2) }
