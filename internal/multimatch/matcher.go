package multimatch

import (
	"cmp"
	"slices"
	"strings"
)

// MaxDepth is the most bytes of a word the automaton holds: a longer
// word's prefix selects about as well, and the table stays small.
const MaxDepth = 32

// MaxCells bounds the transition table (states times byte classes, four
// bytes each: 1 MiB), and so the cost of New: the words that would take it
// past are searched for one by one instead. A thousand words of ten
// letters take about 10,000 states of 40 classes.
const MaxCells = 1 << 18

// Matcher is the automaton of a set of words.
type Matcher struct {
	words  []string
	class  [256]uint8 // byte -> class; 0: a byte of no word
	stride int32      // classes
	// next[s+class] is the state after state s (premultiplied by stride:
	// state i is i*stride) reads a byte of that class.
	next []int32
	// States from firstOut on (premultiplied) end a word, themselves or
	// through a suffix: those past the last non-output state.
	firstOut int32
	own      [][]int32 // per state index, the words that end there exactly
	link     []int32   // per state index, the nearest suffix state with own words, -1: none
	empty    []int32   // the empty words, in every text
	rest     []int32   // the words left out of the table
}

// New builds the matcher of words; a word's id is its index in words.
func New(words []string) *Matcher {
	m := &Matcher{words: slices.Clone(words)}
	// Shortest first: when the table's bound leaves words out, it leaves
	// out the fewest.
	order := make([]int32, 0, len(words))
	for i, w := range words {
		if w == "" {
			m.empty = append(m.empty, int32(i))
			continue
		}
		order = append(order, int32(i))
	}
	slices.SortStableFunc(order, func(a, b int32) int { return cmp.Compare(len(words[a]), len(words[b])) })
	var used [256]bool
	classes, nodes := 1, 1 // an upper bound of the trie's nodes: no prefix shared
	var in []int32
	var added []byte
	for _, id := range order {
		w := words[id][:min(len(words[id]), MaxDepth)]
		added = added[:0]
		for i := 0; i < len(w); i++ {
			if !used[w[i]] {
				used[w[i]] = true
				added = append(added, w[i])
			}
		}
		c := classes + len(added)
		if (nodes+len(w))*c > MaxCells {
			for _, b := range added {
				used[b] = false
			}
			m.rest = append(m.rest, id)
			continue
		}
		classes, nodes = c, nodes+len(w)
		in = append(in, id)
	}
	n := 1
	for b := range 256 {
		if used[b] {
			m.class[b] = uint8(n)
			n++
		}
	}
	m.stride = int32(n)
	m.build(in, nodes)
	return m
}

// build makes the automaton of the words in, of at most nodes states.
func (m *Matcher) build(in []int32, nodes int) {
	stride := int(m.stride)
	// The trie: goto_[s*stride+c] is the child of s on class c, -1: none.
	goto_ := make([]int32, stride, nodes*stride)
	for i := range goto_ {
		goto_[i] = -1
	}
	own := make([][]int32, 1, nodes)
	for _, id := range in {
		w := m.words[id][:min(len(m.words[id]), MaxDepth)]
		s := 0
		for i := 0; i < len(w); i++ {
			c := int(m.class[w[i]])
			t := goto_[s*stride+c]
			if t < 0 {
				t = int32(len(own))
				goto_[s*stride+c] = t
				own = append(own, nil)
				for range stride {
					goto_ = append(goto_, -1)
				}
			}
			s = int(t)
		}
		own[s] = append(own[s], id)
	}
	states := len(own)
	fail := make([]int32, states)
	link := make([]int32, states)
	link[0] = -1
	// Breadth first, so that a state's failure is done before it: goto_
	// becomes the full transition function.
	queue := make([]int32, 0, states)
	for c := range stride {
		t := goto_[c]
		if t < 0 {
			goto_[c] = 0
			continue
		}
		fail[t], link[t] = 0, -1
		queue = append(queue, t)
	}
	for len(queue) > 0 {
		s := int(queue[0])
		queue = queue[1:]
		for c := range stride {
			t := goto_[s*stride+c]
			f := goto_[int(fail[s])*stride+c]
			if t < 0 {
				goto_[s*stride+c] = f
				continue
			}
			fail[t] = f
			if len(own[f]) > 0 {
				link[t] = f
			} else {
				link[t] = link[f]
			}
			queue = append(queue, t)
		}
	}
	// Renumber: the states that end a word last, so that the search
	// tests one comparison per byte. The root ends none (no empty word
	// is in the trie) and stays 0.
	ends := func(s int) bool { return len(own[s]) > 0 || link[s] >= 0 }
	perm := make([]int32, states) // old -> new
	k := int32(0)
	for s := range states {
		if !ends(s) {
			perm[s] = k
			k++
		}
	}
	m.firstOut = k * m.stride
	for s := range states {
		if ends(s) {
			perm[s] = k
			k++
		}
	}
	m.next = make([]int32, states*stride)
	m.own = make([][]int32, states)
	m.link = make([]int32, states)
	for s := range states {
		p := int(perm[s])
		for c := range stride {
			m.next[p*stride+c] = perm[goto_[s*stride+c]] * m.stride
		}
		m.own[p] = own[s]
		m.link[p] = -1
		if link[s] >= 0 {
			m.link[p] = perm[link[s]]
		}
	}
}

// Found is the words a search found. Its zero value is ready to use;
// reusing one spares allocations.
type Found struct {
	ids    []int32
	seen   []uint64 // bit per word id: reported or rejected this search
	marked []int32  // the ids whose seen bit is set
}

// IDs returns the ids of the words found, each once, in no particular
// order. The slice is reused by the next search.
func (f *Found) IDs() []int32 { return f.ids }

// mark sets id's seen bit; it reports false when it was set already.
func (f *Found) mark(id int32) bool {
	w, b := id>>6, uint64(1)<<(id&63)
	if f.seen[w]&b != 0 {
		return false
	}
	f.seen[w] |= b
	f.marked = append(f.marked, id)
	return true
}

// Find sets found to the words that occur in text.
func (m *Matcher) Find(text string, found *Found) {
	for _, id := range found.marked {
		if int(id>>6) < len(found.seen) {
			found.seen[id>>6] = 0
		}
	}
	found.ids, found.marked = found.ids[:0], found.marked[:0]
	if n := (len(m.words) + 63) / 64; len(found.seen) < n {
		found.seen = make([]uint64, n)
	}
	found.ids = append(found.ids, m.empty...)
	if len(m.next) > 0 {
		next, class, firstOut := m.next, &m.class, m.firstOut
		s := int32(0)
		for i := 0; i < len(text); i++ {
			s = next[s+int32(class[text[i]])]
			if s >= firstOut {
				m.ends(s/m.stride, text, found)
			}
		}
	}
	for _, id := range m.rest {
		if strings.Contains(text, m.words[id]) {
			found.ids = append(found.ids, id)
		}
	}
}

// ends reports the words that end at state s (an index), themselves or
// through a suffix, that text holds.
func (m *Matcher) ends(s int32, text string, found *Found) {
	if len(m.own[s]) == 0 {
		s = m.link[s]
	}
	for ; s >= 0; s = m.link[s] {
		for _, id := range m.own[s] {
			if !found.mark(id) {
				continue
			}
			if w := m.words[id]; len(w) <= MaxDepth || strings.Contains(text, w) {
				found.ids = append(found.ids, id)
			}
		}
	}
}

// Words is how many words m was built with.
func (m *Matcher) Words() int { return len(m.words) }
