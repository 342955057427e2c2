package patterns

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tailcast/tailcast/internal/loghub"
)

// TestMemoSameAsFullPath mines the loghub lines twice over, with the memo
// and the full way (tree and similarity for every line), and requires the
// same answer for every line: the same pattern (id and template, as it
// stands after the line, and the same handle in both miners' order), the
// same Match answers afterwards, the same stats and the same patterns
// held. Small miners (MaxPatterns 20) evict and fold all the time, which
// is when a stale memo entry would show.
func TestMemoSameAsFullPath(t *testing.T) {
	var all []string
	sets := map[string][]string{}
	for _, name := range loghub.Datasets {
		for _, l := range loghub.First(t, name, -1) {
			sets[name] = append(sets[name], message(l))
		}
		all = append(all, sets[name]...)
	}
	sets["all nine in one miner"] = all
	for name, msgs := range sets {
		for _, cfg := range []Config{{}, {MaxPatterns: 20}} {
			t.Run(fmt.Sprintf("%s/max=%d", name, cfg.MaxPatterns), func(t *testing.T) {
				memo, full := New(cfg), New(cfg)
				full.noMemo = true
				// Handles are compared by the order they were first
				// returned in, since the miners' pointers differ.
				seenM, seenF := map[*Pattern]int{}, map[*Pattern]int{}
				handle := func(seen map[*Pattern]int, p *Pattern) int {
					if _, ok := seen[p]; !ok {
						seen[p] = len(seen)
					}
					return seen[p]
				}
				for pass := range 2 {
					for i, msg := range msgs {
						pm, pf := memo.Add(msg), full.Add(msg)
						if hm, hf := handle(seenM, pm), handle(seenF, pf); hm != hf || pm.ID() != pf.ID() || pm.Template() != pf.Template() || pm.Count() != pf.Count() {
							t.Fatalf("pass %d line %d %q: got handle %d %s %q (count %d), want handle %d %s %q (count %d)",
								pass, i, msg, hm, pm.ID(), pm.Template(), pm.Count(), hf, pf.ID(), pf.Template(), pf.Count())
						}
					}
				}
				hits := 0
				for i, msg := range msgs {
					pm, pf := memo.Match(msg), full.Match(msg)
					if (pm == nil) != (pf == nil) || pm != nil && (handle(seenM, pm) != handle(seenF, pf) || pm.ID() != pf.ID()) {
						t.Fatalf("Match of line %d %q: got %v, want %v", i, msg, pm, pf)
					}
					if pm != nil {
						hits++
					}
				}
				if sm, sf := memo.Stats(), full.Stats(); sm != sf {
					t.Errorf("stats: got %+v, want %+v", sm, sf)
				}
				gm, gf := memo.Patterns(), full.Patterns()
				if len(gm) != len(gf) {
					t.Fatalf("got %d patterns, want %d", len(gm), len(gf))
				}
				for i := range gm {
					if gm[i].Template() != gf[i].Template() || gm[i].Count() != gf[i].Count() {
						t.Errorf("pattern %d: got %q ×%d, want %q ×%d", i, gm[i].Template(), gm[i].Count(), gf[i].Template(), gf[i].Count())
					}
				}
				if hits == 0 && cfg.MaxPatterns == 0 {
					t.Errorf("no line matched a pattern, want most to")
				}
			})
		}
	}
}

// TestMemoHits: once the miner is warm and stable, lines masked alike are
// answered by the memo (the point of it), and a line that changes a
// pattern invalidates what was recorded.
func TestMemoHits(t *testing.T) {
	m := New(Config{})
	lines := []string{
		"user 17 logged in from 10.0.0.1",
		"user 18 logged in from 10.0.0.2",
		"user 19 logged in from 10.0.0.3",
	}
	for _, l := range lines {
		m.Add(l)
	}
	m.Add(lines[0]) // joins unchanged: recorded
	gen := m.gen
	p := m.memo.get(&m.tok, gen)
	if p == nil {
		t.Fatalf("after a line that joined unchanged: got no memo entry, want its pattern")
	}
	if q := m.Add("user 20 logged in from 10.0.0.4"); q != p || m.gen != gen {
		t.Fatalf("a line masked alike: got pattern %p at gen %d, want %p at gen %d", q, m.gen, p, gen)
	}
	m.Add("user 21 logged out from 10.0.0.5") // changes the template
	if m.gen == gen {
		t.Fatalf("a line that changed a pattern left gen at %d, want it bumped", gen)
	}
	m.tok.split(lines[0], m.cfg.MaxTokens, m.cfg.MaxLineBytes)
	if q := m.memo.get(&m.tok, m.gen); q != nil {
		t.Errorf("after a change: got a memo hit %q, want none", q.Template())
	}
}

// TestMemoBounded: a masked line past maxMemoLine is not recorded, so that
// the memo's buffers stay small whatever the lines.
func TestMemoBounded(t *testing.T) {
	tests := []struct {
		name   string
		words  int
		stored bool
	}{
		{"short", 10, true},
		{"past the bound", maxMemoLine/4 + 10, false}, // 4 bytes a word masked
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New(Config{MaxTokens: 4096, MaxLineBytes: 1 << 16})
			line := strings.Repeat("word ", tt.words)
			m.Add(line)
			m.Add(line) // joins unchanged: recorded when short enough
			if got := m.memo.get(&m.tok, m.gen) != nil; got != tt.stored {
				t.Fatalf("masked line of %d bytes: recorded %v, want %v", len(m.tok.buf), got, tt.stored)
			}
			for i := range m.memo.slots {
				if c := cap(m.memo.slots[i].key); c > maxMemoLine {
					t.Errorf("slot %d holds a %d-byte buffer, want at most %d", i, c, maxMemoLine)
				}
			}
		})
	}
}
