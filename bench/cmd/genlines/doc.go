// Command genlines writes realistic log lines for the collector benchmarks:
// five common shapes (log4j-style, logfmt, JSON, HDFS, Go log), each with a
// timestamp and a level, about 130 bytes on average, deterministic for a
// given -seed. No line starts with whitespace or a stack-trace marker, so a
// multiline-aware collector sends exactly one record per line.
//
//	genlines -n N -o FILE
//	    writes N lines to FILE and reports lines, bytes and mean length on
//	    stderr.
//	genlines -grow DIR -files F [-initial L] [-rate R]
//	    creates F files in DIR with L lines each, then appends R lines per
//	    second spread round-robin over them until SIGTERM or SIGINT.
package main
