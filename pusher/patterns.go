package pusher

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/tailcast/tailcast/internal/patterns"
)

// Pattern counts: the last patWindow of them, in buckets of patBucket.
const (
	patBucket  = 10 * time.Second
	patBuckets = 90 // 15 minutes
	// maxPatServices bounds the services mined; entries of further
	// services carry no pattern, so that a flood of service names cannot
	// grow a miner each.
	maxPatServices = 256
	// maxExample caps a pattern's example message: a pattern of huge
	// lines keeps a prefix, not a megabyte per pattern.
	maxExample = 1024
	// maxWas bounds the earlier ids a pattern's row reports.
	maxWas = 8
)

// patTable mines every published entry's message, one miner per service,
// and keeps per-pattern counts. Publish runs one goroutine per partition;
// a service's miner is guarded by its own mutex, which only partitions
// carrying the same service ever contend for, and the table of services is
// a sync.Map (read without a lock once a service is known). Subscribers
// read the counts every PatternInterval (top), under the same mutex.
type patTable struct {
	maxPatterns int
	newFor      int64 // UnixNano; <0: nothing is new
	start       int64 // UnixNano
	services    sync.Map
	nServices   atomic.Int32
	news        atomic.Int64 // patterns first seen after the learning period
	filtered    atomic.Int32 // filters with counts of their own (patLoop)
}

// svcPatterns is one service's miner and counts.
type svcPatterns struct {
	mu    sync.Mutex
	m     *patterns.Miner
	stats map[*patterns.Pattern]*patStat // by the handle Add returned
}

// patStat counts the lines one pattern handle was given. A handle's id
// changes when its template generalises; readers merge handles by their
// current id.
type patStat struct {
	first, last int64 // UnixNano
	total       int64
	example     string // the first line's message
	// id is the handle's id when last reported (top), was the ids it had
	// before (at most maxWas, the latest last): a client filtering on an
	// id that generalised learns the new one.
	id  string
	was []string
	// counts[b%patBuckets] is bucket b's count for the patBuckets buckets
	// up to lastB; older ones have been zeroed for reuse.
	lastB  int64
	counts [patBuckets]uint32
}

func newPatTable(maxPatterns int, newFor time.Duration, now time.Time) *patTable {
	return &patTable{maxPatterns: maxPatterns, newFor: int64(newFor), start: now.UnixNano()}
}

func (t *patTable) service(name string, create bool) *svcPatterns {
	if v, ok := t.services.Load(name); ok {
		return v.(*svcPatterns)
	}
	if !create || t.nServices.Load() >= maxPatServices {
		return nil
	}
	sp := &svcPatterns{m: patterns.New(patterns.Config{MaxPatterns: t.maxPatterns}), stats: map[*patterns.Pattern]*patStat{}}
	v, loaded := t.services.LoadOrStore(name, sp)
	if !loaded {
		t.nServices.Add(1)
	}
	return v.(*svcPatterns)
}

// observe mines msg for service at now and returns its pattern's id and
// whether the pattern is new (first seen within newFor, after the learning
// period). A warm call allocates nothing unless the line creates or
// changes a pattern.
func (t *patTable) observe(service, msg string, now int64) (id string, isNew bool) {
	sp := t.service(service, true)
	if sp == nil {
		return "", false
	}
	sp.mu.Lock()
	p := sp.m.Add(msg)
	st := sp.stats[p]
	if st == nil {
		st = &patStat{first: now, example: exampleOf(msg), id: p.ID()}
		if len(sp.stats) >= 2*t.maxPatterns {
			sp.prune(now, t.maxPatterns)
		}
		sp.stats[p] = st
		if t.isNew(now, now) {
			t.news.Add(1)
		}
	}
	st.add(now)
	id = p.ID()
	first := st.first
	sp.mu.Unlock()
	return id, t.isNew(first, now)
}

// isNew: first seen within newFor, and not during the learning period
// (the first newFor after the start), when every pattern is first seen.
func (t *patTable) isNew(first, now int64) bool {
	return t.newFor > 0 && first-t.start >= t.newFor && now-first < t.newFor
}

// lookup names msg with the live miner's pattern without counting it
// (history and replays from Kafka): "" when the line matches no pattern
// the miner holds now.
func (t *patTable) lookup(service, msg string) string {
	if t == nil {
		return ""
	}
	sp := t.service(service, false)
	if sp == nil {
		return ""
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if p := sp.m.Match(msg); p != nil {
		return p.ID()
	}
	return ""
}

// prune forgets the counts of evicted patterns and, when that is not
// enough (handles folded into others are never returned again), of those
// not seen within the window. Caller holds sp.mu.
func (sp *svcPatterns) prune(now int64, limit int) {
	for p := range sp.stats {
		if p.Evicted() {
			delete(sp.stats, p)
		}
	}
	if len(sp.stats) < limit {
		return
	}
	for p, st := range sp.stats {
		if now-st.last > int64(patBucket)*patBuckets {
			delete(sp.stats, p)
		}
	}
}

func bucketOf(ns int64) int64 { return ns / int64(patBucket) }

func (st *patStat) add(now int64) {
	b := bucketOf(now)
	if b > st.lastB {
		for k := max(st.lastB+1, b-patBuckets+1); k <= b; k++ {
			st.counts[k%patBuckets] = 0
		}
		st.lastB = b
	}
	// A line a little late (another partition's clock read) counts in its
	// own bucket while that is still held.
	if b > st.lastB-patBuckets {
		st.counts[b%patBuckets]++
	}
	st.total++
	st.last = max(st.last, now)
}

// at is bucket b's count.
func (st *patStat) at(b int64) uint32 {
	if b > st.lastB || b <= st.lastB-patBuckets {
		return 0
	}
	return st.counts[b%patBuckets]
}

// appendPattern adds the pattern id (and new) to an entry body, before its
// closing "}\n".
func appendPattern(body []byte, id string, isNew bool) []byte {
	if id == "" {
		return body
	}
	body = append(body[:len(body)-2], `,"pattern":"`...)
	body = append(body, id...) // hex digits: nothing to escape
	body = append(body, '"')
	if isNew {
		body = append(body, `,"new":true`...)
	}
	return append(body, "}\n"...)
}

// exampleOf is msg, or a copy of its first maxExample bytes (cut at a rune
// boundary) so that the rest of a huge message is not kept alive.
func exampleOf(msg string) string {
	if len(msg) <= maxExample {
		return msg
	}
	n := maxExample
	for n > 0 && !utf8.RuneStart(msg[n]) {
		n--
	}
	return strings.Clone(msg[:n]) + "…"
}

// renamed records that the handle's id is now id, when it changed since
// it was last reported. Caller holds the service's mutex.
func (st *patStat) renamed(id string) {
	if st.id == id {
		return
	}
	st.was = append(st.was, st.id)
	if len(st.was) > maxWas {
		st.was = append(st.was[:0], st.was[len(st.was)-maxWas:]...)
	}
	st.id = id
}
