package client

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Sentinel errors. Match them with errors.Is; the returned errors carry the
// detail (URL, HTTP status, server text, close reason).
var (
	// ErrBadURL: the server URL cannot be used.
	ErrBadURL = errors.New("bad server URL")
	// ErrUnreachable: no TCP (or TLS) connection could be made.
	ErrUnreachable = errors.New("server not reachable")
	// ErrUnauthorized: the server answered 401 (token missing or wrong).
	ErrUnauthorized = errors.New("access refused: token missing or wrong")
	// ErrForbidden: the server answered 403.
	ErrForbidden = errors.New("access forbidden")
	// ErrBadRequest: the server answered 400, usually a bad filter or cursor.
	ErrBadRequest = errors.New("request refused")
	// ErrProtocol: the server does not speak the tailcast protocol as
	// documented (invalid JSON, no hello, unsupported version, binary frame).
	ErrProtocol = errors.New("protocol error")
	// ErrClosed: the Conn was closed by Close.
	ErrClosed = errors.New("connection closed")
	// ErrTLS: the TLS handshake failed (untrusted certificate, wrong host
	// name, or a server that does not speak TLS).
	ErrTLS = errors.New("TLS handshake failed")
	// ErrIdle: nothing, not even a ping, arrived within Options.IdleTimeout.
	ErrIdle = errors.New("server silent")
)

// StatusError is a refused websocket upgrade: the HTTP status and the
// server's plain-text reason.
type StatusError struct {
	URL  string
	Code int
	// Text is the response body, trimmed and cut to a few hundred bytes.
	Text string
}

func (e *StatusError) Error() string {
	var b strings.Builder
	switch e.Code {
	case http.StatusUnauthorized:
		fmt.Fprintf(&b, "access refused by %s: token missing or wrong (HTTP 401)", e.URL)
	case http.StatusForbidden:
		fmt.Fprintf(&b, "access forbidden by %s (HTTP 403)", e.URL)
	case http.StatusBadRequest:
		fmt.Fprintf(&b, "request refused by %s (HTTP 400)", e.URL)
	case http.StatusNotFound:
		fmt.Fprintf(&b, "no tailcast websocket endpoint at %s (HTTP 404)", e.URL)
	case http.StatusTooManyRequests:
		fmt.Fprintf(&b, "too many connections from this address to %s (HTTP 429)", e.URL)
	default:
		fmt.Fprintf(&b, "websocket upgrade refused by %s: HTTP %d %s", e.URL, e.Code, http.StatusText(e.Code))
	}
	if e.Text != "" {
		b.WriteString(": ")
		b.WriteString(e.Text)
	}
	return b.String()
}

// Is maps the status to the package's sentinel errors.
func (e *StatusError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.Code == http.StatusUnauthorized
	case ErrForbidden:
		return e.Code == http.StatusForbidden
	case ErrBadRequest:
		return e.Code == http.StatusBadRequest
	}
	return false
}

// CloseError is a close frame received from the server.
type CloseError struct {
	Code   int
	Reason string
}

func (e *CloseError) Error() string {
	s := fmt.Sprintf("server closed the connection: %s (%d)", closeCodeText(e.Code), e.Code)
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

func closeCodeText(code int) string {
	switch code {
	case 1000:
		return "normal closure"
	case 1001:
		return "going away"
	case 1002:
		return "protocol error"
	case 1003:
		return "unsupported data"
	case 1005:
		return "no status"
	case 1007:
		return "invalid payload"
	case 1008:
		return "policy violation"
	case 1009:
		return "message too big"
	case 1011:
		return "internal server error"
	case 1012:
		return "service restart"
	case 1013:
		return "try again later"
	case 4000:
		return "idle timeout" // the server heard nothing, not even a pong, for two ping intervals
	}
	return "close"
}

// unreachableError keeps the cause (refused, no such host, timeout, TLS) and
// says which server it was.
type unreachableError struct {
	addr string
	err  error
}

func (e *unreachableError) Error() string {
	return fmt.Sprintf("server at %s is not reachable: %v", e.addr, e.err)
}

func (e *unreachableError) Unwrap() []error { return []error{ErrUnreachable, e.err} }

// tlsError is ErrTLS with the server and the cause.
type tlsError struct {
	addr string
	err  error
}

func (e *tlsError) Error() string {
	return fmt.Sprintf("TLS handshake with %s failed: %v", e.addr, e.err)
}

func (e *tlsError) Unwrap() []error { return []error{ErrTLS, e.err} }

// protocolError is ErrProtocol with the detail.
func protocolError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrProtocol, fmt.Sprintf(format, args...))
}

// Permanent reports whether retrying the same request cannot help: a bad URL,
// refused access or request, a server that does not speak the protocol, or a
// close code saying the client's own frames were wrong. A failed TLS
// handshake counts as permanent: certificates do not fix themselves.
func Permanent(err error) bool {
	if errors.Is(err, ErrBadURL) || errors.Is(err, ErrProtocol) || errors.Is(err, ErrTLS) {
		return true
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Code != http.StatusTooManyRequests && se.Code < 500
	}
	var ce *CloseError
	if errors.As(err, &ce) {
		switch ce.Code {
		case 1002, 1003, 1007, 1009, 1010:
			return true
		}
	}
	return false
}
