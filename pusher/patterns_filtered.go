package pusher

import (
	"slices"
	"strconv"
	"time"

	"github.com/tailcast/tailcast/proto/logpb"
)

// Pattern counts for a filter beyond service. The server's own counts
// (patterns.go) are kept once at ingest, per service; a subscriber whose
// filter also has host, level, q, re or where gets counts of the entries
// that filter passes instead. Those are kept per distinct filter (equal
// filters share them, as they share frames), by patLoop alone, off the
// fan-out: each round it reads the log from where the counts stopped,
// evaluates the filter and counts the matches, within the filter budget of
// one client (costMeter), so that a costly filter delays its own counts
// and no one's entries. A new filter's counts start from the oldest entry
// the log still holds (rebuilt, not reset to zero), and the message says
// from when they are complete (since).

// maxFilteredPatterns caps the patterns one filter's counts keep: past it
// the least recently seen is dropped (and counted in evicted).
const maxFilteredPatterns = 256

// patCounts is one filter's pattern counts, owned by patLoop.
type patCounts struct {
	f       *filter // the subscriber's filter without its pattern terms
	next    uint64  // the log is counted up to here
	since   int64   // UnixNano: the counts are complete from here
	stats   map[patKey]*patStat
	evicted int64
	meter   costMeter
	used    bool // by a subscriber this round
	batch   []*record
}

// countScope returns the filter counts are kept for on f's behalf (f
// without pattern= and not_pattern=, which never narrow the counts, so
// that a viewer still sees what it mutes) and its key, or nil when the
// server's per-service counts serve f.
func countScope(f *filter) (*filter, string) {
	if len(f.hosts) == 0 && f.minLevel == logpb.Level_LEVEL_UNKNOWN && f.q == "" && f.re == nil && len(f.wheres) == 0 {
		return nil, ""
	}
	// A copy: the compiled terms are immutable and shared. Whatever is
	// derived from the pattern terms must be cleared here too.
	cf := *f
	cf.patterns, cf.notPats = nil, nil
	var kb []byte
	for _, s := range f.services {
		kb = strconv.AppendQuote(append(kb, 's'), s)
	}
	for _, s := range f.hosts {
		kb = strconv.AppendQuote(append(kb, 'h'), s)
	}
	kb = strconv.AppendInt(append(kb, 'l'), int64(f.minLevel), 10)
	kb = strconv.AppendQuote(append(kb, 'q'), f.q)
	if f.re != nil {
		kb = strconv.AppendQuote(append(kb, 'r'), f.re.String())
	}
	for i := range f.wheres {
		kb = append(append(kb, 'w'), f.wheres[i].canon()...)
	}
	cf.key = string(kb)
	return &cf, cf.key
}

// patCounters are the filtered counts patLoop keeps, by filter key.
type patCounters struct {
	m   map[string]*patCounts
	rot int // the round's first filter, so that every filter's counts progress
}

// updateCounts brings the counts of scopes (the filters of this round's
// subscribers, pattern terms left out) up to date, and drops the counts no
// subscriber uses any more. A round counts for at most half of
// PatternInterval over all filters, each within its own budget, starting
// from a different filter each round: many costly filters delay their own
// counts, never the updates of the other subscribers.
func (s *Server) updateCounts(pcs *patCounters, scopes []*filter, now time.Time) {
	for _, pc := range pcs.m {
		pc.used = false
	}
	var round []*patCounts
	for _, f := range scopes {
		pc := pcs.m[f.key]
		if pc == nil {
			pc = s.newPatCounts(f, now)
			pcs.m[f.key] = pc
		}
		if !pc.used {
			pc.used = true
			round = append(round, pc)
		}
	}
	for k, pc := range pcs.m {
		if !pc.used {
			delete(pcs.m, k)
		}
	}
	s.hub.pats.filtered.Store(int32(len(pcs.m)))
	if len(round) == 0 {
		return
	}
	deadline := now.Add(s.cfg.PatternInterval / 2)
	pcs.rot = (pcs.rot + 1) % len(round)
	for i := range round {
		round[(pcs.rot+i)%len(round)].advance(s, deadline)
	}
}

// newPatCounts starts counts for f from the oldest entry the log holds.
func (s *Server) newPatCounts(f *filter, now time.Time) *patCounts {
	pc := &patCounts{f: f, stats: map[patKey]*patStat{}, meter: costMeter{budget: s.cfg.FilterBudget}}
	h := s.hub
	h.mu.RLock()
	pc.next = h.log.headSeq
	pc.since = pc.startAt(h, now.UnixNano())
	h.mu.RUnlock()
	return pc
}

// startAt is when the entry at pc.next was mined (now when there is none).
// Caller holds h.mu.
func (pc *patCounts) startAt(h *hub, now int64) int64 {
	for seq := pc.next; seq < h.log.nextSeq; seq++ {
		if r := h.log.at(seq); r != nil && r.seen > 0 {
			return r.seen
		}
	}
	return now
}

// advance counts the log's entries from pc.next, as far as its budget
// allows, until deadline. Entries evicted before they were counted move
// since forward: the counts are complete only from the oldest entry
// counted without a gap.
func (pc *patCounts) advance(s *Server, deadline time.Time) {
	h := s.hub
	for {
		now := time.Now()
		if pc.meter.debt(now) > 0 || now.After(deadline) {
			return
		}
		h.mu.RLock()
		if pc.next < h.log.headSeq {
			pc.next = h.log.headSeq
			pc.since = pc.startAt(h, now.UnixNano())
		}
		lo, tail := pc.next, h.log.nextSeq
		hi := min(tail, lo+scanBatch)
		pc.batch = pc.batch[:0]
		for seq := lo; seq < hi; seq++ {
			if r := h.log.at(seq); r != nil {
				pc.batch = append(pc.batch, r)
			}
		}
		h.mu.RUnlock()
		if lo == hi {
			return
		}
		t0 := time.Now()
		for _, r := range pc.batch {
			if r.pattern != "" && pc.f.matchRecord(r) {
				pc.count(r)
			}
		}
		pc.meter.charge(time.Now(), time.Since(t0))
		clear(pc.batch)
		pc.next = hi
	}
}

// count adds r to its pattern's counts.
func (pc *patCounts) count(r *record) {
	k := patKey{r.service, r.pattern}
	st := pc.stats[k]
	if st == nil {
		if len(pc.stats) >= maxFilteredPatterns {
			pc.evictOldest()
		}
		st = &patStat{first: r.seen, example: exampleOf(r.msg), id: r.pattern}
		pc.stats[k] = st
	}
	st.add(r.seen)
	st.first = min(st.first, r.seen)
}

// evictOldest drops the least recently seen pattern.
func (pc *patCounts) evictOldest() {
	var oldest patKey
	var last int64 = -1
	for k, st := range pc.stats {
		if last < 0 || st.last < last {
			oldest, last = k, st.last
		}
	}
	delete(pc.stats, oldest)
	pc.evicted++
}

// patName is what an id a line was published with names now.
type patName struct {
	id, template string
	first        int64 // the server's first sighting (for new)
}

// names maps the ids the service's patterns have and had to what they
// name now. Evicted patterns are left out.
func (t *patTable) names(service string) map[string]patName {
	out := map[string]patName{}
	sp := t.service(service, false)
	if sp == nil {
		return out
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	for p, st := range sp.stats {
		if p.Evicted() {
			continue
		}
		st.renamed(p.ID())
		id := p.ID()
		n, ok := out[id]
		if !ok || st.first < n.first {
			n = patName{id: id, template: p.Template(), first: st.first}
		}
		out[id] = n
		for _, w := range st.was {
			if _, ok := out[w]; !ok {
				out[w] = patName{id: id}
			}
		}
	}
	// Ids that only name an earlier form take the current form's first.
	for w, n := range out {
		if n.template == "" {
			out[w] = out[n.id]
		}
	}
	return out
}

// resolve names an id no longer known by its example's pattern in the
// live miner, if any.
func (t *patTable) resolve(service, example string, names map[string]patName) (patName, bool) {
	id := t.lookup(service, example)
	if id == "" {
		return patName{}, false
	}
	n, ok := names[id]
	return n, ok
}

// topOf is top for a filter's own counts.
func (t *patTable) topOf(pc *patCounts, n int, now int64) patternsMsg {
	cur := bucketOf(now)
	msg := patternsMsg{Type: "patterns", BucketS: int(patBucket / time.Second), Patterns: []patternRow{}, Evicted: pc.evicted}
	msg.Learning = t.newFor > 0 && now-t.start < t.newFor
	msg.Since = time.Unix(0, pc.since).UTC().Format(time.RFC3339Nano)
	names := map[string]map[string]patName{}
	rows := map[patKey]*patAgg{}
	for k, st := range pc.stats {
		spark, c := sparkOf(st, cur)
		if c == 0 {
			continue
		}
		nm := names[k.service]
		if nm == nil {
			nm = t.names(k.service)
			names[k.service] = nm
		}
		name, ok := nm[k.id]
		if !ok {
			if name, ok = t.resolve(k.service, st.example, nm); !ok {
				continue // its pattern was evicted: no template to show
			}
		}
		key := patKey{k.service, name.id}
		a := rows[key]
		if a == nil {
			a = &patAgg{row: patternRow{ID: name.id, Service: k.service, Template: name.template, Example: st.example}, first: st.first, newFrom: name.first}
			rows[key] = a
		}
		if st.first < a.first {
			a.first, a.row.Example = st.first, st.example
		}
		if k.id != name.id && !slices.Contains(a.row.Was, k.id) && len(a.row.Was) < maxWas {
			a.row.Was = append(a.row.Was, k.id)
		}
		a.last = max(a.last, st.last)
		a.count(spark, c, st.total)
		msg.Total += c
	}
	t.rank(&msg, rows, n, now)
	return msg
}
