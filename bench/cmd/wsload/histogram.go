package main

import (
	"math"
	"math/bits"
)

// histogram is log-linear over nanoseconds: 16 buckets per power of two
// (about 6% resolution), no allocation, mergeable.
type histogram struct {
	b   [64 * 16]uint32
	n   int64
	max int64
}

func bucket(v int64) int {
	if v < 16 {
		return int(max(v, 0))
	}
	e := bits.Len64(uint64(v)) - 5 // v>>e is in [16, 32)
	return (e+1)*16 + int(v>>e) - 16
}

// lower is the smallest value of bucket i.
func lower(i int) int64 {
	if i < 16 {
		return int64(i)
	}
	e := i/16 - 1
	return int64(16+i%16) << e
}

func (h *histogram) record(v int64) {
	v = max(v, 0)
	h.b[bucket(v)]++
	h.n++
	h.max = max(h.max, v)
}

func (h *histogram) merge(o *histogram) {
	for i := range h.b {
		h.b[i] += o.b[i]
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile is the midpoint of the bucket holding quantile q, or -1 without
// samples.
func (h *histogram) quantile(q float64) int64 {
	if h.n == 0 {
		return -1
	}
	rank := int64(math.Ceil(q * float64(h.n)))
	var seen int64
	for i, c := range h.b {
		seen += int64(c)
		if seen >= rank {
			lo, hi := lower(i), lower(i+1)
			return min((lo+hi)/2, h.max)
		}
	}
	return h.max
}
