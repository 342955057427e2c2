package main

import (
	"sync"
	"sync/atomic"
	"time"
)

// conn is one client. Its socket is read only by its poller's thread (see
// poll.go); the counters are read by the main goroutine; hist is only
// touched under mu, and only on sampling clients.
type conn struct {
	id       int
	fd       int // a duplicate of the dialled socket, owned by wsload
	sampling bool
	ready    chan struct{} // closed when the server's first message arrived

	delivered atomic.Int64
	dropped   atomic.Int64
	bad       atomic.Int64 // mix: entries out of order, twice, or not matching the filter
	_         [32]byte     // keep hot counters of neighbours on separate cache lines
	lastSeq   int64        // mix: the last sequence number read (poller only)

	// Read state, touched only by the poller: buf[r:w] is unparsed input,
	// remain the payload bytes of the current data frame still to come.
	buf      []byte
	r, w     int
	remain   int64
	textMsg  bool
	isReady  bool
	dead     bool
	lastPing time.Time
	// lineStart: the next payload byte starts a line (centrifugo replies
	// are told apart by how their line starts).
	lineStart bool
	// err is why the poller gave up on the connection before it was
	// ready; ready is closed with it set.
	err error

	mu   sync.Mutex
	hist histogram
}
