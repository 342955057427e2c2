package pusher

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"

	"go.uber.org/zap"

	"github.com/tailcast/tailcast/proto/logpb"
)

// A range scan reads each partition on a goroutine of its own, which
// rules out what cannot match (prefilter, before parsing), parses the
// rest, checks the range and the filter, and hands only the matches to
// the merge: the partitions are filtered in parallel, and the merge, on
// the connection's goroutine, handles a few entries instead of every
// record. A costly filter (re, where ~) is the exception: it is metered
// against the client's budget (replayWriter.match), so the merge runs it.

// fetchChunk is how many offsets one Fetch reads when the Fetcher cannot
// Scan, so that each stays well within the consumer's FetchTimeout.
const fetchChunk = 20_000

// tickEvery is how many records a partition's reader may pass over
// without a match before it tells the merge where it is, so that the
// cursors and the progress move on in a scan that finds little.
const tickEvery = 4096

// yieldRecords is how many records a reader handles (tens of
// microseconds of work) before it lets other goroutines run.
const yieldRecords = 64

// metricsEvery is how many records a reader counts before it adds them to
// the shared metrics.
const metricsEvery = 1024

// scanItem is what a partition's reader hands the merge: a match (or,
// with a costly filter, an entry in range for the merge to filter), or a
// tick that only says how far the reader is.
type scanItem struct {
	off  int64 // unused in a tick
	ts   int64
	e    *logpb.LogEntry // nil: a tick
	pat  string
	want bool // the filter passed (else the merge runs it)
}

// scanStats are a range scan's counts, kept by its readers.
type scanStats struct {
	skewed atomic.Int64
	unread atomic.Int64
}

// rangeReader is one partition's reader of a range scan.
type rangeReader struct {
	part     int32
	from, to int64
	ch       chan scanItem
	scanned  atomic.Int64 // records read; one counter per reader, not shared
}

// scannedBy sums the records rs have read.
func scannedBy(rs []*rangeReader) int64 {
	var n int64
	for _, r := range rs {
		n += r.scanned.Load()
	}
	return n
}

// readRanges starts a reader per partition of the range; each closes its
// channel when done. They stop when ctx ends; wg tracks them.
func (s *Server) readRanges(ctx context.Context, wg *sync.WaitGroup, parts []rangePart, f *filter, tr *timeRange, st *scanStats) []*rangeReader {
	var rs []*rangeReader
	for _, rp := range parts {
		if rp.from >= rp.to {
			continue
		}
		r := &rangeReader{part: rp.part, from: rp.from, to: rp.to, ch: make(chan scanItem, fetchBuffer)}
		rs = append(rs, r)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(r.ch)
			s.readRange(ctx, r, f, tr, st)
		}()
	}
	return rs
}

// readRange reads r's offsets and sends r.ch its matches and ticks.
func (s *Server) readRange(ctx context.Context, r *rangeReader, f *filter, tr *timeRange, st *scanStats) {
	margin := s.cfg.HistoryMargin.Nanoseconds()
	costly, needPat := f.costly(), len(f.patterns) > 0 || len(f.notPats) > 0
	var keep func(value, service, host []byte, labels [][]byte) bool
	if pf := newRecordFilter(f); pf != nil {
		keep = pf.keep
	}
	var counted, bytes, sinceItem int64
	pace := s.pace.start()
	defer pace.done()

	flush := func() {
		s.m.hist.scanned.Add(float64(counted))
		s.m.hist.scannedBytes.Add(float64(bytes))
		counted, bytes = 0, 0
	}
	defer flush()
	send := func(it scanItem) error {
		select {
		case r.ch <- it:
			sinceItem = 0
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	fn := func(off int64, e *logpb.LogEntry, size int) error {
		r.scanned.Add(1)
		counted++
		bytes += int64(size)
		if counted >= metricsEvery {
			flush()
		}
		if counted%yieldRecords == 0 {
			// Live delivery waits for a CPU behind the scan's goroutines;
			// without this a reader gives it up only when preempted
			// (every 10 ms), which live viewers see as latency.
			runtime.Gosched()
		}
		if e != nil {
			if ts := entryTime(e); tr.contains(ts) {
				// Skew is counted among the entries parsed: a record the
				// prefilter ruled out has no known time.
				if rt := e.ReadTimeUnixNano; rt != 0 && (rt-ts > margin || ts-rt > margin) {
					st.skewed.Add(1)
				}
				if costly {
					return send(scanItem{off: off, ts: ts, e: e})
				}
				var pat string
				if needPat {
					pat = s.hub.pats.lookup(e.Service, e.Message)
				}
				if f.matchEntry(e, pat) {
					if !needPat {
						pat = s.hub.pats.lookup(e.Service, e.Message)
					}
					return send(scanItem{off: off, ts: ts, e: e, pat: pat, want: true})
				}
			}
		}
		if sinceItem++; sinceItem >= tickEvery {
			return send(scanItem{off: off})
		}
		return nil
	}
	var err error
	if sc, ok := s.cfg.Fetcher.(Scanner); ok {
		_, err = sc.Scan(ctx, r.part, r.from, r.to, ScanHooks{Keep: keep, Pace: pace.pace}, fn)
	} else {
		err = s.fetchChunks(ctx, r, fn)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		st.unread.Add(1)
		s.log.Warn("range fetch failed", zap.Int32("partition", r.part), zap.Error(err))
	}
}

// fetchChunks reads r's offsets through a Fetcher that cannot Scan.
func (s *Server) fetchChunks(ctx context.Context, r *rangeReader, fn func(int64, *logpb.LogEntry, int) error) error {
	each := func(off int64, e *logpb.LogEntry) error {
		if e == nil {
			return nil
		}
		return fn(off, e, len(e.Raw))
	}
	for from := r.from; from < r.to; from += fetchChunk {
		if _, err := s.cfg.Fetcher.Fetch(ctx, r.part, from, min(from+fetchChunk, r.to), each); err != nil {
			return err
		}
	}
	return nil
}

// mergeRange merges the readers' items by entry time, as mergeTime does
// for resumes, calling fn with the earliest head until the readers are
// done (all reports true), fn returns false or an error, or ctx ends.
// Each partition keeps its offset order. progress is called whenever a
// reader says how far it is.
//
// What a reader passes over without handing it on never moves a cursor:
// its entry time, when it was parsed at all, is not merged. A cursor
// thus stays at each partition's last entry merged before it, which
// resumes missing nothing: what lies between did not match.
func mergeRange(ctx context.Context, rs []*rangeReader, progress func() error, fn func(*rangeReader, *scanItem) (bool, error)) (all bool, err error) {
	heads := make([]scanItem, len(rs))
	live := make([]bool, len(rs))
	// next reads reader i's next item into heads[i], handling ticks.
	next := func(i int) error {
		for {
			select {
			case it, ok := <-rs[i].ch:
				if !ok {
					live[i] = false
					return nil
				}
				if it.e == nil {
					if err := progress(); err != nil {
						return err
					}
					continue
				}
				heads[i], live[i] = it, true
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	for i := range rs {
		if err := next(i); err != nil {
			return false, err
		}
	}
	for {
		best := -1
		for i := range rs {
			if live[i] && (best < 0 || heads[i].ts < heads[best].ts) {
				best = i
			}
		}
		if best < 0 {
			return true, nil
		}
		more, err := fn(rs[best], &heads[best])
		if err != nil || !more {
			return false, err
		}
		if err := next(best); err != nil {
			return false, err
		}
	}
}
