package patterns

import (
	"slices"
	"strings"
)

// family is a set of patterns of one shape that differ in a few words: a
// word becomes a variable only once MinWords distinct words were seen in
// its place, so "client SPP" and "client WindowsUpdateAgent" stay two
// patterns while "user root", "user admin", "user test" ... become one.
type family struct{ members []*Pattern }

// maxFamily bounds a family's patterns: a full family folds whole, as
// Drain would have folded its lines at once.
const maxFamily = 64

// variant handles a line like p but for some words. Where each of those
// places has shown MinWords distinct words across p's family, the family's
// patterns that differ from the line only there fold into one pattern with
// variables in those places, and the line joins it. Otherwise the line
// starts a pattern of its own in the family.
func (m *Miner) variant(p *Pattern) *Pattern {
	t := &m.tok
	f := p.family
	if f == nil {
		f = &family{members: []*Pattern{p}}
		p.family = f
	}
	full := len(f.members) >= maxFamily
	if !full {
		for i, s := range t.toks {
			if wordsDiffer(p.tokens[i], t.buf[s.start:s.end]) && m.distinct(f, i) < m.cfg.MinWords {
				q := m.create() // may evict a member, which then leaves f
				q.family = f
				f.members = append(f.members, q)
				return q
			}
		}
	}
	// Decide for every member before changing f: foldable counts words
	// across all of them.
	root := p
	var kept, folded []*Pattern
	for _, q := range f.members {
		if q != p && !full && !m.foldable(f, q) {
			kept = append(kept, q)
			continue
		}
		folded = append(folded, q)
		if q.count > root.count {
			root = q
		}
	}
	for _, q := range folded {
		if q == root {
			continue
		}
		root.fold(q)
		root.count += q.count
		q.family = nil
		m.drop(q)
		q.parent = root
	}
	if full {
		root.family = nil
	} else {
		f.members = append(kept, root)
	}
	root.merge(t)
	root.count++
	m.touch(root)
	return root
}

// distinct counts the words in place i across family f and the line.
func (m *Miner) distinct(f *family, i int) int {
	t := &m.tok
	s := t.toks[i]
	m.seen = append(m.seen[:0], string(t.buf[s.start:s.end]))
	for _, q := range f.members {
		w := q.tokens[i]
		if w == wildcard || strings.Contains(w, wildcard) || slices.Contains(m.seen, w) {
			continue
		}
		m.seen = append(m.seen, w)
	}
	return len(m.seen)
}

// foldable reports whether q differs from the line only in places that
// have shown enough words to be variables.
func (m *Miner) foldable(f *family, q *Pattern) bool {
	t := &m.tok
	for i, s := range t.toks {
		if wordsDiffer(q.tokens[i], t.buf[s.start:s.end]) && m.distinct(f, i) < m.cfg.MinWords {
			return false
		}
	}
	return true
}
