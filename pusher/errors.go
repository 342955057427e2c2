package pusher

import "errors"

// Sentinel errors.
var (
	// ErrClosed is returned for work attempted after Close.
	ErrClosed = errors.New("pusher: server closed")
	// ErrBadCursor means a since= cursor could not be decoded.
	ErrBadCursor = errors.New("malformed cursor")
	// ErrBadFilter means a filter parameter or message was invalid.
	ErrBadFilter = errors.New("bad filter")
)
