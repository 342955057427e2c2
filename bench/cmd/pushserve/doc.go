// Command pushserve runs the pusher alone, for the fan-out benchmark of
// bench/pusher.sh: a pusher.Server on a loopback port, fed by Publish at a
// steady rate, with no collector, broker or consumer in front of it. Every
// entry's message carries, after a marker ("@@"), the time just before its
// Publish call, so bench/cmd/wsload measures what issue 4's fan-out target
// names: publish to client read. The same load through the whole pipeline
// (`tailcast run`, file append to client read) is measured beside it.
//
//	pushserve [-listen 127.0.0.1:0] [-size 130]
//	    prints "pushserve: ws://ADDR/ws" once it listens.
//	GET /publish?rate=N
//	    publishes N entries/s until the request is closed (the benchmark's
//	    publisher command is a curl of this URL, stopped after the window).
//	GET /publish?rate=N&mix=V
//	    publishes the entries of internal/filtermix's mix for V viewers
//	    instead: sixteen services, levels, JSON fields, and messages that
//	    the viewers' distinct filters select (bench/cmd/wsload -mix).
//	GET /published
//	    the number of entries published so far, which wsload -mix reads
//	    after the window to count what each viewer must have got.
//
// The messages are the lines bench/cmd/ratelines writes (same size, same
// text), so an entry is encoded as `tailcast run` would encode that line.
package main
