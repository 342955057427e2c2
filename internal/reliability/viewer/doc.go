// Command viewer follows a tailcast server as a viewer would (internal/client,
// reconnecting and resuming) and prints one line per message on stdout, for
// the reliability suite. It runs outside the suite's -race test process, so
// it reads at the speed of a real client rather than of an instrumented one:
//
//	hello
//	entry SEQ TIME_UNIX_NANO      (SEQ: the line's seq=NNNNNNNN, or -1)
//	gap N
//	dropped N
//	disconnect REASON
//
//	viewer -url ws://127.0.0.1:PORT/ws
//
// It stops on SIGTERM or SIGINT.
//
// The suite's harness builds it without -race and starts one process per
// viewer it observes; it exits 2 on a usage error.
package main
