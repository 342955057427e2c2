// Package pusher is the websocket push server: it receives decoded entries
// from the consumer (Begin/Publish, the consumer.Sink), keeps a bounded
// history per partition, and streams entries to websocket clients as
// newline-delimited JSON following docs/protocol.md.
//
// The package has two layers, one role per file:
//
//   - The hub (hub.go, ring.go, log.go, cursor.go) is the log: the partition
//     rings, the global arrival-ordered log, the cursor vector, and the
//     snapshots that replays are planned from (replay.go: planReplay). It has
//     its own lock and knows nothing of sockets, so it is tested alone.
//     Each entry is encoded once at Publish (encode.go).
//   - The fan-out (server.go, client.go, registry.go, flush.go,
//     matchindex.go, index.go, literal.go, coalesce.go, scanner.go,
//     frame.go, writer.go, reader.go, poller.go, access.go, request.go,
//     filter.go, replay.go, merge.go, refill.go) keeps the clients, the
//     flush loop, the writers and the poller, under the registry lock
//     (Server.mu), taken before the hub's.
//
// A filter runs where its cost falls on its own client: service, host,
// level and q in the flush loop (one evaluation per filter, shared by its
// clients); a regular expression in the client's scanner goroutine, within
// Config.FilterBudget; replays and refills in the client's own goroutine.
// None runs under a lock Publish or other clients wait for.
// Each new entry is evaluated once against all filters (matchindex.go):
// every filter has an anchor (a q word, a regex literal, its services, a
// where's field...), each distinct word is searched once per entry, and
// only the filters anchored there are evaluated, their cheap terms and
// the regex's literal prefilter (literal.go); the matches go to per-filter
// lists from which the flush loop builds frames and hands an idle scanner
// the entries its filter may match, waking it only for those. A client
// behind its filter's list is served as before, through an index of the
// log by service (index.go). Under load, small frames wait up to three
// flush intervals (coalesce.go).
//
// Clients are positions in the shared log, so a client costs no per-entry
// copies. A single flush loop coalesces new entries into frames (the first
// entry after a quiet spell at once, then at most one pass per
// FlushInterval), builds one frame for all caught-up clients with the same
// filter, and hands frames to a fixed pool of writers (one per CPU) that
// write without blocking and with no deadline. What a full socket buffer
// does not take goes to a blocking writer, started on demand, under the
// SlowTimeout deadline; TLS connections always take that path. A connection
// has at most one writer at a time, as gobwas/ws requires. Clients that
// fall behind are skipped ahead (a "dropped" message) and, if they stay
// behind, closed with 1008; a client draining a burst at full speed is not
// (checkBehind). Resume (since=cursor) replays from the in-memory rings,
// from Kafka through the Fetcher when the rings no longer reach back, and
// reports a "gap" when Kafka no longer has the range. Replays are planned
// from a hub snapshot (O(partitions) under the hub lock) and filtered and
// encoded by the client's own handler goroutine, holding no lock.
//
// Reads use netpoll on Linux: once a connection is live, its handler
// goroutine returns and the socket waits in an epoll set (EPOLLONESHOT)
// holding no goroutine and no buffer; a read worker, started on demand,
// reads a frame when it becomes readable. TLS connections (and systems
// without epoll) fall back to one blocking reader goroutine per connection.
//
// History (history.go, history_scan.go, history_read.go, context.go)
// answers from= and around= from Kafka on the client's own handler
// goroutine, before the client is registered: per partition, from the
// offset of the range's start time (offsets-for-times), one reader
// goroutine reads the range (Scanner.Scan, else Fetch in chunks), rules
// out on the raw bytes what q cannot match (recordfilter.go), parses and
// filters the rest, and hands only the matches to the handler goroutine,
// which merges them by entry time (mergeRange); then, for a range without
// to=, a since= replay from where the scan ended and live, so the switch
// is exact. During the scan a blocking reader goroutine
// watches the connection, so that a disconnect or a filter message stops
// the scan at once; such a connection stays on it afterwards rather than
// moving to the poller. Queries run under a per-server and per-IP budget
// (Config.HistoryQueries, HistoryPerIP), and while live entries are
// being delivered the readers rest between their fetches, so that
// together they keep at most Config.HistoryLiveShare of the CPUs busy
// (history_pace.go). Field conditions (where.go) are
// compiled once into the filter; without a regular expression they are
// cheap and run in the flush loop.
//
// Patterns (patterns.go, patterns_top.go): Publish mines every entry's
// message per service, before the hub lock, in a miner guarded by that
// service's own mutex, and counts it in 10 s buckets; the entry carries the
// pattern id (and "new"), and pattern=/not_pattern= are filter terms like
// service. Subscribers get the top patterns every PatternInterval from
// patLoop, queued like control frames, one message built per distinct
// (counts, top). A subscriber whose filter goes beyond service (host,
// level, q, re, where) gets counts of its filter's matches instead
// (patterns_filtered.go): patLoop keeps them per distinct filter, reading
// the log from where they stopped within FilterBudget, so the cost falls on
// those subscribers' updates and never on the fan-out. patterns_metrics.go
// reports the miners at scrape time.
//
// Begin, Publish, ServeHTTP, Clients and Close are safe to call concurrently.
package pusher
