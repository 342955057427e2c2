package pusher

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gobwas/ws/wsutil"

	"github.com/tailcast/tailcast/internal/loghub"
	"github.com/tailcast/tailcast/internal/patterns"
	"github.com/tailcast/tailcast/internal/wait"
)

// patMsg is a server message with the pattern fields.
type patMsg struct {
	Type     string       `json:"type"`
	Msg      string       `json:"msg"`
	Service  string       `json:"service"`
	Pattern  string       `json:"pattern"`
	New      bool         `json:"new"`
	Total    int64        `json:"total"`
	Learning bool         `json:"learning"`
	Since    string       `json:"since"`
	Patterns []patternRow `json:"patterns"`
	Error    string       `json:"error"`
}

// nextPat reads the next message as a patMsg (it shares no buffer with
// wsClient.next: a test uses one or the other).
func (c *wsClient) nextPat() patMsg {
	c.t.Helper()
	for len(c.patPending) == 0 {
		c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		p, err := wsutil.ReadServerText(c.rw)
		if err != nil {
			c.t.Fatalf("read: %v", err)
		}
		for line := range bytes.SplitSeq(bytes.TrimSuffix(p, []byte("\n")), []byte("\n")) {
			var m patMsg
			if err := json.Unmarshal(line, &m); err != nil {
				c.t.Fatalf("decode %q: %v", line, err)
			}
			c.patPending = append(c.patPending, m)
		}
	}
	m := c.patPending[0]
	c.patPending = c.patPending[1:]
	return m
}

// patEntries reads until n entries came, skipping other messages.
func (c *wsClient) patEntries(n int) []patMsg {
	c.t.Helper()
	var out []patMsg
	for len(out) < n {
		if m := c.nextPat(); m.Type == "entry" {
			out = append(out, m)
		}
	}
	return out
}

// nextPatterns reads until a "patterns" message that satisfies ok.
func (c *wsClient) nextPatterns(ok func(patMsg) bool) patMsg {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := c.nextPat(); m.Type == "patterns" && ok(m) {
			return m
		}
	}
	c.t.Fatal("no patterns message as wanted before the deadline")
	return patMsg{}
}

var hexID = regexp.MustCompile(`^[0-9a-f]{16}$`)

// hdfs is loghub's HDFS sample, as messages (loghub's Content).
func hdfs(t *testing.T, n int) []string {
	t.Helper()
	ls, err := loghub.Structured("HDFS")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range ls[:n] {
		out = append(out, l.Content)
	}
	return out
}

// publishAll publishes lines as service svc on partition 0 from offset off.
func publishAll(s *Server, off int64, svc string, lines []string) int64 {
	for _, l := range lines {
		s.Publish(0, off, entry(svc, "h1", lInfo, l))
		off++
	}
	return off
}

// idsOf runs a fresh server over lines and returns each entry's pattern.
func idsOf(t *testing.T, lines []string) []string {
	s, u := testServer(t, Config{})
	s.Begin(0, 0)
	c := dial(t, u)
	waitClients(t, s, 1)
	publishAll(s, 0, "hdfs", lines)
	var ids []string
	for i, m := range c.patEntries(len(lines)) {
		if m.Msg != lines[i] {
			t.Fatalf("entry %d: got %q, want %q", i, m.Msg, lines[i])
		}
		if !hexID.MatchString(m.Pattern) {
			t.Fatalf("entry %d: pattern %q, want 16 hex digits", i, m.Pattern)
		}
		ids = append(ids, m.Pattern)
	}
	s.Close()
	return ids
}

// TestPatternIDsStableAcrossRestart: a server restarted over the same
// input names every entry with the same pattern id, and the ids group the
// HDFS sample's lines about as loghub's labels do.
func TestPatternIDsStableAcrossRestart(t *testing.T) {
	lines := hdfs(t, 400)
	a := idsOf(t, lines)
	b := idsOf(t, lines)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("entry %d (%q): id %s before the restart, %s after", i, lines[i], a[i], b[i])
		}
	}
	distinct := map[string]bool{}
	for _, id := range a[200:] { // warm: templates have settled
		distinct[id] = true
	}
	if len(distinct) < 3 || len(distinct) > 40 {
		t.Errorf("got %d distinct patterns over 200 warm HDFS lines, want a handful (3 to 40)", len(distinct))
	}
}

// shapes are two kinds of lines, each one pattern once warm.
func shapes(n int) (conn, disk []string) {
	for i := range n {
		conn = append(conn, fmt.Sprintf("Connection reset by peer 10.0.%d.%d:%d", i%7, i, 40000+i))
		disk = append(disk, fmt.Sprintf("disk usage at %d%% on /dev/sd%c", 50+i%40, 'a'+rune(i%3)))
	}
	return conn, disk
}

func TestPatternFilter(t *testing.T) {
	s, u := testServer(t, Config{})
	s.Begin(0, 0)
	conn, disk := shapes(20)
	probe := dial(t, u)
	waitClients(t, s, 1)
	off := publishAll(s, 0, "api", conn[:10])
	off = publishAll(s, off, "api", disk[:10])
	got := probe.patEntries(20)
	connID, diskID := got[9].Pattern, got[19].Pattern
	if connID == diskID || connID == "" {
		t.Fatalf("got pattern ids %q and %q for two shapes, want two different ids", connID, diskID)
	}

	only := dial(t, u+"?pattern="+connID)
	mute := dial(t, u+"?not_pattern="+connID)
	live := dial(t, u)
	waitClients(t, s, 4)
	live.send(`{"type":"filter","pattern":["` + diskID + `"]}`)
	// The filter message is applied between flush passes: wait until it
	// took effect before publishing.
	wait.For(t, 5*time.Second, "the filter message", func() bool {
		s.mu.RLock()
		defer s.mu.RUnlock()
		for _, c := range s.clients {
			if f := c.filt.Load(); f != nil && len(f.patterns) == 1 && f.patterns[0] == diskID {
				return true
			}
		}
		return false
	})
	for i := 10; i < 20; i++ {
		s.Publish(0, off, entry("api", "h1", lInfo, conn[i]))
		s.Publish(0, off+1, entry("api", "h1", lInfo, disk[i]))
		off += 2
	}
	tests := []struct {
		name string
		c    *wsClient
		want []string
	}{
		{"pattern=conn", only, conn[10:]},
		{"not_pattern=conn", mute, disk[10:]},
		{"filter message pattern=disk", live, disk[10:]},
	}
	for _, tt := range tests {
		var msgs []string
		for _, m := range tt.c.patEntries(len(tt.want)) {
			msgs = append(msgs, m.Msg)
		}
		if strings.Join(msgs, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%s: got %q, want %q", tt.name, msgs, tt.want)
		}
	}
}

func TestPatternSubscription(t *testing.T) {
	s, u := testServer(t, Config{PatternInterval: 50 * time.Millisecond})
	s.Begin(0, 0)
	conn, disk := shapes(30)
	off := publishAll(s, 0, "api", conn)
	off = publishAll(s, off, "api", disk[:10])
	publishAll(s, off, "db", disk[10:15])

	c := dial(t, u+"?patterns=1&top=5&service=api&backfill=0")
	m := c.nextPatterns(func(m patMsg) bool { return m.Total == 40 })
	if len(m.Patterns) == 0 || len(m.Patterns) > 5 {
		t.Fatalf("got %d patterns, want 1 to 5", len(m.Patterns))
	}
	top := m.Patterns[0]
	if top.Count != 30 || top.Service != "api" || !strings.Contains(top.Template, "<*>") || !strings.HasPrefix(top.Template, "Connection reset by peer") {
		t.Errorf("top pattern: got %+v, want the 30 connection resets of api with a <*> slot", top)
	}
	if top.Share != 0.75 {
		t.Errorf("top share: got %v, want 0.75", top.Share)
	}
	var spark int64
	for _, v := range top.Spark {
		spark += int64(v)
	}
	if len(top.Spark) != patBuckets || spark != top.Count {
		t.Errorf("sparkline: got %d buckets summing to %d, want %d summing to %d", len(top.Spark), spark, patBuckets, top.Count)
	}
	if top.Example != conn[0] {
		t.Errorf("example: got %q, want the first line %q", top.Example, conn[0])
	}
	if _, err := time.Parse(time.RFC3339Nano, top.FirstSeen); err != nil {
		t.Errorf("first_seen %q: %v", top.FirstSeen, err)
	}
	for _, p := range m.Patterns {
		if p.Service != "api" {
			t.Errorf("got a pattern of service %q, want api only (the client's service filter)", p.Service)
		}
	}

	// A message subscribes too, with its own top.
	d := dial(t, u)
	d.send(`{"type":"patterns","top":1}`)
	m = d.nextPatterns(func(m patMsg) bool { return m.Total == 45 })
	if len(m.Patterns) != 1 || m.Patterns[0].Count != 30 {
		t.Errorf("top 1 over every service: got %+v, want the 30 connection resets", m.Patterns)
	}
	d.send(`{"type":"patterns","top":500}`)
	if m := d.nextPat(); m.Type != "error" || !strings.Contains(m.Error, "top") {
		t.Errorf("top 500: got %+v, want an error about top", m)
	}
}

func TestPatternQueryErrors(t *testing.T) {
	for _, q := range []string{"patterns=yes", "patterns=1&top=0", "patterns=1&top=201", "patterns=1&top=x"} {
		v, _ := url.ParseQuery(q)
		if _, err := parseQuery(v); !errors.Is(err, ErrBadFilter) {
			t.Errorf("%s: got %v, want ErrBadFilter", q, err)
		}
	}
}

// TestPatternNew: nothing is new during the learning period; afterwards a
// pattern first seen within PatternNew is, in entries and in "patterns".
func TestPatternNew(t *testing.T) {
	const learn = time.Second
	s, u := testServer(t, Config{PatternNew: learn, PatternInterval: 50 * time.Millisecond})
	s.Begin(0, 0)
	c := dial(t, u+"?patterns=1")
	waitClients(t, s, 1)
	conn, disk := shapes(10)
	off := publishAll(s, 0, "api", conn[:5])
	for i, m := range c.patEntries(5) {
		if m.New {
			t.Fatalf("entry %d during the learning period: new, want not new", i)
		}
	}
	wait.For(t, 5*time.Second, "the learning period to end", func() bool { return time.Now().UnixNano()-s.hub.pats.start > int64(learn) })
	off = publishAll(s, off, "api", conn[5:6])
	publishAll(s, off, "api", disk[:1])
	got := c.patEntries(2)
	if got[0].New || !got[1].New {
		t.Errorf("after learning: got new=%v for a known pattern and new=%v for a novel one, want false and true", got[0].New, got[1].New)
	}
	m := c.nextPatterns(func(m patMsg) bool { return m.Total == 7 })
	if m.Learning {
		t.Errorf("patterns message: learning after the learning period")
	}
	for _, p := range m.Patterns {
		if want := strings.HasPrefix(p.Template, "disk"); p.New != want {
			t.Errorf("pattern %q: new=%v, want %v", p.Template, p.New, want)
		}
	}
	// Once PatternNew has passed since it was first seen, it is not new.
	first := time.Now()
	wait.For(t, 5*time.Second, "the pattern to age", func() bool { return time.Since(first) > learn+50*time.Millisecond })
	publishAll(s, off+1, "api", disk[1:2])
	if m := c.patEntries(1)[0]; m.New {
		t.Errorf("a pattern first seen more than PatternNew ago: new, want not new")
	}
}

// TestPatStatBuckets: counts land in their 10 s bucket, the sparkline is
// oldest first, and buckets older than the window are not counted.
func TestPatStatBuckets(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 6, 0, 0, 0, time.UTC).UnixNano()
	sec := int64(time.Second)
	tests := []struct {
		name      string
		at        []int64 // offsets from t0
		now       int64
		wantCount int64
		wantSpark map[int]uint32 // index: count; the rest 0
	}{
		{"one bucket", []int64{0, 1 * sec, 9 * sec}, 9 * sec, 3, map[int]uint32{89: 3}},
		{"two buckets", []int64{0, 10 * sec, 11 * sec}, 15 * sec, 3, map[int]uint32{88: 1, 89: 2}},
		{"older than the window", []int64{0, 900 * sec}, 900 * sec, 1, map[int]uint32{89: 1}},
		{"window edge", []int64{0, 890 * sec}, 890 * sec, 2, map[int]uint32{0: 1, 89: 1}},
		{"nothing recent", []int64{0}, 1000 * sec, 0, nil},
		{"a late line, in its own bucket", []int64{20 * sec, 5 * sec}, 20 * sec, 2, map[int]uint32{87: 1, 89: 1}},
		{"a line later than the window", []int64{1000 * sec, 0}, 1000 * sec, 1, map[int]uint32{89: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := newPatTable(100, time.Minute, time.Unix(0, t0))
			for _, at := range tt.at {
				tb.observe("svc", "Connection reset by peer 10.0.0.1", t0+at)
			}
			m := tb.top(nil, 10, t0+tt.now)
			if tt.wantCount == 0 {
				if len(m.Patterns) != 0 {
					t.Fatalf("got %d patterns, want none", len(m.Patterns))
				}
				return
			}
			if len(m.Patterns) != 1 {
				t.Fatalf("got %d patterns, want 1", len(m.Patterns))
			}
			p := m.Patterns[0]
			if p.Count != tt.wantCount || p.Total != int64(len(tt.at)) {
				t.Errorf("got count %d total %d, want %d and %d", p.Count, p.Total, tt.wantCount, len(tt.at))
			}
			for i, v := range p.Spark {
				if v != tt.wantSpark[i] {
					t.Errorf("spark[%d]: got %d, want %d", i, v, tt.wantSpark[i])
				}
			}
		})
	}
}

// TestPatternsMerge: handles whose templates generalised into the same id
// are one row, and evicted patterns are counted.
func TestPatternsMerge(t *testing.T) {
	now := time.Now()
	tb := newPatTable(5, time.Minute, now)
	ns := now.UnixNano()
	tb.observe("ssh", "session opened for user root", ns)
	rootID := tb.top(nil, 10, ns).Patterns[0].ID // reported: a client may filter on it
	for _, u := range []string{"admin", "test", "oracle", "guest"} {
		tb.observe("ssh", "session opened for user "+u, ns)
	}
	m := tb.top(nil, 10, ns)
	if len(m.Patterns) != 1 || m.Patterns[0].Count != 5 || m.Patterns[0].Template != "session opened for user <*>" {
		t.Fatalf("got %+v, want one pattern of 5 lines, \"session opened for user <*>\"", m.Patterns)
	}
	if rootID != patterns.ID("session opened for user root") || !slices.Contains(m.Patterns[0].Was, rootID) {
		t.Errorf("was: got %q, want it to hold the id reported before, %s", m.Patterns[0].Was, rootID)
	}
	for i := range 6 {
		tb.observe("ssh", "alpha"+strings.Repeat(" beta", i), ns)
	}
	if m := tb.top(nil, 10, ns); m.Evicted == 0 || len(m.Patterns) > 5 {
		t.Errorf("past the cap of 5: got %d patterns, %d evicted, want at most 2 and some evicted", len(m.Patterns), m.Evicted)
	}
}

// TestObserveAllocs: mining a line of a known pattern allocates nothing.
func TestObserveAllocs(t *testing.T) {
	tb := newPatTable(1000, time.Minute, time.Now())
	conn, _ := shapes(50)
	for _, l := range conn {
		tb.observe("api", l, time.Now().UnixNano())
	}
	i := 0
	allocs := testing.AllocsPerRun(5000, func() {
		tb.observe("api", conn[i%len(conn)], time.Now().UnixNano())
		i++
	})
	if allocs > 0.1 {
		t.Errorf("got %.2f allocations per line, want none", allocs)
	}
}

func TestExampleOf(t *testing.T) {
	long := strings.Repeat("é", 1000) // 2000 bytes
	tests := []struct {
		in      string
		wantLen int
	}{
		{"short", 5},
		{strings.Repeat("a", maxExample), maxExample},
		{long, maxExample + len("…")},
	}
	for _, tt := range tests {
		got := exampleOf(tt.in)
		if len(got) != tt.wantLen || !utf8.ValidString(got) {
			t.Errorf("exampleOf(%d bytes): got %d bytes (valid UTF-8 %v), want %d", len(tt.in), len(got), utf8.ValidString(got), tt.wantLen)
		}
	}
}

// TestPatternHistory: pattern= and not_pattern= filter a time-range query
// from Kafka too, and its entries carry the live miner's current ids.
func TestPatternHistory(t *testing.T) {
	p := startPipeline(t, 1, Config{HistoryQueries: 4, HistoryPerIP: 4})
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	conn, disk := shapes(30)
	var recs []rec
	for i := range conn {
		at := base.Add(time.Duration(2*i) * time.Second)
		recs = append(recs, rec{own: at, read: at, msg: conn[i]}, rec{own: at.Add(time.Second), read: at.Add(time.Second), msg: disk[i]})
	}
	p.produce(t, recs...)
	p.start(t, 1)
	p.published(t, 60)
	connID := p.s.hub.pats.lookup("api", conn[0])
	diskID := p.s.hub.pats.lookup("api", disk[0])
	if !hexID.MatchString(connID) || !hexID.MatchString(diskID) || connID == diskID {
		t.Fatalf("live ids: got %q and %q, want two different ids", connID, diskID)
	}
	from, to := rfc(base.Add(-time.Second)), rfc(base.Add(time.Minute+time.Second))
	tests := []struct {
		name   string
		query  []string
		want   []string
		wantID string
	}{
		{"pattern", []string{"from", from, "to", to, "pattern", connID}, conn, connID},
		{"not_pattern", []string{"from", from, "to", to, "not_pattern", connID}, disk, diskID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, p.rangeURL(tt.query...))
			var got []string
			for m := c.nextPat(); m.Type != "end"; m = c.nextPat() {
				if m.Type != "entry" {
					continue
				}
				got = append(got, m.Msg)
				if m.Pattern != tt.wantID {
					t.Errorf("entry %q: pattern %q, want %q", m.Msg, m.Pattern, tt.wantID)
				}
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %d entries %q, want %d", len(got), got, len(tt.want))
			}
		})
	}
}

// BenchmarkObserve is the mining Publish does per entry, on warm HDFS
// lines (run: go test -run X -bench Observe ./pusher/).
func BenchmarkObserve(b *testing.B) {
	ls, err := loghub.Structured("HDFS")
	if err != nil {
		b.Fatal(err)
	}
	tb := newPatTable(1000, time.Minute, time.Now())
	now := time.Now().UnixNano()
	for _, l := range ls {
		tb.observe("hdfs", l.Content, now)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tb.observe("hdfs", ls[i%len(ls)].Content, now)
	}
}
