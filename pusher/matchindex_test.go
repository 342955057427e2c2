package pusher

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tailcast/tailcast/internal/filtermix"
	"github.com/tailcast/tailcast/internal/loghub"
	"github.com/tailcast/tailcast/proto/logpb"
)

// matchHarness is a Server with only what the flush loop's matching
// needs: the hub, the indexes, and clients that hold a filter and a
// position.
type matchHarness struct {
	s       *Server
	clients []*client
}

func newMatchHarness(ringEntries int) *matchHarness {
	s := &Server{hub: newHub(ringEntries, 1<<30, nil, nil)}
	s.hub.pats = newPatTable(1000, time.Minute, time.Now())
	s.hub.Begin(0, 0)
	return &matchHarness{s: s}
}

func (h *matchHarness) add(f *filter, pos uint64) *client {
	c := &client{pos: pos}
	c.filt.Store(f)
	h.clients = append(h.clients, c)
	return c
}

// pass does what collect does before serving clients: it brings the
// indexes to the log's tail and matches the new records, and returns the
// tail. The caller holds nothing; pass leaves the hub's read lock held
// (release with done).
func (h *matchHarness) pass() uint64 {
	s := h.s
	s.hub.mu.RLock()
	tail := s.hub.log.nextSeq
	s.qm.reset(s.idx.next, tail)
	s.idx.update(&s.hub.log)
	var recs []*record
	for seq := max(s.mx.next, s.hub.log.headSeq); seq < tail; seq++ {
		if r := s.hub.log.at(seq); r != nil {
			recs = append(recs, r)
		}
	}
	s.mx.sync(h.clients)
	s.mx.match(recs, tail)
	return tail
}

func (h *matchHarness) done() { h.s.hub.mu.RUnlock() }

// want is every record in [from, tail) that f may match, by testing each.
func (h *matchHarness) want(f *filter, from, tail uint64) []uint64 {
	l := &h.s.hub.log
	var out []uint64
	for seq := max(from, l.headSeq); seq < tail; seq++ {
		if r := l.at(seq); r != nil && f.mayMatch(r) {
			out = append(out, seq)
		}
	}
	return out
}

func (h *matchHarness) got(f *filter, from, tail uint64) []uint64 {
	var out []uint64
	for r := range h.s.mayMatches(f, from, tail) {
		out = append(out, r.seq)
	}
	return out
}

// sampleEntries are real log lines (loghub) with services, hosts, levels
// and fields, and the filter mix's entries.
func sampleEntries(t *testing.T) []*logpb.LogEntry {
	t.Helper()
	rng := rand.New(rand.NewPCG(14, 1))
	levels := []logpb.Level{lUnk, lInfo, lWarn, logpb.Level_LEVEL_ERROR, logpb.Level_LEVEL_DEBUG}
	var out []*logpb.LogEntry
	for _, ds := range []string{"HDFS", "Apache", "OpenSSH", "Spark", "Proxifier"} {
		for _, line := range loghub.First(t, ds, 300) {
			e := entry(strings.ToLower(ds), fmt.Sprintf("web-%d", rng.IntN(4)), levels[rng.IntN(len(levels))], line)
			e.Fields = []*logpb.Field{{Key: "user", Value: fmt.Sprintf("u%d", rng.IntN(10))}}
			if rng.IntN(2) == 0 {
				e.Fields = append(e.Fields, &logpb.Field{Key: "status", Value: []string{"200", "404", "500", "503"}[rng.IntN(4)]})
			}
			if rng.IntN(10) == 0 {
				e.Fields = append(e.Fields, &logpb.Field{Key: "user", Value: "dup"}) // a field twice
			}
			out = append(out, e)
		}
	}
	mix, err := filtermix.New(10)
	if err != nil {
		t.Fatal(err)
	}
	ts := []byte(strconv.FormatInt(time.Now().UnixNano(), 10))
	for i := range 1500 {
		e := &logpb.LogEntry{TimeUnixNano: time.Now().UnixNano()}
		mix.Shapes[i%filtermix.Period].Entry(e, int64(i), ts)
		out = append(out, e)
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// matchSpecs are filters of every anchor kind and combination.
var matchSpecs = []struct {
	name string
	spec filterSpec
}{
	{"service", filterSpec{services: []string{"hdfs"}}},
	{"services", filterSpec{services: []string{"apache", "openssh", "api"}}},
	{"many services", filterSpec{services: strings.Split("a,b,c,d,e,f,g,h,hdfs,spark", ",")}},
	{"service and level", filterSpec{services: []string{"spark"}, level: "warn"}},
	{"q", filterSpec{q: "Block"}},
	{"short q", filterSpec{q: "i"}},
	{"q on a field value", filterSpec{q: "u3"}},
	{"service and q", filterSpec{services: []string{"openssh"}, q: "failed"}},
	{"re", filterSpec{re: `Received block \S+ of size`}},
	{"re alternation", filterSpec{re: `timeout|refused|session`}},
	{"re folded", filterSpec{re: `(?i)invalid USER`}},
	{"re short literal", filterSpec{re: `a[0-9]+`}},
	{"re without literal", filterSpec{re: `\d{4,}`}},
	{"re anchored", filterSpec{re: `^Received`}},
	{"re and q", filterSpec{re: `(GET|POST) /api`, q: "status"}},
	{"where eq", filterSpec{wheres: []string{"status=500"}}},
	{"where ge", filterSpec{wheres: []string{"status>=500"}}},
	{"where eq text", filterSpec{wheres: []string{"user=u3"}}},
	{"where eq text, a field twice", filterSpec{wheres: []string{"user=dup"}}},
	{"where eq text and q", filterSpec{wheres: []string{"user=u4"}, q: "block"}},
	{"where ne", filterSpec{wheres: []string{"user!=u1"}}},
	{"where missing field", filterSpec{wheres: []string{"nope=1"}}},
	{"where regex", filterSpec{wheres: []string{"user~^u[12]$"}}},
	{"where and service", filterSpec{services: []string{"hdfs"}, wheres: []string{"status=404"}}},
	{"level", filterSpec{level: "error"}},
	{"host", filterSpec{hosts: []string{"web-1"}}},
	{"host and q", filterSpec{hosts: []string{"web-2", "web-3"}, q: "connection"}},
	{"mix service", filterSpec{services: []string{"payments"}, level: "warn"}},
	{"mix q where", filterSpec{q: "timeout", wheres: []string{"latency_ms>500"}}},
	{"mix re", filterSpec{services: []string{"api"}, re: `served in [0-9]{3,}ms`}},
}

// TestMatchIndexPicksTheMatchingFilters: for every entry, real log lines
// and the filter mix alike, the filters whose lists the entry goes to are
// exactly those it may match (filter.mayMatch, which for a filter without
// a regular expression is its match), over every kind of filter term,
// including pattern ids; across passes, for filters that come and go.
func TestMatchIndexPicksTheMatchingFilters(t *testing.T) {
	entries := sampleEntries(t)
	h := newMatchHarness(len(entries) + 1)
	var filters []*filter
	for _, tt := range matchSpecs {
		f, err := tt.spec.compile()
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if !f.scanned() {
			// build relies on it: what a filter the flush loop evaluates
			// may match, it matches.
			for _, e := range entries[:200] {
				var p partState
				lt := p.lowerText(e)
				if got, want := f.mayMatchEntry(e, lt), f.match(e.Service, e.Host, e.Level, e.Message, lt, e.Fields, ""); got != want {
					t.Fatalf("%s: mayMatch %v, match %v on %q, want them equal for a filter without a scanner", tt.name, got, want, e.Message)
				}
			}
		}
		filters = append(filters, f)
	}
	// The first third of the entries before any client, then the filters
	// join in turns, and the last half leave before the last pass.
	third := len(entries) / 3
	for i, e := range entries[:third] {
		h.s.hub.Publish(0, int64(i), e)
	}
	h.pass()
	h.done()
	// Pattern filters need ids the miner has given.
	h.s.hub.mu.RLock()
	var pats []string
	for seq := h.s.hub.log.headSeq; seq < h.s.hub.log.nextSeq && len(pats) < 3; seq++ {
		if r := h.s.hub.log.at(seq); r != nil && r.pattern != "" && !slices.Contains(pats, r.pattern) {
			pats = append(pats, r.pattern)
		}
	}
	h.s.hub.mu.RUnlock()
	if len(pats) < 2 {
		t.Fatalf("got %d pattern ids, want at least 2 from the miner", len(pats))
	}
	for _, sp := range []filterSpec{{patterns: pats[:1]}, {patterns: pats[1:], q: "the"}, {notPats: pats[:1], services: []string{"hdfs", "spark"}}} {
		f, err := sp.compile()
		if err != nil {
			t.Fatal(err)
		}
		filters = append(filters, f)
	}
	off := third
	for round := range 4 {
		for _, f := range filters[round*len(filters)/4 : (round+1)*len(filters)/4] {
			h.s.hub.mu.RLock()
			h.add(f, h.s.hub.log.nextSeq)
			h.s.hub.mu.RUnlock()
		}
		if round == 3 {
			h.clients = h.clients[len(h.clients)/2:]
		}
		for range third / 2 {
			if off < len(entries) {
				h.s.hub.Publish(0, int64(off), entries[off])
				off++
			}
		}
		tail := h.pass()
		for _, c := range h.clients {
			f := c.filt.Load()
			ml := h.s.mx.list(f)
			if ml == nil {
				t.Fatalf("round %d, filter %s: no list, want one for a filter in use", round, f.key)
			}
			if ml.since > c.pos {
				t.Errorf("round %d, filter %s: list from %d, want from the client's position %d or before", round, f.key, ml.since, c.pos)
			}
			got, want := h.got(f, c.pos, tail), h.want(f, c.pos, tail)
			if !slices.Equal(got, want) {
				t.Errorf("round %d, filter %s: got %d records %s, want %d %s", round, f.key, len(got), head(got), len(want), head(want))
			}
			if n := len(ml.seqs); round > 0 && n == 0 && len(want) > 0 {
				t.Errorf("round %d, filter %s: an empty list, want the %d matches there", round, f.key, len(want))
			}
		}
		h.done()
	}
	if got, want := len(h.s.mx.lists), len(h.clients); got != want {
		t.Errorf("got %d lists after half the clients left, want %d", got, want)
	}
}

// mayMatchEntry is mayMatch on an entry not in the log.
func (f *filter) mayMatchEntry(e *logpb.LogEntry, ltext string) bool {
	r := &record{service: e.Service, host: e.Host, level: e.Level, msg: e.Message, ltext: ltext, fields: e.Fields}
	return f.mayMatch(r)
}

// TestMatchIndexRandomized compares the lists with testing every record,
// for random filters built from the entries' own words, services, hosts
// and fields, random client positions, filters that change, a log that
// evicts, and lists past their cap.
func TestMatchIndexRandomized(t *testing.T) {
	entries := sampleEntries(t)
	rng := rand.New(rand.NewPCG(7, 14))
	var vocab []string
	for _, e := range entries[:400] {
		for w := range strings.FieldsSeq(e.Message) {
			if len(w) < 12 && utf8Valid(w) {
				vocab = append(vocab, w)
			}
		}
	}
	pick := func(l []string) string { return l[rng.IntN(len(l))] }
	services := []string{"hdfs", "apache", "openssh", "spark", "proxifier", "api", "payments", "orders", "nope"}
	randomFilter := func() *filter {
		for {
			var sp filterSpec
			if rng.IntN(3) == 0 {
				sp.services = []string{pick(services)}
				if rng.IntN(3) == 0 {
					sp.services = append(sp.services, pick(services))
				}
			}
			if rng.IntN(3) == 0 {
				w := pick(vocab)
				if rng.IntN(2) == 0 {
					w = strings.ToUpper(w)
				}
				sp.q = w[:1+rng.IntN(len(w))]
			}
			if rng.IntN(4) == 0 {
				sp.re = regexp.QuoteMeta(pick(vocab))
				switch rng.IntN(3) {
				case 0:
					sp.re = "(?i)" + sp.re
				case 1:
					sp.re += "|" + regexp.QuoteMeta(pick(vocab))
				}
			}
			if rng.IntN(4) == 0 {
				sp.wheres = []string{pick([]string{"status>=500", "status=404", "user=u3", "user!=u1", "latency_ms>900", "user~^u[0-4]"})}
			}
			if rng.IntN(5) == 0 {
				sp.hosts = []string{fmt.Sprintf("web-%d", rng.IntN(8))}
			}
			if rng.IntN(4) == 0 {
				sp.level = pick([]string{"info", "warn", "error"})
			}
			f, err := sp.compile()
			if err == nil && !f.all() {
				return f
			}
		}
	}
	h := newMatchHarness(2000) // evicts: the log holds fewer than the entries
	for range 40 {
		h.add(randomFilter(), 0)
	}
	off, listed := 0, 0
	for round := range 60 {
		n := 1 + rng.IntN(400)
		if round == 30 {
			n = 3 * maxMatchSeqs // past the lists' cap
		}
		for range n {
			h.s.hub.Publish(0, int64(off), entries[off%len(entries)])
			off++
		}
		tail := h.pass()
		l := &h.s.hub.log
		for _, c := range h.clients {
			f := c.filt.Load()
			from := l.headSeq + uint64(rng.IntN(int(tail-l.headSeq)+1))
			if ml := h.s.mx.list(f); ml != nil && from >= ml.since {
				listed++
			}
			got, want := h.got(f, from, tail), h.want(f, from, tail)
			if !slices.Equal(got, want) {
				t.Fatalf("round %d, filter %s, [%d, %d): got %d records %s, want %d %s", round, f.key, from, tail, len(got), head(got), len(want), head(want))
			}
			// Clients move on, some change filters.
			c.pos = from
			if rng.IntN(8) == 0 {
				c.filt.Store(randomFilter())
			}
		}
		h.done()
		for _, ml := range h.s.mx.lists {
			if len(ml.seqs) > maxMatchSeqs {
				t.Fatalf("round %d: a list of %d matches, want at most %d", round, len(ml.seqs), maxMatchSeqs)
			}
		}
	}
	if listed < 60*len(h.clients)/4 {
		t.Errorf("%d of %d ranges served from a list, want most: the test would not test the lists", listed, 60*len(h.clients))
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "") == s }

// TestScanned: a regular expression runs on its client's scanner unless a
// literal search decides it, and then the filter matches exactly what it
// may match, in the flush loop.
func TestScanned(t *testing.T) {
	tests := []struct {
		spec filterSpec
		want bool
	}{
		{filterSpec{q: "timeout"}, false},
		{filterSpec{re: `timeout|refused`}, false},
		{filterSpec{re: `payment (declined|failed)`, services: []string{"api"}}, false},
		{filterSpec{re: `rate limit exceeded`, wheres: []string{"status>=500"}}, false},
		{filterSpec{re: `(?i)timeout`}, true},
		{filterSpec{re: `^Received`}, true},
		{filterSpec{re: `served in [0-9]{3,}ms`}, true},
		{filterSpec{re: `timeout|refused`, wheres: []string{"user~^u1"}}, true},
		{filterSpec{wheres: []string{"user~^u1"}}, true},
	}
	entries := sampleEntries(t)
	for _, tt := range tests {
		f, err := tt.spec.compile()
		if err != nil {
			t.Fatal(err)
		}
		if got := f.scanned(); got != tt.want {
			t.Errorf("%s: scanned %v, want %v", f.key, got, tt.want)
		}
		if f.scanned() {
			continue
		}
		var p partState
		for _, e := range entries {
			lt := p.lowerText(e)
			if got, want := f.mayMatchEntry(e, lt), f.match(e.Service, e.Host, e.Level, e.Message, lt, e.Fields, ""); got != want {
				t.Fatalf("%s on %q: mayMatch %v, match %v, want equal", f.key, e.Message, got, want)
			}
		}
	}
}
