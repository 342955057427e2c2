package pusher

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"

	"go.uber.org/zap"

	"github.com/tailcast/tailcast/proto/logpb"
)

// Replays are merged across partitions by entry time, as a person reads,
// while each partition keeps its offset order, which is what keeps every
// cursor exact: at any point, each partition is sent up to some offset.

// mergeTimeDesc walks lists (each one partition's held entries, oldest
// first) newest first by entry time, calling fn until it returns false.
// starts[i] is lowered to the index of the oldest entry of lists[i] walked;
// it starts at len(lists[i]).
func mergeTimeDesc(lists [][]*record, starts []int, fn func(*record) bool) {
	for {
		best := -1
		for i, l := range lists {
			if starts[i] > 0 && (best < 0 || l[starts[i]-1].ts > lists[best][starts[best]-1].ts) {
				best = i
			}
		}
		if best < 0 {
			return
		}
		starts[best]--
		if !fn(lists[best][starts[best]]) {
			return
		}
	}
}

// source is one partition of a resume: a Kafka range read by its own
// goroutine, then the held entries. Its head is the next entry (r from the
// ring, or e from Kafka), or, once, the end of the Kafka range (ended).
type source struct {
	part  int32
	to    int64 // the Kafka range ends before to
	fetch chan fetched
	held  []*record

	ok    bool
	ended bool
	off   int64
	ts    int64
	r     *record
	e     *logpb.LogEntry
}

type fetched struct {
	off int64
	e   *logpb.LogEntry
}

// advance moves the head on.
func (src *source) advance() {
	src.ended, src.r, src.e = false, nil, nil
	if src.fetch != nil {
		if f, ok := <-src.fetch; ok {
			src.ok, src.off, src.e, src.ts = true, f.off, f.e, entryTime(f.e)
			return
		}
		src.fetch = nil
		src.ok, src.ended, src.ts = true, true, -1<<63 // at once
		return
	}
	if len(src.held) > 0 {
		src.r, src.held = src.held[0], src.held[1:]
		src.ok, src.off, src.ts = true, src.r.off, src.r.ts
		return
	}
	src.ok = false
}

// mergeTime calls fn with the head of srcs that has the earliest entry
// time, and advances it, until every source is exhausted or fn returns
// false.
func mergeTime(srcs []*source, fn func(*source) bool) {
	for _, src := range srcs {
		src.advance()
	}
	for {
		var best *source
		for _, src := range srcs {
			if src.ok && (best == nil || src.ts < best.ts) {
				best = src
			}
		}
		if best == nil || !fn(best) {
			return
		}
		best.advance()
	}
}

// fetchBuffer is how many entries a Kafka range reads ahead of the merge.
const fetchBuffer = 256

// sources starts, for each partition of the plan, the reading of its Kafka
// range (from the probe on) and returns its source. The readers stop when
// ctx ends; wg tracks them.
func (s *Server) sources(ctx context.Context, wg *sync.WaitGroup, plan replayPlan, probes []fetchProbe) []*source {
	byPart := map[int32]*source{}
	get := func(p int32) *source {
		if byPart[p] == nil {
			byPart[p] = &source{part: p}
		}
		return byPart[p]
	}
	for i, fr := range plan.fetch {
		src := get(fr.part)
		src.to = fr.to
		ch := make(chan fetched, fetchBuffer)
		src.fetch = ch
		if s.cfg.Fetcher == nil || probes[i].err != nil {
			close(ch)
			continue
		}
		pr := probes[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(ch)
			send := sendTo(ctx, ch)
			if pr.off >= 0 && send(pr.off, pr.e) != nil {
				return
			}
			if from := max(fr.from+1, pr.logStart); from < fr.to {
				_, err := s.cfg.Fetcher.Fetch(ctx, fr.part, from, fr.to, send)
				if err != nil && !errors.Is(err, context.Canceled) {
					// Partial: what was not read is missing for this client.
					s.log.Warn("resume fetch failed", zap.Int32("partition", fr.part), zap.Error(err))
				}
			}
		}()
	}
	for _, l := range plan.ring {
		get(l[0].part).held = l
	}
	srcs := make([]*source, 0, len(byPart))
	for _, src := range byPart {
		srcs = append(srcs, src)
	}
	slices.SortFunc(srcs, func(a, b *source) int { return cmp.Compare(a.part, b.part) }) // ties go to the lower partition
	return srcs
}

// sendTo is a Fetcher callback that hands each fetched entry to ch, the
// merge's side of one partition's reader, until ctx ends.
func sendTo(ctx context.Context, ch chan<- fetched) func(int64, *logpb.LogEntry) error {
	return func(off int64, e *logpb.LogEntry) error {
		if e == nil {
			return nil
		}
		select {
		case ch <- fetched{off, e}:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
