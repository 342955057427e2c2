// Package collector tails log files and ships every line to Kafka.
//
// A Collector discovers files from paths and globs (`**` included), rescans
// them on an interval, reads each file from a position, joins multiline
// entries, parses them into logpb.LogEntry and produces them with an
// idempotent sarama AsyncProducer (acks=all), keyed host + ":" + path so one
// file's entries stay in order within one partition.
//
// Delivery is at least once. A file is identified by device, inode and a
// checksum of its first bytes; the positions file records, per identity, the
// End offset of the highest contiguous entry Kafka acknowledged, so after a
// restart (kill -9 included) at most the unacknowledged entries are read and
// sent again. Un-acknowledged bytes are bounded: when the bound is reached the
// readers block until acknowledgements return; nothing is dropped.
//
// Files are read by the package's own reader rather than nxadm/tail: see
// tailer.go for why.
//
// New, Start, Close and Stats are safe to call concurrently; Close is
// idempotent.
package collector
