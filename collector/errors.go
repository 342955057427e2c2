package collector

import "errors"

var (
	// ErrNoInputs is returned by New when Config.Inputs is empty.
	ErrNoInputs = errors.New("collector: no inputs configured")
	// ErrStarted is returned by Start when called twice.
	ErrStarted = errors.New("collector: already started")
	// ErrClosed is returned by Start after Close.
	ErrClosed = errors.New("collector: closed")
	// ErrNULByte is returned by New for a host, service or label holding a
	// NUL byte: it separates the fields of a record's meta header.
	ErrNULByte = errors.New("NUL byte not allowed")
)
