// Package collector tails log files and ships every line to Kafka.
//
// A Collector discovers files from paths and globs (`**` included), rescans
// them every RescanInterval, reads each file from a position, joins
// multiline entries (internal/multiline), cuts over-long ones, and produces
// each entry's text, byte for byte without its line terminator, as a
// record's value with an idempotent sarama AsyncProducer (acks=all),
// without a key: filePartitioner keeps one file's entries in order within
// one partition (the one the key host + ":" + path picked before). It does
// not parse: the consumer does. The service, host, path and labels travel
// in one NUL-separated header, the cut mark in a second, both built once
// per file (headers.go, proto/logpb/headers.go); the read time is the
// record's timestamp.
//
// Delivery is at least once. A file is identified by device and inode plus a
// checksum of its first 1 KiB (of what it has, for a shorter file: the
// length is kept with the checksum, so a growing small file keeps its
// identity). The positions file records, per identity, the End offset of the
// highest contiguous entry Kafka acknowledged; after a restart (kill -9
// included) at most the unacknowledged entries are read and sent again.
// Un-acknowledged bytes are bounded by MaxBufferedBytes: when reached, the
// readers block until acknowledgements return; nothing is dropped. A reader
// takes the budget of a batch of records (up to 128 records or 256 KiB, an
// eighth of the bound under a small one) as it hands the batch over, and
// the success loop applies the acknowledgements ready at once, so locks and
// atomics are paid per batch, not per record.
//
// Rotation: a file renamed away keeps being read through its open
// descriptor until it has been quiet at its end, while the new file at the
// path is read from its start. Truncation is noticed by size and, when the
// file was rewritten past the read offset, by its first bytes, and reading
// restarts at 0. With copytruncate, the lines not yet read when the original
// is truncated survive only in the copy: when the copy matches a pattern
// (app.log*), it is recognised by its first bytes and read from where the
// original was left, otherwise they are lost, as logrotate documents.
//
// Multiline: an entry is held until the line that starts the next one, or,
// when the file ends on a newline, for MultilineWait (5ms) in case the
// writer is between two writes of one stack trace. An unterminated last line
// (and the entry it may continue) waits for FlushTimeout.
//
// Record size: batches are capped at the topic's max.message.bytes (read at
// Start; Kafka's default 1048588 when it cannot be read), so an
// uncompressed batch is never refused whole. With the default limit a line
// of up to about 1 MiB travels whole; beyond that it is cut to fit (not
// inside a UTF-8 sequence) and marked with the cut header. Raise the
// topic's max.message.bytes to carry longer MaxLineBytes lines.
//
// Outages: sarama retries about 7s itself; a record it then gives up on is
// re-sent by the collector, never dropped, and the file's newer records wait
// until it is back in the producer, so they do not overtake it. Records the
// producer already held behind it can still land first if Kafka returns at
// that very moment.
//
// Symbolic links are not followed unless FollowSymlinks is set: a link a
// pattern matches, or a linked directory a glob segment goes through, is
// skipped, logged once and counted (links.go), and open refuses a path
// that became a link since the scan (O_NOFOLLOW). A watched directory
// writable by an application must not let it ship files it cannot read.
// The fixed directory part of a pattern is the operator's and is followed.
//
// Known limits: a file created and moved out of every pattern within one
// RescanInterval is never seen; a truncated file rewritten with the same
// first bytes past the old offset is not noticed.
//
// Files are read by this package's own reader, not nxadm/tail: see
// tailer.go for why.
//
// The parts, one role per file:
//
//	Collector (collector.go)   lifecycle: New, Start, Close, Stats
//	 ├─ scan (scan.go)         expand the patterns (discover.go), skip links
//	 │    (links.go), open and release files;
//	 │    startOffset (start.go) decides, as a pure function, where a file
//	 │    starts: its checkpoint, its start, its end, or where the original
//	 │    of a copytruncate copy was left (ghosts.go)
//	 ├─ watchLoop (watch.go)   inotify events wake the path's readers
//	 ├─ checkpointLoop (checkpoint.go) writes every window's offset,
//	 │    atomically (positions.go)
//	 ├─ tailFile (tailer.go)   one goroutine per file: read a chunk, split
//	 │    lines (lines.go), join and parse them, make records (record.go)
//	 │    and hand them to the producer in batches; given its collaborators
//	 │    (tailDeps: read buffers, budget, producer input, counters, ghosts),
//	 │    never the Collector
//	 │    └─ window (window.go) its entries in flight and the End of the
//	 │         highest contiguous acknowledged one: the checkpoint
//	 └─ producer (producer.go) sarama client and AsyncProducer, record size
//	      limits, and the success, error and retry loops; acknowledgements,
//	      in batches (acks.go), advance the records' windows and release
//	      their budget (budget.go); the records go back to the readers a
//	      stack at a time (outstack.go)
//
// New, Start, Close and Stats are safe to call concurrently; Close is
// idempotent.
package collector
