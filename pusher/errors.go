package pusher

import "errors"

// Sentinel errors.
var (
	// ErrBadCursor means a since= cursor could not be decoded.
	ErrBadCursor = errors.New("malformed cursor")
	// ErrBadFilter means a filter parameter or message was invalid.
	ErrBadFilter = errors.New("bad filter")
)
