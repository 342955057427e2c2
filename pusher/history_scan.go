package pusher

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tailcast/tailcast/internal/jsonstr"
)

// progressEvery is how often a scan reports its progress.
const progressEvery = 250 * time.Millisecond

// rangePart is one partition of a range query: Kafka offsets [from, to).
type rangePart struct {
	part     int32
	from, to int64
	logStart int64
}

// rangeResult is what the end message reports.
type rangeResult struct {
	sent, scanned, matched int64
	skewed                 int64 // entries whose own time is further than the margin from their read time
	limited                bool
	stopped                string     // "filter" when a filter message stopped it
	missed                 int64      // offsets before Kafka's log start (gap)
	unread                 int64      // partitions whose reading failed part way
	ranThrough             bool       // every partition was read to its end
	cur                    []vecEntry // where the scan is, per partition
	ends                   []vecEntry // where each partition's range ends (its last offset)
}

// planRange finds each partition's Kafka offsets for the range: from the
// first record read at or after from-margin, to the first read at or
// after to+margin (without to, to the snapshot's position, where live
// takes over).
func (s *Server) planRange(ctx context.Context, tr *timeRange, sn *snapshot) ([]rangePart, error) {
	margin := s.cfg.HistoryMargin.Nanoseconds()
	parts := make([]rangePart, len(sn.parts))
	errs := make([]error, len(sn.parts))
	var wg sync.WaitGroup
	for i, pv := range sn.parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rp := rangePart{part: pv.part, to: pv.last + 1}
			var toErr error
			done := make(chan struct{})
			go func() { // both ends at once
				defer close(done)
				if tr.hasTo {
					rp.to, _, toErr = s.cfg.Fetcher.OffsetForTime(ctx, pv.part, time.Unix(0, tr.to+margin))
				}
			}()
			var err error
			rp.from, rp.logStart, err = s.cfg.Fetcher.OffsetForTime(ctx, pv.part, time.Unix(0, tr.from-margin))
			<-done
			if err = errors.Join(err, toErr); err != nil {
				errs[i] = err
				return
			}
			rp.to = max(rp.to, rp.from)
			parts[i] = rp
		}()
	}
	wg.Wait()
	return parts, errors.Join(errs...)
}

// scanRange sends the matching entries of the range, merged across
// partitions by entry time, with progress messages along the way.
// Memory is bounded whatever the range: fetchBuffer entries per
// partition read ahead, and with newest the limit newest matches.
func (s *Server) scanRange(ctx context.Context, w *replayWriter, f *filter, tr *timeRange, sn *snapshot) (rangeResult, error) {
	var res rangeResult
	parts, err := s.planRange(ctx, tr, sn)
	if err != nil {
		return res, err
	}
	var of int64
	for _, rp := range parts {
		res.cur = vecSet(res.cur, rp.part, rp.from-1)
		res.ends = vecSet(res.ends, rp.part, rp.to-1)
		of += rp.to - rp.from
		if rp.from == rp.logStart && rp.logStart > 0 {
			// Kafka no longer holds what was read before its log start;
			// some of it may have been in range.
			res.missed += rp.logStart
		}
	}
	if res.missed > 0 {
		if err := w.add(appendGap(nil, res.missed)); err != nil {
			return res, err
		}
	}
	histTo := tr.to
	if !tr.hasTo {
		histTo = time.Now().UnixNano()
	}
	hist := newRangeHistogram(tr.from, max(histTo, tr.from+1))
	if err := w.add(appendProgress(nil, 0, of)); err != nil {
		return res, err
	}
	if err := w.add(hist.append(nil, false)); err != nil {
		return res, err
	}
	if err := w.flush(s.cfg.SlowTimeout); err != nil {
		return res, err
	}

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	var st scanStats
	readers := s.readRanges(ctx, &wg, parts, f, tr, &st)
	var newest newestRing
	if tr.newest {
		newest.n = tr.limit
	}
	var body []byte
	lastProgress, lastPing := time.Now(), time.Now()
	// progress reports the scan's progress, at most every progressEvery.
	progress := func() error {
		now := time.Now()
		if now.Sub(lastProgress) < progressEvery {
			return nil
		}
		lastProgress = now
		err := w.add(appendProgress(nil, scannedBy(readers), of))
		if err == nil {
			err = w.add(hist.append(nil, false))
		}
		if err == nil {
			err = w.flush(s.cfg.SlowTimeout)
		}
		if err == nil && now.Sub(lastPing) >= s.cfg.PingInterval {
			// The client answers with a pong, so that a long scan does
			// not look idle to its reader.
			lastPing = now
			err = w.ping(s.cfg.SlowTimeout)
		}
		return err
	}
	all, err := mergeRange(ctx, readers, progress, func(r *rangeReader, it *scanItem) (bool, error) {
		res.cur = vecSet(res.cur, r.part, it.off)
		if err := progress(); err != nil {
			return false, err
		}
		if !it.want {
			it.pat = s.hub.pats.lookup(it.e.Service, it.e.Message)
			ok, err := w.match(f, func() bool { return f.matchEntry(it.e, it.pat) })
			if err != nil || !ok {
				return err == nil, err
			}
		}
		res.matched++
		hist.add(it.ts, it.e.Level)
		if res.limited {
			return true, nil // past the limit: counted for the histogram only
		}
		body = appendPattern(appendEntryBody(body[:0], it.e), it.pat, false)
		if tr.newest {
			newest.push(r.part, it.off, body)
			return true, nil
		}
		if err := w.addEntry(res.cur, r.part, body); err != nil {
			return false, err
		}
		res.sent++
		if res.sent == 1 {
			// The first result is what the user waits for: it goes at
			// once, the rest in frames.
			if err := w.flush(s.cfg.SlowTimeout); err != nil {
				return false, err
			}
		}
		if res.sent >= int64(tr.limit) {
			res.limited = true
			// With to=, the scan goes on for the histogram and the count of
			// matches; without, live takes over from here.
			return tr.hasTo, nil
		}
		return true, nil
	})
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if all {
		for _, r := range readers {
			res.cur = vecSet(res.cur, r.part, r.to-1)
		}
	}
	// The counts are final once the readers are done.
	cancel()
	wg.Wait()
	res.scanned, res.skewed = scannedBy(readers), st.skewed.Load()
	res.ranThrough = err == nil && (!res.limited || tr.hasTo)
	res.unread = st.unread.Load()
	if err != nil {
		if q := w.c.hist.Load(); q != nil && errors.Is(err, context.Canceled) && s.ctx.Err() == nil {
			q.mu.Lock()
			if q.pending != nil {
				res.stopped, err = "filter", nil
			}
			q.mu.Unlock()
		}
		if err != nil {
			return res, err
		}
	}
	if tr.newest {
		res.limited = newest.dropped > 0 // the older matches were left out
		res.sent, err = newest.send(w, res.cur)
	}
	if err == nil {
		err = w.add(appendProgress(nil, res.scanned, of))
	}
	if err == nil {
		err = w.add(hist.append(nil, res.ranThrough))
	}
	return res, err
}

// newestRing keeps the newest n matches of a scan: what newest=1 sends.
type newestRing struct {
	n       int
	items   []ringItem
	head    int // items[head] is the oldest once the ring is full
	dropped int64
}

type ringItem struct {
	part int32
	off  int64
	body []byte
}

func (r *newestRing) push(part int32, off int64, body []byte) {
	if len(r.items) < r.n {
		r.items = append(r.items, ringItem{part, off, append([]byte(nil), body...)})
		return
	}
	it := &r.items[r.head]
	it.part, it.off, it.body = part, off, append(it.body[:0], body...)
	r.head = (r.head + 1) % r.n
	r.dropped++
}

// send writes the kept matches oldest first. Each cursor is end (where
// the scan ended) lowered, for each partition with kept entries, to just
// before its first one, then raised as they are sent: resuming from any
// of them misses nothing.
func (r *newestRing) send(w *replayWriter, end []vecEntry) (int64, error) {
	cur := slices.Clone(end)
	seen := map[int32]bool{}
	for i := range r.items {
		it := &r.items[(r.head+i)%len(r.items)]
		if !seen[it.part] {
			seen[it.part] = true
			cur = vecSet(cur, it.part, it.off-1)
		}
	}
	for i := range r.items {
		it := &r.items[(r.head+i)%len(r.items)]
		cur = vecSet(cur, it.part, it.off)
		if err := w.addEntry(cur, it.part, it.body); err != nil {
			return int64(i), err
		}
	}
	return int64(len(r.items)), nil
}

func appendProgress(b []byte, scanned, of int64) []byte {
	b = append(b, `{"type":"progress","scanned":`...)
	b = strconv.AppendInt(b, scanned, 10)
	b = append(b, `,"of":`...)
	b = strconv.AppendInt(b, of, 10)
	return append(b, "}\n"...)
}

// appendEnd is the last message of a range: the counts, and whether the
// range may be incomplete and why.
func appendEnd(b []byte, tr *timeRange, res rangeResult, margin time.Duration) []byte {
	b = append(b, `{"type":"end","sent":`...)
	b = strconv.AppendInt(b, res.sent, 10)
	b = append(b, `,"matched":`...)
	b = strconv.AppendInt(b, res.matched, 10)
	b = append(b, `,"scanned":`...)
	b = strconv.AppendInt(b, res.scanned, 10)
	b = append(b, `,"limited":`...)
	b = strconv.AppendBool(b, res.limited)
	if res.stopped != "" {
		b = append(b, `,"stopped":`...)
		b = jsonstr.Append(b, res.stopped)
	}
	var reasons []string
	if res.missed > 0 {
		reasons = append(reasons, "the range begins before Kafka's retention: "+strconv.FormatInt(res.missed, 10)+" older records are gone")
	}
	if res.unread > 0 {
		reasons = append(reasons, strconv.FormatInt(res.unread, 10)+" partitions could not be read to the end from Kafka")
	}
	if res.skewed > 0 {
		reasons = append(reasons, strconv.FormatInt(res.skewed, 10)+" entries in range were read more than "+margin.String()+
			" away from their own time; entries like them read outside the scanned window (the range widened by that margin) are not found")
	}
	b = append(b, `,"incomplete":`...)
	b = strconv.AppendBool(b, len(reasons) > 0)
	if len(reasons) > 0 {
		b = append(b, `,"reason":`...)
		b = jsonstr.Append(b, strings.Join(reasons, "; "))
	}
	return append(b, "}\n"...)
}
