// Package consumer reads log records from Kafka with a sarama consumer group
// and hands each one, decoded into a logpb.LogEntry, to a Sink.
//
// Every record's value is a log line, whether the collector or another
// service produced it, and Decode parses every one the same way
// (internal/parse): time, level, message, fields; the collector's record
// headers add service, host, path, labels and the cut mark. Records of the
// earlier protobuf format (header content-type: application/x-protobuf) are
// unmarshalled. Records that cannot be decoded are counted and delivered as
// raw text: a poison record never stops consumption.
//
// Every replica uses its own group by default, so each one consumes every
// partition. A group with no committed offset starts Warmup records before the
// newest per partition; afterwards offsets are committed automatically and on
// Close, and a restart resumes after the last committed offset. Within one
// process, a rebalance or an outage resumes each partition after the last
// record the Sink got, even when that record was not committed yet, so the
// Sink never sees a record twice. Sink.Begin is called from the partition's
// goroutine when its claim starts, before that claim's first Publish.
//
// The consumer asks the brokers every TopicCheck whether the topic still
// exists: a deleted topic makes it not ready, with Readiness naming the
// topic, and it comes back by itself when the topic is created again.
//
// Fetch and Scan read past records of a partition by offset, outside the
// group, with plain fetch requests on connections of their own, so that
// history reads never delay live consumption on a shared connection. A
// Scan's caller may pace it between requests (ScanOptions.Pace).
//
// A Consumer's methods are safe to call concurrently. Sink methods are called
// from one goroutine per partition, in offset order. Decode is a pure
// function, safe for concurrent use.
package consumer
