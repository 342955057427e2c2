// Package logpb holds the Go types generated from proto/tailcast/v1/entry.proto:
// the LogEntry the consumer decodes each Kafka record into (and that
// collectors before the line format wrote to Kafka), and, in headers.go, the
// names of the record headers the collector writes beside each line. Regenerate with
// `make proto`; do not edit entry.pb.go by hand. Messages are plain structs and
// are not safe for concurrent mutation.
package logpb
