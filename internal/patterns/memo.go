package patterns

import (
	"bytes"
	"hash/maphash"
	"slices"
)

// memoSlots is the size of a Miner's memo: a service's lines come in a
// few dozen masked forms, which a direct-mapped table this size holds with
// few collisions.
const memoSlots = 128

// maxMemoLine bounds the masked lines the memo records, so that it holds
// at most memoSlots × (maxMemoLine + MaxTokens spans), about 200 KB,
// however long the lines; longer ones are rare and mined the full way.
const maxMemoLine = 1024

// memo remembers, for recently added masked lines, the pattern each
// joined, so that a line masked like one of them skips the prefix tree and
// the similarity scan. Which pattern a line joins is a function of its
// masked tokens and of the miner's patterns and tree alone; an entry is
// valid while the miner's generation (bumped by Add whenever a line
// creates, changes or folds a pattern, the only ways those change) is the
// one it was recorded at, so a hit returns exactly what the full path
// would. Only lines that joined a pattern without changing it are
// recorded: they leave the state as it was. A warm memo allocates nothing:
// each slot reuses its own buffers.
type memo struct {
	seed  maphash.Seed
	slots [memoSlots]memoSlot
}

type memoSlot struct {
	key   []byte // the masked line (tokenizer.buf)
	toks  []span
	p     *Pattern
	gen   uint64
	valid bool
}

// slot returns t's slot.
func (c *memo) slot(t *tokenizer) *memoSlot {
	return &c.slots[maphash.Bytes(c.seed, t.buf)%memoSlots]
}

// get returns the pattern t's masked line joined at generation gen, or nil.
func (c *memo) get(t *tokenizer, gen uint64) *Pattern {
	s := c.slot(t)
	if !s.valid || s.gen != gen || !bytes.Equal(s.key, t.buf) || !slices.Equal(s.toks, t.toks) {
		return nil
	}
	return s.p
}

// put records that t's masked line joined p, at generation gen.
func (c *memo) put(t *tokenizer, p *Pattern, gen uint64) {
	if len(t.buf) > maxMemoLine {
		return
	}
	s := c.slot(t)
	s.key = append(s.key[:0], t.buf...)
	s.toks = append(s.toks[:0], t.toks...)
	s.p, s.gen, s.valid = p, gen, true
}
