package pusher

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tailcast/tailcast/internal/wait"
	"github.com/tailcast/tailcast/proto/logpb"
)

// mixed publishes n lines of three shapes at several levels (api), and
// returns the entries published.
func mixed(s *Server, off int64, n int) (int64, []*logpb.LogEntry) {
	var es []*logpb.LogEntry
	levels := []logpb.Level{lInfo, lWarn, lInfo, lError, lInfo}
	for i := range n {
		var text string
		switch i % 3 {
		case 0:
			text = fmt.Sprintf("Connection reset by peer 10.0.%d.%d:%d", i%7, i, 40000+i)
		case 1:
			text = fmt.Sprintf("disk usage at %d%% on /dev/sd%c", 50+i%40, 'a'+rune(i%3))
		default:
			text = fmt.Sprintf("request %d served in %dms", i, 3+i%50)
		}
		e := entry("api", "h1", levels[i%len(levels)], text)
		s.Publish(0, off, e)
		es = append(es, e)
		off++
	}
	return off, es
}

// sentAndCounted reads until c has got want entries and a "patterns"
// message counting want lines, and returns the entries' count per pattern
// id and that message.
func sentAndCounted(t *testing.T, c *wsClient, want int) (map[string]int64, patMsg) {
	t.Helper()
	sent := map[string]int64{}
	var got int
	var last patMsg
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		m := c.nextPat()
		switch m.Type {
		case "entry":
			sent[m.Pattern]++
			got++
		case "patterns":
			last = m
		}
		if got == want && last.Total == int64(want) {
			return sent, last
		}
	}
	t.Fatalf("got %d entries and a patterns message counting %d lines, want %d of each", got, last.Total, want)
	return nil, patMsg{}
}

// checkCounts compares each pattern row's count with the entries of its id
// (or its earlier ids) the client was sent.
func checkCounts(t *testing.T, name string, sent map[string]int64, m patMsg) {
	t.Helper()
	left := maps.Clone(sent)
	var sum int64
	for _, p := range m.Patterns {
		var want int64
		for id, n := range left {
			if id == p.ID || slices.Contains(p.Was, id) {
				want += n
				delete(left, id)
			}
		}
		if p.Count != want {
			t.Errorf("%s: pattern %q: got count %d, want %d (the entries of it the client was sent)", name, p.Template, p.Count, want)
		}
		var spark int64
		for _, v := range p.Spark {
			spark += int64(v)
		}
		if spark != p.Count {
			t.Errorf("%s: pattern %q: sparkline sums to %d, want its count %d", name, p.Template, spark, p.Count)
		}
		sum += p.Count
	}
	if len(left) > 0 {
		t.Errorf("%s: entries of patterns %v were sent but counted in no row", name, left)
	}
	if sum != m.Total {
		t.Errorf("%s: rows sum to %d, want the message's total %d", name, sum, m.Total)
	}
}

// TestPatternCountsFollowFilter: two subscribers with different level and
// q filters get the counts of what each of them is sent; a subscriber
// filtering by service only gets the server's counts.
func TestPatternCountsFollowFilter(t *testing.T) {
	s, u := testServer(t, Config{PatternInterval: 50 * time.Millisecond})
	s.Begin(0, 0)
	warn := dial(t, u+"?patterns=1&level=warn&backfill=0")
	reset := dial(t, u+"?patterns=1&q=RESET&backfill=0")
	all := dial(t, u+"?patterns=1&service=api&backfill=0")
	waitClients(t, s, 3)
	_, es := mixed(s, 0, 150)
	var nWarn, nReset int
	for _, e := range es {
		if e.Level >= lWarn {
			nWarn++
		}
		if e.Message[:10] == "Connection" {
			nReset++
		}
	}
	sentW, mW := sentAndCounted(t, warn, nWarn)
	sentR, mR := sentAndCounted(t, reset, nReset)
	sentA, mA := sentAndCounted(t, all, len(es))
	checkCounts(t, "level=warn", sentW, mW)
	checkCounts(t, "q=RESET", sentR, mR)
	checkCounts(t, "service=api", sentA, mA)
	if len(mR.Patterns) != 1 || len(mW.Patterns) < 2 {
		t.Errorf("got %d patterns for q=RESET and %d for level=warn, want 1 and at least 2", len(mR.Patterns), len(mW.Patterns))
	}
	for name, m := range map[string]patMsg{"level=warn": mW, "q=RESET": mR} {
		since, err := time.Parse(time.RFC3339Nano, m.Since)
		if err != nil || since.After(time.Now()) {
			t.Errorf("%s: since %q: want a time in the past (%v)", name, m.Since, err)
		}
	}
	if mA.Since != "" {
		t.Errorf("service=api: got since %q, want none (the server's counts)", mA.Since)
	}
}

// TestPatternCountsRebuiltOnFilterChange: a subscriber's counts for a new
// filter are rebuilt from the entries the server holds, not started at
// zero, and follow each filter change.
func TestPatternCountsRebuiltOnFilterChange(t *testing.T) {
	s, u := testServer(t, Config{PatternInterval: 50 * time.Millisecond})
	s.Begin(0, 0)
	before := time.Now()
	_, es := mixed(s, 0, 90)
	count := func(ok func(*logpb.LogEntry) bool) (n int64) {
		for _, e := range es {
			if ok(e) {
				n++
			}
		}
		return n
	}
	c := dial(t, u+"?patterns=1&level=error&backfill=0")
	wantErr := count(func(e *logpb.LogEntry) bool { return e.Level >= lError })
	m := c.nextPatterns(func(m patMsg) bool { return m.Total == wantErr })
	if since, err := time.Parse(time.RFC3339Nano, m.Since); err != nil || since.Before(before) || since.After(time.Now()) {
		t.Errorf("level=error: since %q, want the first entry's time, after %v (%v)", m.Since, before, err)
	}
	c.send(`{"type":"filter","q":"disk usage","backfill":0}`)
	wantDisk := count(func(e *logpb.LogEntry) bool { return e.Message[:4] == "disk" })
	m = c.nextPatterns(func(m patMsg) bool { return m.Total == wantDisk })
	if len(m.Patterns) != 1 || m.Patterns[0].Count != wantDisk {
		t.Errorf("q=disk usage: got %+v, want one pattern of %d lines", m.Patterns, wantDisk)
	}
	// Muting a pattern does not narrow the counts (the viewer shows what it
	// mutes): the counts are the same filter's.
	c.send(`{"type":"filter","q":"disk usage","not_pattern":"` + m.Patterns[0].ID + `","backfill":0}`)
	wait.For(t, 5*time.Second, "the filter with not_pattern to apply", func() bool {
		s.mu.RLock()
		defer s.mu.RUnlock()
		return len(s.clients) == 1 && len(s.clients[0].filt.Load().notPats) == 1
	})
	// At most one update is queued at a time: the second one read was
	// built under the new filter.
	c.nextPatterns(func(m patMsg) bool { return true })
	m = c.nextPatterns(func(m patMsg) bool { return true })
	if m.Total != wantDisk {
		t.Errorf("q=disk usage with the pattern muted: got a total of %d, want %d", m.Total, wantDisk)
	}
}

func TestCountScope(t *testing.T) {
	tests := []struct {
		name   string
		spec   filterSpec
		scoped bool
	}{
		{"none", filterSpec{}, false},
		{"service", filterSpec{services: []string{"api"}}, false},
		{"pattern terms", filterSpec{services: []string{"api"}, patterns: []string{"0123456789abcdef"}, notPats: []string{"fedcba9876543210"}}, false},
		{"host", filterSpec{hosts: []string{"h1"}}, true},
		{"level", filterSpec{level: "warn"}, true},
		{"q", filterSpec{q: "x"}, true},
		{"re", filterSpec{re: "x+"}, true},
		{"where", filterSpec{wheres: []string{"status=500"}}, true},
	}
	for _, tt := range tests {
		f, err := tt.spec.compile()
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		cf, key := countScope(f)
		if got := cf != nil; got != tt.scoped {
			t.Errorf("%s: got own counts %v, want %v", tt.name, got, tt.scoped)
		}
		if cf != nil && (key == "" || len(cf.patterns) > 0 || len(cf.notPats) > 0) {
			t.Errorf("%s: got key %q and pattern terms %v %v, want a key and none", tt.name, key, cf.patterns, cf.notPats)
		}
	}
	// Filters that differ only in pattern terms share their counts.
	a, _ := filterSpec{level: "warn", notPats: []string{"0123456789abcdef"}}.compile()
	b, _ := filterSpec{level: "warn"}.compile()
	c, _ := filterSpec{level: "error"}.compile()
	_, ka := countScope(a)
	_, kb := countScope(b)
	_, kc := countScope(c)
	if ka != kb || ka == kc {
		t.Errorf("keys: got %q, %q, %q, want the first two equal and the third different", ka, kb, kc)
	}
}

// TestPatCountsCap: a filter's counts keep at most maxFilteredPatterns
// patterns, dropping the least recently seen and counting it.
func TestPatCountsCap(t *testing.T) {
	pc := &patCounts{stats: map[patKey]*patStat{}}
	now := time.Now().UnixNano()
	for i := range maxFilteredPatterns + 10 {
		pc.count(&record{service: "api", pattern: fmt.Sprintf("%016x", i), msg: "m", seen: now + int64(i)})
	}
	if len(pc.stats) != maxFilteredPatterns || pc.evicted != 10 {
		t.Errorf("got %d patterns and %d evicted, want %d and 10", len(pc.stats), pc.evicted, maxFilteredPatterns)
	}
	if _, ok := pc.stats[patKey{"api", fmt.Sprintf("%016x", 0)}]; ok {
		t.Errorf("the least recently seen pattern is still counted, want it evicted")
	}
}

// TestPatternMetrics: the pattern metrics move with mining, eviction, new
// patterns and filtered subscribers.
func TestPatternMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	learn := 100 * time.Millisecond
	s, u := testServer(t, Config{Registerer: reg, PatternNew: learn, PatternsPerService: 5, PatternInterval: 20 * time.Millisecond})
	s.Begin(0, 0)
	metric := func(name string) float64 {
		t.Helper()
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == name {
				m := mf.GetMetric()[0]
				return m.GetGauge().GetValue() + m.GetCounter().GetValue()
			}
		}
		t.Fatalf("no metric %s", name)
		return 0
	}
	off, _ := mixed(s, 0, 30)
	if got := metric("tailcast_pusher_patterns_lines_total"); got != 30 {
		t.Errorf("lines mined: got %v, want 30", got)
	}
	if got := metric("tailcast_pusher_patterns"); got < 3 || got > 5 {
		t.Errorf("patterns held: got %v, want the 3 shapes (3 to 5 while they settle)", got)
	}
	if got := metric("tailcast_pusher_patterns_new_total"); got != 0 {
		t.Errorf("new patterns during the learning period: got %v, want 0", got)
	}
	start := time.Now()
	wait.For(t, 5*time.Second, "the learning period to end", func() bool { return time.Since(start) > learn })
	for i := range 8 {
		s.Publish(0, off, entry("api", "h1", lInfo, fmt.Sprintf("novel shape number %c%c arrived", 'a'+i, 'a'+i)))
		s.Publish(0, off+1, entry("api", "h1", lInfo, strings.Repeat("word ", i+2)))
		off += 2
	}
	if got := metric("tailcast_pusher_patterns_new_total"); got < 1 {
		t.Errorf("new patterns after the learning period: got %v, want at least 1", got)
	}
	if got := metric("tailcast_pusher_patterns_evicted_total"); got < 1 {
		t.Errorf("evicted past a cap of 5: got %v, want at least 1", got)
	}
	if got := metric("tailcast_pusher_patterns"); got > 5 {
		t.Errorf("patterns held: got %v, want at most the cap of 5", got)
	}
	if got := metric("tailcast_pusher_pattern_services"); got != 1 {
		t.Errorf("services mined: got %v, want 1", got)
	}
	c := dial(t, u+"?patterns=1&level=warn")
	c.nextPatterns(func(m patMsg) bool { return true })
	wait.For(t, 5*time.Second, "a filter with counts of its own", func() bool { return metric("tailcast_pusher_pattern_filtered_counts") == 1 })
	c.conn.Close()
	wait.For(t, 5*time.Second, "its counts to be dropped", func() bool { return metric("tailcast_pusher_pattern_filtered_counts") == 0 })
}

// TestUpdateCountsRound: a round counts only until its deadline, the next
// one continues, and counts no subscriber uses are dropped.
func TestUpdateCountsRound(t *testing.T) {
	s, _ := testServer(t, Config{PatternInterval: time.Hour})
	s.Begin(0, 0)
	_, es := mixed(s, 0, 1000)
	var scopes []*filter
	for _, sp := range []filterSpec{{level: "warn"}, {q: "disk"}} {
		f, err := sp.compile()
		if err != nil {
			t.Fatal(err)
		}
		cf, _ := countScope(f)
		scopes = append(scopes, cf)
	}
	pcs := &patCounters{m: map[string]*patCounts{}}
	counted := func(pc *patCounts) (n int64) {
		for _, st := range pc.stats {
			n += st.total
		}
		return n
	}
	// A round already past its deadline counts nothing.
	s.updateCounts(pcs, scopes, time.Now().Add(-time.Hour))
	for _, f := range scopes {
		if pc := pcs.m[f.key]; pc == nil || pc.next != 0 || counted(pc) != 0 {
			t.Fatalf("%s: past the deadline: got %+v, want counts created at the log's start with nothing counted", f.key, pc)
		}
	}
	s.updateCounts(pcs, scopes, time.Now())
	var wantWarn, wantDisk int64
	for _, e := range es {
		if e.Level >= lWarn {
			wantWarn++
		}
		if strings.HasPrefix(e.Message, "disk") {
			wantDisk++
		}
	}
	for i, want := range []int64{wantWarn, wantDisk} {
		if got := counted(pcs.m[scopes[i].key]); got != want {
			t.Errorf("%s: got %d lines counted, want %d", scopes[i].key, got, want)
		}
	}
	s.updateCounts(pcs, scopes[:1], time.Now())
	if len(pcs.m) != 1 || pcs.m[scopes[0].key] == nil || s.hub.pats.filtered.Load() != 1 {
		t.Errorf("got %d counts (gauge %d), want only the one still subscribed", len(pcs.m), s.hub.pats.filtered.Load())
	}
}
