// Command histfill fills a topic for the history benchmark (bench/history.sh):
// N realistic lines (internal/genline) as tailcast's collector writes them —
// the value is the line, one meta header (logpb.HeaderMeta) names service,
// host and path, and there is no key — spread round-robin over -files files, each file pinned to one
// partition (file i to partition i mod -partitions) so every partition holds
// the same share. The lines' own times are recent: the last one is about
// -end, the first about N × genline.MeanStep earlier, and each record's
// timestamp is its line's time, as if read when written. Every -every-th line
// carries -marker (inside the JSON object for a JSON line, as " tag=MARKER"
// otherwise), so a search for it matches N / -every lines.
//
//	histfill -brokers ADDR [-topic logs] [-n 1000000] [-marker TEXT]
//
// It prints key=value on stdout: lines, bytes (of values), marked,
// first_ts, last_ts, elapsed_s.
package main
