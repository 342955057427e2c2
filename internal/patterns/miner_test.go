package patterns

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tailcast/tailcast/internal/loghub"
	"github.com/tailcast/tailcast/internal/parse"
	"github.com/tailcast/tailcast/proto/logpb"
)

func message(line string) string {
	var e logpb.LogEntry
	parse.Into(&e, []byte(line))
	return e.Message
}

// TestMineRealLines mines each dataset whole and checks the final template
// of chosen real lines, and that lines loghub gives one EventId share it.
func TestMineRealLines(t *testing.T) {
	tests := []struct {
		dataset string
		line    int // 1-based, in the dataset
		want    string
	}{
		{"HDFS", 1, "<*> PacketResponder <*> for block blk_<*> terminating"},
		{"Apache", 2, "mod_jk child workerEnv in error state <*>"},
		{"OpenSSH", 1, "sshd[<*>]: reverse mapping checking getaddrinfo for <*> failed - POSSIBLE BREAK-IN ATTEMPT!"},
		{"Spark", 1, "<*> Registered signal handlers for [TERM, HUP, INT]"},
		{"Android", 69, "DisplayPowerController: HBM brightnessIn <*>"},
		{"BGL", 1, "instruction cache parity error corrected"},
		{"HPC", 2, "Component State Change: Component <*> is in the unavailable state (HWID=<*>)"},
		{"Proxifier", 1, "<*> open through proxy <*> HTTPS"},
		{"Windows", 1, "Loaded Servicing Stack <*> with Core: <*>"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s:%d", tt.dataset, tt.line), func(t *testing.T) {
			lines := loghub.First(t, tt.dataset, -1)
			labels, err := loghub.Structured(tt.dataset)
			if err != nil {
				t.Fatal(err)
			}
			m := New(Config{})
			got := make([]*Pattern, len(lines))
			for i, l := range lines {
				got[i] = m.Add(message(l))
			}
			p := got[tt.line-1]
			if tt.want != "" && p.Template() != tt.want {
				t.Errorf("template: got %q, want %q", p.Template(), tt.want)
			}
			// Every line of the line's EventId has its final pattern.
			ev := labels[tt.line-1].EventID
			for i := range lines {
				if labels[i].EventID == ev && got[i].ID() != p.ID() {
					t.Errorf("line %d (%s like line %d): got pattern %q, want %q", i+1, ev, tt.line, got[i].Template(), p.Template())
					break
				}
			}
		})
	}
}

// TestFamilies checks how a word becomes a variable: lines that differ in
// one word stay apart until MinWords (4) distinct words were seen in its
// place; then they fold into one pattern, and the ids of the lines mined
// before follow it.
func TestFamilies(t *testing.T) {
	m := New(Config{})
	var early []*Pattern
	for _, user := range []string{"alice", "bob", "carol"} {
		early = append(early, m.Add("Connection from "+user+" accepted on port ssh"))
	}
	idAlice := early[0].ID()
	if early[0] == early[1] || early[1] == early[2] || early[0].ID() == early[1].ID() {
		t.Fatalf("three users: got %q, %q, %q, want three patterns", early[0].Template(), early[1].Template(), early[2].Template())
	}
	p := m.Add("Connection from dave accepted on port ssh")
	if got, want := p.Template(), "Connection from <*> accepted on port ssh"; got != want {
		t.Errorf("fourth user: template %q, want %q", got, want)
	}
	for i, q := range early {
		if q.ID() != p.ID() {
			t.Errorf("line %d: id %s, want the folded pattern's %s", i+1, q.ID(), p.ID())
		}
	}
	if p.ID() == idAlice {
		t.Errorf("id: got %s unchanged after the template generalised, want a new one", idAlice)
	}
	if got, want := p.ID(), ID(p.Template()); got != want {
		t.Errorf("id: got %s, want ID(template) %s", got, want)
	}
	if got := p.Count(); got != 4 {
		t.Errorf("count: got %d, want 4", got)
	}
	if got := m.Stats().Patterns; got != 1 {
		t.Errorf("patterns held: got %d, want 1", got)
	}
	if q := m.Add("Connection from erin accepted on port ssh"); q != p || p.Count() != 5 {
		t.Errorf("fifth user: got %q (count %d), want to join %q with count 5", q.Template(), p.Count(), p.Template())
	}
	if c := m.Add("Disk full on sda"); c == p {
		t.Errorf("an unrelated line joined %q", p.Template())
	}

	// A fold takes only the patterns that differ in places with enough
	// words: "failed" is one word against "ok", so its line stays apart.
	m = New(Config{})
	var oks []*Pattern
	oks = append(oks, m.Add("Backup finished by alice with ok"))
	failed := m.Add("Backup finished by alice with failed")
	for _, user := range []string{"bob", "carol", "dave"} {
		oks = append(oks, m.Add("Backup finished by "+user+" with ok"))
	}
	if got, want := oks[0].Template(), "Backup finished by <*> with ok"; got != want {
		t.Errorf("after four users: template %q, want %q", got, want)
	}
	for i, q := range oks {
		if q.ID() != oks[0].ID() {
			t.Errorf("ok line %d: template %q, want %q", i+1, q.Template(), oks[0].Template())
		}
	}
	if got, want := failed.Template(), "Backup finished by alice with failed"; got != want {
		t.Errorf("failed line: template %q, want %q (not folded)", got, want)
	}

	// Two words in a place are two messages, however many lines each has.
	m = New(Config{})
	var a *Pattern
	for i := 0; i < 50; i++ {
		a = m.Add(fmt.Sprintf("Session: %d_%d initialized by client WindowsUpdateAgent.", i, i*7))
	}
	b := m.Add("Session: 12_34 initialized by client SPP.")
	if a.ID() == b.ID() {
		t.Errorf("clients WindowsUpdateAgent and SPP: one pattern %q, want two", a.Template())
	}
	if got, want := a.Template(), "Session: <*> initialized by client WindowsUpdateAgent."; got != want {
		t.Errorf("template: got %q, want %q", got, want)
	}
}

// TestIDStable checks that ids depend on templates alone: two miners fed
// the same lines in other orders give the same final ids.
func TestIDStable(t *testing.T) {
	lines := loghub.First(t, "Apache", -1)
	ids := func(order []int) map[string]string { // line -> id
		m := New(Config{})
		ps := make([]*Pattern, len(lines))
		for _, i := range order {
			ps[i] = m.Add(message(lines[i]))
		}
		out := map[string]string{}
		for i, p := range ps {
			out[lines[i]] = p.ID()
		}
		return out
	}
	fwd := make([]int, len(lines))
	rev := make([]int, len(lines))
	for i := range lines {
		fwd[i], rev[i] = i, len(lines)-1-i
	}
	a, b := ids(fwd), ids(rev)
	for l, id := range a {
		if b[l] != id {
			t.Fatalf("line %q: id %s forward, %s in reverse; want the same", l, id, b[l])
		}
	}
	if got := ID("a <*> b"); len(got) != 16 || strings.Trim(got, "0123456789abcdef") != "" {
		t.Errorf("ID: got %q, want 16 hex digits", got)
	}
}

// TestEviction checks the cap: the least recently seen pattern goes, is
// counted and marked, and the tree keeps no node for it.
func TestEviction(t *testing.T) {
	m := New(Config{MaxPatterns: 2})
	a := m.Add("alpha one")
	b := m.Add("beta two three")
	m.Add("alpha one") // a is now more recent than b
	c := m.Add("gamma four five six")
	if !b.Evicted() || a.Evicted() || c.Evicted() {
		t.Fatalf("evicted: a %v b %v c %v, want only b (least recently seen)", a.Evicted(), b.Evicted(), c.Evicted())
	}
	st := m.Stats()
	if st.Patterns != 2 || st.Evicted != 1 || st.Created != 3 || st.Lines != 4 {
		t.Errorf("stats: got %+v, want 2 patterns, 1 evicted, 3 created, 4 lines", st)
	}
	if _, ok := m.root[3]; ok {
		t.Errorf("tree: the evicted pattern's length node is still there")
	}
	if got := len(m.Patterns()); got != 2 {
		t.Errorf("Patterns: got %d, want 2", got)
	}
	if d := m.Add("beta two three"); d == b || d.Evicted() {
		t.Errorf("a line of an evicted pattern: got the evicted pattern back, want a new one")
	}
}

// TestHostile feeds lines built to cost: huge, thousands of tokens,
// unmatched quotes, invalid UTF-8. Templates stay bounded and valid UTF-8.
func TestHostile(t *testing.T) {
	cfg := Config{}.withDefaults()
	tests := []struct{ name, line string }{
		{"10 MB one token", strings.Repeat("x", 10<<20)},
		{"100k tokens", strings.Repeat("a ", 100000)},
		{"unmatched quotes", strings.Repeat(`"a `, 50000)},
		{"invalid utf-8", strings.Repeat("\xff\xc3 z", 10000)},
		{"cut in a rune", strings.Repeat("é", cfg.MaxLineBytes)},
		{"only delimiters", strings.Repeat("=[](),;", 10000)},
		{"one-digit values", strings.Repeat("a=1,", 5000)},
		{"empty", ""},
	}
	m := New(Config{})
	for _, tt := range tests {
		p := m.Add(tt.line)
		tmpl := p.Template()
		if n := len(strings.Fields(tmpl)); n > cfg.MaxTokens {
			t.Errorf("%s: template of %d tokens, want at most %d", tt.name, n, cfg.MaxTokens)
		}
		if len(tmpl) > 3*cfg.MaxLineBytes+cfg.MaxTokens {
			t.Errorf("%s: template of %d bytes, want at most %d", tt.name, len(tmpl), 3*cfg.MaxLineBytes+cfg.MaxTokens)
		}
		if !utf8.ValidString(tmpl) {
			t.Errorf("%s: template %q is not valid UTF-8", tt.name, tmpl[:min(len(tmpl), 40)])
		}
		if again := m.Add(tt.line); again != p {
			t.Errorf("%s: the same line again got another pattern", tt.name)
		}
	}
}

// TestWarmAllocs checks the allocation budget: a warm miner mining
// lines of known patterns allocates nothing.
func TestWarmAllocs(t *testing.T) {
	lines := loghub.First(t, "OpenSSH", 500)
	msgs := make([]string, len(lines))
	for i, l := range lines {
		msgs[i] = message(l)
	}
	m := New(Config{})
	for _, msg := range msgs {
		m.Add(msg)
	}
	i := 0
	allocs := testing.AllocsPerRun(len(msgs), func() {
		m.Add(msgs[i%len(msgs)])
		i++
	})
	if allocs > 1 {
		t.Errorf("allocations per warm line: got %v, want at most 1", allocs)
	}
}

// TestBoundedUnderChurn feeds lines of ever new shapes and words, the worst
// case for memory: patterns, families and tree nodes stay within the cap.
func TestBoundedUnderChurn(t *testing.T) {
	const max = 50
	m := New(Config{MaxPatterns: max})
	words := []string{"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"}
	for i := 0; i < 20000; i++ {
		n := 1 + i%9
		var b strings.Builder
		for j := 0; j < n; j++ {
			fmt.Fprintf(&b, "%s%c ", words[(i*7+j*3)%len(words)], 'a'+rune((i/9+j)%26))
		}
		m.Add(b.String())
	}
	st := m.Stats()
	if st.Patterns > max {
		t.Fatalf("patterns held: got %d, want at most %d", st.Patterns, max)
	}
	if st.Evicted == 0 {
		t.Fatalf("stats %+v: no eviction, the test does not churn", st)
	}
	if st.Created-st.Evicted < int64(st.Patterns) {
		t.Errorf("created %d - evicted %d < held %d: patterns lost without being counted", st.Created, st.Evicted, st.Patterns)
	}
	nodes := 0
	var walk func(n *node)
	walk = func(n *node) {
		nodes++
		for _, c := range n.children {
			walk(c)
		}
	}
	for _, n := range m.root {
		walk(n)
	}
	if limit := st.Patterns * (Config{}.withDefaults().Depth + 1); nodes > limit {
		t.Errorf("tree nodes: got %d, want at most %d for %d patterns", nodes, limit, st.Patterns)
	}
	held := 0
	for p := m.head; p != nil; p = p.next {
		held++
		if p.family != nil && len(p.family.members) > maxFamily {
			t.Errorf("family of %d patterns, want at most %d", len(p.family.members), maxFamily)
		}
		if p.family != nil {
			for _, q := range p.family.members {
				if q.evicted || q.parent != nil || q.leaf == nil {
					t.Errorf("family member %q: evicted %v, folded %v: want only live patterns in families", q.text, q.evicted, q.parent != nil)
				}
			}
		}
	}
	if held != st.Patterns {
		t.Errorf("recency list: %d patterns, want %d", held, st.Patterns)
	}
}
