package patterns

import (
	"hash/maphash"
	"sort"
	"strings"
)

// Miner groups lines into patterns online, one line at a time. It is not
// safe for concurrent use: give each service its own Miner, used by one
// goroutine or under one lock.
type Miner struct {
	cfg   Config
	tok   tokenizer
	seen  []string      // scratch of distinct
	root  map[int]*node // by token count
	n     int           // patterns held
	head  *Pattern      // most recently seen
	tail  *Pattern      // least recently seen
	stats Stats
	// gen changes whenever a pattern is created, changed, folded or
	// dropped, which invalidates memo's entries; noMemo (tests) mines
	// every line the full way.
	gen    uint64
	memo   *memo
	noMemo bool
}

// Stats counts what a Miner has done.
type Stats struct {
	Lines    int64 // lines added
	Patterns int   // patterns held now
	Created  int64 // patterns created
	Evicted  int64 // patterns dropped for MaxPatterns
}

// node is a node of the prefix tree below the length layer: a leaf holds
// the patterns whose first Depth tokens led to it.
type node struct {
	parent   *node
	key      string
	length   int // the length layer's key, on the first layer's nodes
	children map[string]*node
	patterns []*Pattern
}

// New returns a Miner with cfg's zero fields set to their defaults.
func New(cfg Config) *Miner {
	return &Miner{cfg: cfg.withDefaults(), root: map[int]*node{}, memo: &memo{seed: maphash.MakeSeed()}}
}

// Add mines one line (a log entry's message) and returns its pattern, the
// template as it stands after this line. A warm Miner allocates nothing
// when the line joins a pattern without changing its template.
func (m *Miner) Add(line string) *Pattern {
	m.stats.Lines++
	t := &m.tok
	t.split(line, m.cfg.MaxTokens, m.cfg.MaxLineBytes)
	if !m.noMemo {
		if p := m.memo.get(t, m.gen); p != nil {
			p.count++
			m.touch(p)
			return p
		}
	}
	if leaf := m.search(); leaf != nil {
		if p := m.best(leaf); p != nil {
			if m.cfg.MinWords > 1 && p.wordsDiffer(t) {
				m.gen++
				return m.variant(p)
			}
			if p.merge(t) {
				m.gen++
			} else if !m.noMemo {
				m.memo.put(t, p, m.gen)
			}
			p.count++
			m.touch(p)
			return p
		}
	}
	m.gen++
	return m.create()
}

// search walks the tree to the leaf for the current line without changing
// it: by length, then by each of the first Depth tokens, taking the
// wildcard child when the token has none.
func (m *Miner) search() *node {
	t := &m.tok
	cur := m.root[len(t.toks)]
	for i := 0; cur != nil && i < m.cfg.Depth && i < len(t.toks); i++ {
		s := t.toks[i]
		next := cur.children[string(t.buf[s.start:s.end])]
		if next == nil {
			next = cur.children[wildcard]
		}
		cur = next
	}
	return cur
}

// best returns the leaf's most similar pattern when it is similar enough.
func (m *Miner) best(leaf *node) *Pattern {
	var best *Pattern
	bestSim, bestWild := -1.0, -1
	for _, p := range leaf.patterns {
		sim, wild := p.similarity(&m.tok, m.cfg.Similarity)
		if sim > bestSim || sim == bestSim && wild > bestWild {
			best, bestSim, bestWild = p, sim, wild
		}
	}
	if bestSim < m.cfg.Similarity {
		return nil
	}
	return best
}

// create makes a pattern of the current line and files it in the tree,
// evicting the least recently seen pattern when the miner is full.
func (m *Miner) create() *Pattern {
	if m.n >= m.cfg.MaxPatterns {
		m.evict(m.tail)
	}
	t := &m.tok
	toks := make([]string, len(t.toks))
	for i, s := range t.toks {
		toks[i] = strings.Clone(string(t.buf[s.start:s.end]))
	}
	p := newPattern(toks)
	p.count = 1

	n := len(toks)
	cur := m.root[n]
	if cur == nil {
		cur = &node{length: n, children: map[string]*node{}}
		m.root[n] = cur
	}
	for i := 0; i < m.cfg.Depth && i < n; i++ {
		key := toks[i]
		next := cur.children[key]
		if next == nil {
			// A token new to a full node, or one after the node's
			// wildcard, shares the wildcard child: Drain's bound on the
			// tree's width.
			if len(cur.children) >= m.cfg.MaxChildren-1 {
				key = wildcard
			}
			next = cur.children[key]
			if next == nil {
				next = &node{parent: cur, key: key, children: map[string]*node{}}
				cur.children[key] = next
			}
		}
		cur = next
	}
	cur.patterns = append(cur.patterns, p)
	p.leaf = cur
	m.n++
	m.stats.Created++
	m.pushFront(p)
	return p
}

// evict drops the least recently seen pattern p to make room.
func (m *Miner) evict(p *Pattern) {
	if f := p.family; f != nil {
		for i, q := range f.members {
			if q == p {
				f.members = append(f.members[:i], f.members[i+1:]...)
				break
			}
		}
		p.family = nil
	}
	m.drop(p)
	p.evicted = true
	m.stats.Evicted++
}

// drop removes p from the tree and the recency list, and prunes the nodes
// it leaves empty so that the tree stays as small as the patterns it holds.
func (m *Miner) drop(p *Pattern) {
	m.unlink(p)
	leaf := p.leaf
	for i, q := range leaf.patterns {
		if q == p {
			last := len(leaf.patterns) - 1
			leaf.patterns[i] = leaf.patterns[last]
			leaf.patterns[last] = nil
			leaf.patterns = leaf.patterns[:last]
			break
		}
	}
	for n := leaf; n != nil && len(n.patterns) == 0 && len(n.children) == 0; n = n.parent {
		if n.parent == nil {
			delete(m.root, n.length)
			break
		}
		delete(n.parent.children, n.key)
	}
	p.leaf = nil
	m.n--
}

func (m *Miner) pushFront(p *Pattern) {
	p.prev, p.next = nil, m.head
	if m.head != nil {
		m.head.prev = p
	}
	m.head = p
	if m.tail == nil {
		m.tail = p
	}
}

func (m *Miner) unlink(p *Pattern) {
	if p.prev != nil {
		p.prev.next = p.next
	} else {
		m.head = p.next
	}
	if p.next != nil {
		p.next.prev = p.prev
	} else {
		m.tail = p.prev
	}
	p.prev, p.next = nil, nil
}

func (m *Miner) touch(p *Pattern) {
	if m.head == p {
		return
	}
	m.unlink(p)
	m.pushFront(p)
}

// Stats returns the miner's counters.
func (m *Miner) Stats() Stats {
	s := m.stats
	s.Patterns = m.n
	return s
}

// Patterns returns the patterns held, most frequent first (ties by
// template, so the order is deterministic).
func (m *Miner) Patterns() []*Pattern {
	out := make([]*Pattern, 0, m.n)
	for p := m.head; p != nil; p = p.next {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].count != out[j].count {
			return out[i].count > out[j].count
		}
		return out[i].text < out[j].text
	})
	return out
}
