// Package logpb holds the Go types generated from proto/tailcast/v1/entry.proto:
// the LogEntry that tailcast's collector writes to Kafka. Regenerate with
// `make proto`; do not edit entry.pb.go by hand. Messages are plain structs and
// are not safe for concurrent mutation.
package logpb
