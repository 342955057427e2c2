package slab

// MaxBlock is the largest block a Slab allocates. A value over MaxBlock/8
// gets an allocation of its own: it would waste most of a block.
const MaxBlock = 64 << 10

// Slab hands out slices carved from its current block. The zero value is
// ready to use. Blocks start at the size of the first value and double up
// to MaxBlock, so a Slab that gets a value now and then pins little and makes
// little garbage, while a busy one soon carves from 64 KiB blocks.
type Slab struct {
	block []byte
}

// Alloc returns an empty slice with room for exactly n bytes.
func (s *Slab) Alloc(n int) []byte {
	if n > MaxBlock/8 {
		return make([]byte, 0, n)
	}
	if cap(s.block)-len(s.block) < n {
		s.block = make([]byte, 0, max(min(2*cap(s.block), MaxBlock), n))
	}
	l := len(s.block)
	s.block = s.block[:l+n]
	return s.block[l : l : l+n]
}

// Release lets the current block go once its values are unreferenced: the
// next Alloc starts small again. An owner calls it when it goes quiet.
func (s *Slab) Release() { s.block = nil }
