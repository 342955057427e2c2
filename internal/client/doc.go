// Package client is the Go client of tailcast's websocket protocol
// (docs/protocol.md) and the renderer behind `tailcast tail`.
//
// Dial opens one connection and Conn.Next returns its messages one by one,
// splitting the newline-delimited JSON frames and answering pings. Follow
// wraps that in a loop that reconnects with backoff and jitter and resumes
// exactly after the last entry it delivered (since=<cursor>). Tail is what the
// terminal command runs: it follows a server and prints entries as json, raw
// or pretty (coloured by level when stdout is a terminal).
//
// A Conn's Next must be called from one goroutine at a time; SetFilter and
// Close may be called concurrently with it. Follow and Tail own no goroutines
// after they return.
package client
