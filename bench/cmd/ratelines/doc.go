// Command ratelines appends log lines to a file at a steady rate, for the
// pusher benchmarks (bench/pusher.sh). Every line carries the time it was
// appended, in unix nanoseconds after a marker ("@@"), so that a reader at
// the far end of the pipeline (bench/cmd/wsload) can measure the latency
// from append to delivery:
//
//	tailcast-bench 0000000042 @@1732300000123456789 GET /api/v1/orders …
//
// The line has no '=' and no leading timestamp, so every server sees it as
// one plain-text entry, and its length is fixed (-size). A token bucket
// refilled every millisecond decides how many lines are due; the due lines
// are stamped with one time.Now() and written with one write(2), so a stamp
// is at most a few microseconds older than the append.
//
//	ratelines -o FILE -rate 10000 [-size 130] [-duration 10s]
//	    appends until -duration has passed (0: until SIGTERM or SIGINT) and
//	    reports lines written and the achieved rate on stderr.
package main
