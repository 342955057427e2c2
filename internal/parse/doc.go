// Package parse reads what a log line says about itself: event time, level,
// message and structured fields. It understands JSON and logfmt lines and the
// common plain formats, and passes anything else through as the message with
// level unknown. Functions are pure and safe to call concurrently.
package parse
