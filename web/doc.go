// Package web embeds the browser viewer and serves it.
//
// The viewer is plain ES modules and CSS under static/, with no build step:
// running tailcast never needs node. It speaks only the websocket protocol in
// docs/protocol.md and connects to "ws" relative to the page (so /ws when the
// viewer is at /). docs/ARCHITECTURE.md lists its modules.
//
// Handler serves exactly the embedded files and nothing else: every path is
// looked up in a table built once from the embedded tree, so no request can
// reach the file system. The returned handler is safe for concurrent use.
package web
