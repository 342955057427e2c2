package pusher

import (
	"math/bits"
	"sync"
	"sync/atomic"

	"github.com/gobwas/ws"
)

// frame is a ready-to-write byte run: control frames and/or one text frame
// of NDJSON lines. Shared frames are written to many clients; refs counts
// the writers still using it.
type frame struct {
	buf   []byte
	start int
	refs  atomic.Int32
}

// Frames are pooled by the capacity of their buffer, in size classes from
// minFrameCap up to maxFrameCap, four per power of two (4, 5, 6, 7 KiB,
// 8, 10, 12, 14 KiB, ...), so that a class's buffers waste at most a
// quarter of their size: a pass whose payload needs a larger buffer than
// the frame it got swaps buffers with a frame of the right class
// (startFrame) instead of making a new one, so that a steady stream of
// large passes makes little garbage (only what GC takes from the pools).
// Buffers past maxFrameCap (a burst) are dropped.
const (
	minFrameShift = 12 // 4 KiB
	minFrameCap   = 1 << minFrameShift
	maxFrameCap   = 4 * maxFramePayload
	frameClasses  = 4*(22-minFrameShift) + 1 // up to 1<<22 = maxFrameCap
)

var framePools [frameClasses]sync.Pool

// classSize is the least capacity of class k's buffers.
func classSize(k int) int {
	e := minFrameShift + k/4
	return 1<<e + k%4<<(e-2)
}

// frameClass is the class of a buffer of capacity c: the largest class
// whose size c holds (-1 below minFrameCap), so that a frame taken from
// class k has room for at least classSize(k) bytes.
func frameClass(c int) int {
	if c < minFrameCap {
		return -1
	}
	e := bits.Len(uint(c)) - 1
	return min(4*(e-minFrameShift)+(c>>(e-2))&3, frameClasses-1)
}

// needClass is the smallest class whose frames hold n bytes (-1: none,
// n is past maxFrameCap).
func needClass(n int) int {
	if n <= minFrameCap {
		return 0
	}
	if n > maxFrameCap {
		return -1
	}
	k := frameClass(n)
	if classSize(k) < n {
		k++
	}
	return k
}

// getFrame returns a frame of the smallest class, with one reference.
func getFrame() *frame {
	f := takeFrame(0)
	f.refs.Store(1)
	return f
}

// frameSpill is how many classes above the one needed takeFrame looks in
// before making a buffer: up to twice the size, so that a class drained by
// a burst of passes borrows from its neighbours rather than allocating.
const frameSpill = 4

// takeFrame returns a pooled frame of class k or, failing that, of one of
// the frameSpill classes above it, else a new one of class k.
func takeFrame(k int) *frame {
	for j := k; j <= min(k+frameSpill, frameClasses-1); j++ {
		if f, ok := framePools[j].Get().(*frame); ok {
			return f
		}
	}
	return &frame{buf: make([]byte, 0, classSize(k))}
}

func putFrame(f *frame) {
	if f.refs.Add(-1) != 0 {
		return
	}
	poolFrame(f)
}

// poolFrame files f, which nobody uses any more, by its buffer's class.
func poolFrame(f *frame) { framePools[resetFrame(f)].Put(f) }

// resetFrame empties f for reuse and returns its class. A buffer outside
// the classes is replaced by one of the smallest.
func resetFrame(f *frame) int {
	k := frameClass(cap(f.buf))
	if k < 0 || cap(f.buf) > maxFrameCap {
		f.buf, k = make([]byte, 0, minFrameCap), 0
	}
	f.buf, f.start = f.buf[:0], 0
	return k
}

// growFrame gives f an empty buffer of at least n bytes: the buffer of a
// pooled frame of n's class (or of up to frameSpill classes above), f's
// own going back to the pool with that frame. Past maxFrameCap it is a new
// buffer of exactly n.
func growFrame(f *frame, n int) {
	k := needClass(n)
	if k < 0 {
		f.buf = make([]byte, 0, n)
		return
	}
	g := takeFrame(k)
	f.buf, g.buf = g.buf[:0], f.buf
	poolFrame(g)
}

// writeChunk is the most written under one write deadline.
const writeChunk = 64 << 10

// headerRoom is reserved in front of a payload for the largest header.
const headerRoom = ws.MaxHeaderSize

// pingFrame is an empty server ping.
var pingFrame = []byte{0x80 | byte(ws.OpPing), 0}

// appendFrameHeader appends an unmasked, final frame header.
func appendFrameHeader(b []byte, op ws.OpCode, n int) []byte {
	b = append(b, 0x80|byte(op))
	switch {
	case n < 126:
		return append(b, byte(n))
	case n <= 0xffff:
		return append(b, 126, byte(n>>8), byte(n))
	default:
		return append(b, 127, byte(n>>56), byte(n>>48), byte(n>>40), byte(n>>32), byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}
