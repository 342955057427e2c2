package collector

import (
	"context"
	"sync/atomic"
)

const (
	readChunk = 128 << 10
	// maxChunks bounds the read buffers, and so the memory of reading, no
	// matter how many files are tailed: a reader holds one only while it
	// reads a chunk.
	maxChunks = 8
)

// chunks is a bounded pool of read buffers, shared by every tailer.
type chunks struct {
	free chan []byte
	made atomic.Int32
}

func newChunks() *chunks { return &chunks{free: make(chan []byte, maxChunks)} }

func (p *chunks) get(ctx context.Context) ([]byte, bool) {
	select {
	case b := <-p.free:
		return b, true
	default:
	}
	if p.made.Add(1) <= maxChunks {
		return make([]byte, readChunk), true
	}
	p.made.Add(-1)
	select {
	case b := <-p.free:
		return b, true
	case <-ctx.Done():
		return nil, false
	}
}

func (p *chunks) put(b []byte) { p.free <- b } // never blocks: at most maxChunks exist
