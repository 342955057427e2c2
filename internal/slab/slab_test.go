package slab

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestAlloc: slices carved from a Slab have exactly the room asked for and
// never overlap, whatever the sizes and releases.
func TestAlloc(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var s Slab
	var got [][]byte
	for i := range 5000 {
		n := r.IntN(MaxBlock/8 + 2000) // some above the block threshold
		if i%500 == 0 {
			s.Release()
		}
		b := s.Alloc(n)
		if len(b) != 0 || cap(b) != n {
			t.Fatalf("Alloc(%d): got len %d cap %d, want 0 and %d", n, len(b), cap(b), n)
		}
		b = b[:n]
		for j := range b {
			b[j] = byte(i)
		}
		got = append(got, b)
	}
	for i, b := range got {
		for _, c := range b {
			if c != byte(i) {
				t.Fatalf("value %d was overwritten by a later one", i)
			}
		}
	}
}

// TestBlockGrowth: after a release the first block fits the first value,
// and blocks then double up to MaxBlock.
func TestBlockGrowth(t *testing.T) {
	var s Slab
	s.Release()
	s.Alloc(300)
	caps := []int{cap(s.block)}
	for range 2000 {
		s.Alloc(100)
		if c := cap(s.block); len(s.block) == 100 { // a new block
			caps = append(caps, c)
		}
	}
	want := []int{300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 65536, 65536}
	if !slices.Equal(caps[:min(len(caps), len(want))], want) {
		t.Fatalf("got blocks of %v bytes, want %v", caps, want)
	}
}
