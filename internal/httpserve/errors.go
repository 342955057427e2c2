package httpserve

import "errors"

var (
	// ErrNoHandler: Config.Handler is required.
	ErrNoHandler = errors.New("httpserve: no handler configured")
	// ErrTLSPair: a certificate needs its key and the other way round.
	ErrTLSPair = errors.New("tls certificate and key must be given together")
	// ErrNoFDs: the file descriptor limit leaves no room for connections
	// once the reserve is kept.
	ErrNoFDs = errors.New("file descriptor limit too low for the reserve")
)
