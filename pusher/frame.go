package pusher

import (
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

var framePool = sync.Pool{New: func() any { return &frame{buf: make([]byte, 0, 4096)} }}

func getFrame() *frame {
	f := framePool.Get().(*frame)
	f.refs.Store(1)
	return f
}

func putFrame(f *frame) {
	if f.refs.Add(-1) != 0 {
		return
	}
	if cap(f.buf) > 4*maxFramePayload {
		f.buf = make([]byte, 0, 4096)
	}
	f.buf, f.start = f.buf[:0], 0
	framePool.Put(f)
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
