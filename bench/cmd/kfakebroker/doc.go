// Command kfakebroker runs the kfake broker that tailcast embeds as a
// standalone process, so that every collector in a benchmark (tailcast, kcat,
// rsyslog) produces to the same broker build over loopback.
//
//	kfakebroker [-listen 127.0.0.1:0] [-topic logs] [-partitions 3] [-blackhole] [-addr-file FILE]
//
// bench/collector.sh and the reliability suite start it this way. With
// -blackhole it acknowledges produce requests without storing the records
// (offsets still advance). It prints the bootstrap address on stdout (and
// to -addr-file when given), then serves until SIGTERM or SIGINT.
package main
