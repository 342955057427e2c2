package httpserve

import (
	"net"
	"strings"
)

// OpenWarning returns the warning the CLI logs when a server is reachable
// beyond this machine and no token guards it, or "" when there is nothing
// to warn about. A host that is not a loopback IP or "localhost" counts as
// reachable: a wildcard, an interface address, or a name.
func OpenWarning(listen, token string) string {
	if token != "" || IsLoopback(listen) {
		return ""
	}
	return "listening on " + listen + " with no --token: anyone who reaches this address can read every log line"
}

// IsLoopback reports whether a listen address (host:port) only accepts
// connections from this machine.
func IsLoopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		host = listen
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
