package patterns

import (
	"bytes"
	"strconv"
	"strings"
)

// Pattern is one template and the lines that matched it. Its template, and
// so its ID, generalise as lines that differ in a position join it. A
// Pattern belongs to its Miner: read it where the Miner may be used.
type Pattern struct {
	tokens []string // the template, wildcard in variable positions
	valued []bool   // tokens[i] holds a wildcard (is or contains a value)
	text   string
	id     string
	count  int64

	leaf       *node
	prev, next *Pattern // recency list, most recent first
	evicted    bool

	// parent is the pattern this one was folded into, which stands for
	// it from then on; nil while it stands for itself.
	parent *Pattern
	// family holds the patterns that differ from this one only in words,
	// until there are enough of them to make those words variables.
	family *family
}

// self returns the pattern that stands for p now.
func (p *Pattern) self() *Pattern {
	for p.parent != nil {
		p = p.parent
	}
	return p
}

func newPattern(toks []string) *Pattern {
	p := &Pattern{tokens: toks}
	p.render()
	return p
}

// render recomputes the template text and the id after a change.
func (p *Pattern) render() {
	if len(p.valued) != len(p.tokens) {
		p.valued = make([]bool, len(p.tokens))
	}
	for i, tok := range p.tokens {
		p.valued[i] = strings.Contains(tok, wildcard)
	}
	p.text = strings.Join(p.tokens, " ")
	p.id = ID(p.text)
}

// ID names a template: 16 hex digits of the 64-bit FNV-1a hash of its text,
// the same for the same template in any process at any time.
func ID(template string) string {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := 0; i < len(template); i++ {
		h ^= uint64(template[i])
		h *= prime
	}
	s := strconv.FormatUint(h, 16)
	if len(s) < 16 {
		s = strings.Repeat("0", 16-len(s)) + s
	}
	return s
}

// ID returns the id of the pattern's current template. A pattern folded
// into another (see family) answers for the one it joined, so lines mined
// early share the id of their final pattern.
func (p *Pattern) ID() string { return p.self().id }

// Template returns the template: the tokens of its lines separated by
// single spaces, each variable as <*>.
func (p *Pattern) Template() string { return p.self().text }

// Count returns the lines that joined the pattern.
func (p *Pattern) Count() int64 { return p.self().count }

// Evicted reports whether the miner dropped the pattern to make room; its
// template and id are then final.
func (p *Pattern) Evicted() bool { return p.self().evicted }

// similarity is Drain's share of positions where the template holds the
// line's token, except that positions where both hold the same value (a
// bare wildcard, or a masked token such as sshd[<*>]:) are left out: two
// values say nothing about whether two lines share a message, so a line is
// not penalised, nor helped, by how many values it carries. A
// template's wildcard facing a word still counts as a miss. wild counts the
// template's wildcards, the tie-break between equally similar patterns.
//
// It gives up, returning -1, once the line cannot reach min: sim is at most
// 1 - misses/len(tokens), since at most len(tokens) positions count.
func (p *Pattern) similarity(t *tokenizer, min float64) (sim float64, wild int) {
	same, n := 0, 0
	maxMiss := int((1-min)*float64(len(t.toks)) + 1e-9)
	for i, s := range t.toks {
		tok := t.buf[s.start:s.end]
		want := p.tokens[i]
		if p.valued[i] {
			if want == wildcard {
				wild++
			}
			if string(tok) == want {
				continue // the same value, or both wildcards: no evidence
			}
			if want != wildcard {
				n++ // another value or a word where a masked token was
				continue
			}
			n++ // a word or a masked token where the template has <*>
		} else {
			n++
			if string(tok) == want {
				same++
				continue
			}
		}
		if n-same > maxMiss {
			return -1, wild
		}
	}
	if n == 0 {
		return 1, wild
	}
	return float64(same) / float64(n), wild
}

// wordsDiffer reports whether the line holds, where the template holds a
// word, another word (values and wildcards aside).
func (p *Pattern) wordsDiffer(t *tokenizer) bool {
	for i, s := range t.toks {
		if wordsDiffer(p.tokens[i], t.buf[s.start:s.end]) {
			return true
		}
	}
	return false
}

// wordsDiffer reports whether a template's token and a line's are two
// different words, neither a value.
func wordsDiffer(want string, tok []byte) bool {
	return string(tok) != want && !strings.Contains(want, wildcard) && !bytes.Contains(tok, wildcardBytes)
}

var wildcardBytes = []byte(wildcard)

// fold generalises p over q, position by position.
func (p *Pattern) fold(q *Pattern) {
	for i, tok := range q.tokens {
		if p.tokens[i] != tok {
			p.tokens[i] = wildcard
		}
	}
	p.render()
}

// merge turns the positions where the line differs into wildcards and
// reports whether the template changed.
func (p *Pattern) merge(t *tokenizer) bool {
	changed := false
	for i, s := range t.toks {
		if p.tokens[i] != wildcard && string(t.buf[s.start:s.end]) != p.tokens[i] {
			p.tokens[i] = wildcard
			changed = true
		}
	}
	if changed {
		p.render()
	}
	return changed
}
