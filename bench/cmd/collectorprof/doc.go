// Command collectorprof runs the collector package in-process on one input
// file against an in-process kfake broker (optionally discarding records) and
// writes CPU and heap profiles, so that the collector's hot paths can be read
// with `go tool pprof`. bench/collector.sh measures the tailcast binary; this
// is the tool for finding out why a figure is what it is.
//
//	go run ./bench/cmd/genlines -n 1000000 -o /tmp/in.log
//	go run ./bench/cmd/collectorprof -input /tmp/in.log -blackhole -cpuprofile /tmp/cpu.pprof
//	go tool pprof -top /tmp/cpu.pprof
//
// The broker shares the process, so its work shows in the profile too (little
// of it with -blackhole), unless -brokers names one in another process
// (bench/cmd/kfakebroker, fresh, with a 3-partition topic "logs"): then the
// profile holds the collector alone and compares with saramaonly's
// -cpuprofile on the same lines, the difference being the collector's own
// cost.
package main
