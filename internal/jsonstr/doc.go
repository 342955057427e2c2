// Package jsonstr writes JSON strings without reflection or allocation:
// the pusher's NDJSON lines and the collector's positions file are built
// with it. Append is safe to call concurrently.
package jsonstr
