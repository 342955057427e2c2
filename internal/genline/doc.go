// Package genline makes the realistic log lines of the collector
// benchmarks (bench/cmd/genlines) and of the record-size and consumer
// measurements: five common shapes (log4j-style, logfmt, JSON, HDFS, Go
// log), each with a timestamp and a level, about 130 bytes on average,
// deterministic for a given seed. No line starts with whitespace or a
// stack-trace marker, so a multiline-aware collector sends exactly one
// record per line.
//
// A Gen is not safe for concurrent use: give each goroutine its own.
package genline
