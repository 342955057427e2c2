package consumer

import "errors"

// Errors returned by New, Start, Fetch and Close.
var (
	// ErrNoSink: Config.Sink is required.
	ErrNoSink = errors.New("consumer: no sink configured")
	// ErrUnreachable: no broker answered when Start connected.
	ErrUnreachable = errors.New("kafka unreachable")
	// ErrStarted: Start was called twice.
	ErrStarted = errors.New("consumer: already started")
	// ErrNotStarted: Fetch was called before Start.
	ErrNotStarted = errors.New("consumer: not started")
	// ErrClosed: the consumer was closed.
	ErrClosed = errors.New("consumer: closed")
)

// Errors Decode wraps; the entry it returns alongside is still usable.
var (
	// ErrEmptyRecord: the record has no value (for example a tombstone).
	ErrEmptyRecord = errors.New("empty record")
	// ErrBadProtobuf: the record claims to be protobuf but does not unmarshal
	// into a LogEntry.
	ErrBadProtobuf = errors.New("invalid protobuf")
	// ErrBinary: the value is not text (invalid UTF-8 or NUL bytes).
	ErrBinary = errors.New("binary value")
	// ErrTooLarge: the value is longer than MaxValueBytes and was cut.
	ErrTooLarge = errors.New("value too large")
)
