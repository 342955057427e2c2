// Command tailcompare measures what reading a log file line by line, with
// every line's file offset, costs with github.com/nxadm/tail (the library
// issue 3 names) and with the technique collector/tailer.go uses instead:
// 128 KiB reads from a descriptor it holds, lines split in place, offsets
// computed. It is the evidence behind the collector not using nxadm/tail
// (see collector/tailer.go and docs/BENCHMARKS.md).
//
//	go run ./bench/cmd/genlines -n 1000000 -o /tmp/in.log
//	go run ./bench/cmd/tailcompare -impl nxadm -input /tmp/in.log
//	go run ./bench/cmd/tailcompare -impl chunks -input /tmp/in.log
//
// nxadm/tail runs as issue 3 prescribes: Follow, CompleteLines, offsets
// from each line's SeekInfo; lines are taken from its Lines channel by the
// caller's goroutine, as a collector would. Both stop once every line of the
// file was read, check the line count and the last offset (the file size),
// and print one key=value line with the process's CPU time.
package main
