// Package httpserve builds the HTTP front tailcast's servers use: an
// http.Server with timeouts that close idle and slow peers but leave
// upgraded websockets alone, a listener that caps concurrent connections so
// that file descriptors stay in reserve for the collector and the broker, a
// Host check against DNS rebinding, TLS certificates reloaded without a
// restart, and the pieces to protect /metrics (a token wrapper, or a second
// Server on its own address).
//
// A Server's methods are safe to call concurrently; Shutdown and Close are
// safe to call more than once. CertReloader is safe for concurrent use.
package httpserve
