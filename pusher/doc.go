// Package pusher is the websocket push server: it receives decoded entries
// from the consumer (Begin/Publish, the consumer.Sink), keeps a bounded
// history per partition, and streams entries to websocket clients as
// newline-delimited JSON following docs/protocol.md.
//
// Each entry is encoded once at Publish; clients are positions in a shared,
// arrival-ordered log, so a client costs no per-entry copies. A single flush
// loop coalesces new entries into frames (the first entry after a quiet
// spell at once, then at most one pass per FlushInterval), builds one frame
// for all caught-up clients with the same filter, and hands frames to a
// fixed pool of writers (one per CPU) that write without blocking and with
// no deadline. What a full socket buffer does not take goes to a blocking
// writer, started on demand, under the SlowTimeout deadline; TLS
// connections always take that path. A connection has at most one writer at
// a time, as gobwas/ws requires. Clients that fall behind are
// skipped ahead (a "dropped" message) and, if they stay behind, closed with
// 1008; a client draining a burst at full speed is not (checkBehind). Resume (since=cursor) replays from the in-memory rings, from Kafka
// through the Fetcher when the rings no longer reach back, and reports a
// "gap" when Kafka no longer has the range.
//
// Reads use netpoll on Linux: once a connection is live, its handler
// goroutine returns and the socket waits in an epoll set (EPOLLONESHOT)
// holding no goroutine and no buffer; a read worker, started on demand,
// reads a frame when it becomes readable. TLS connections (and systems
// without epoll) fall back to one blocking reader goroutine per connection.
//
// Begin, Publish, ServeHTTP, Clients and Close are safe to call concurrently.
package pusher
