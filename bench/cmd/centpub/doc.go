// Command centpub publishes the load of bench/pusher.sh into Centrifugo, the
// push server the benchmark compares tailcast with, through Centrifugo's
// HTTP server API (POST /api/batch, many publish commands per request, as
// a backend publishing at a high rate would). Each line is published as
// the data {"line":"..."} of one publication in one channel, so
// bench/cmd/wsload -proto centrifugo finds the line's "@@<unix ns>" marker
// in what its clients receive.
//
//	centpub -api http://127.0.0.1:P/api -rate N [-size 130]
//	    the fan-out load, as bench/cmd/pushserve makes it for tailcast's
//	    pusher: N lines/s from benchline's token bucket, refilled every
//	    millisecond; the due lines are stamped with one clock reading
//	    just before their batch request is sent (latency publish to read).
//	centpub -api ... -follow FILE [-- CMD ARGS...]
//	    the side-by-side load: publishes every line appended to FILE after
//	    it started, woken by inotify as `tail -F` feeds websocketd and
//	    frontail's watcher feeds frontail (latency from append to read, the stamp being the
//	    writer's). CMD, the writer (bench/cmd/ratelines), is started once
//	    centpub follows the file, and stopped with it.
//
// One request is in flight at a time: a request slower than the tick makes
// the next batch larger, as any publisher that batches would. centpub runs
// until SIGTERM or SIGINT, then reports what it published on stderr; the
// first error (a refused request, an error reply, the writer failing) ends
// it with status 1.
package main
