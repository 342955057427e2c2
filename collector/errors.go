package collector

import "errors"

var (
	// ErrNoInputs is returned by New when Config.Inputs is empty.
	ErrNoInputs = errors.New("collector: no inputs configured")
	// ErrStarted is returned by Start when called twice.
	ErrStarted = errors.New("collector: already started")
	// ErrClosed is returned by Start after Close.
	ErrClosed = errors.New("collector: closed")
)
