// Command histquery times one history query of the tailcast websocket
// protocol (docs/protocol.md, "Time ranges" and "Context") for
// bench/history.sh: it dials URL, reads the reply and reports when the
// first entry and the end came, in milliseconds from just before the dial.
//
//	histquery -url 'ws://127.0.0.1:8080/ws?from=5m&level=error' -first
//	    stops at the first entry.
//	histquery -url 'ws://…/ws?from=…&to=…&q=…' -cursors FILE
//	    reads to the end and writes the cursors of the first, middle and
//	    last entries to FILE, one a line.
//	histquery -url 'ws://…/ws?around=CURSOR&before=50&after=50'
//	    reads to the end (a context reply).
//
// A 429 (a previous query of this address still finishing) is retried for
// up to -retry; the time starts again at the retried dial, and retries= says
// how many there were. Output, key=value on one line: status, retries,
// first_entry_ms, end_ms, entries, anchors, and the end message's counts
// (matched, scanned, sent, limited, incomplete).
package main
