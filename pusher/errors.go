package pusher

import "errors"

// Sentinel errors.
var (
	// ErrBadCursor means a since= cursor could not be decoded.
	ErrBadCursor = errors.New("malformed cursor")
	// ErrBadFilter means a filter parameter or message was invalid.
	ErrBadFilter = errors.New("bad filter")
)

// errWrite marks a replay write failure, to stop a Fetch.
var errWrite = errors.New("replay write failed")

// errTooCostly ends a replay whose filter stayed over its budget.
var errTooCostly = errors.New("filter too costly")
