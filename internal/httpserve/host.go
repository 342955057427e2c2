package httpserve

import (
	"net"
	"net/http"
	"strings"

	"go.uber.org/zap"
)

// hostCheck accepts a request only when its Host names this server: DNS
// rebinding points an attacker's name at the server's address, so the
// browser's Host is that name, never an IP literal or a local name.
type hostCheck struct {
	exact    map[string]bool
	suffixes []string // ".example.com"
	any      bool
}

// newHostCheck builds the check from the listen address and the
// allow-list entries (see Config.AllowedHosts).
func newHostCheck(listen string, allowed []string) *hostCheck {
	h := &hostCheck{exact: map[string]bool{"localhost": true}}
	if host, _, err := net.SplitHostPort(listen); err == nil && host != "" {
		h.exact[strings.ToLower(host)] = true
	}
	for _, a := range allowed {
		a = strings.ToLower(strings.TrimSpace(a))
		switch {
		case a == "":
		case a == "*":
			h.any = true
		case strings.HasPrefix(a, "*."):
			h.suffixes = append(h.suffixes, a[1:])
		case strings.HasPrefix(a, "."):
			h.suffixes = append(h.suffixes, a)
		default:
			if host, _, err := net.SplitHostPort(a); err == nil {
				a = host
			}
			h.exact[strings.Trim(a, "[]")] = true
		}
	}
	return h
}

// allowed reports whether the Host header value names this server.
func (h *hostCheck) allowed(hostport string) bool {
	if h.any {
		return true
	}
	host := hostport
	if hh, _, err := net.SplitHostPort(hostport); err == nil {
		host = hh
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "" {
		return false // HTTP/1.1 requires Host; an empty one names nothing
	}
	if net.ParseIP(host) != nil || h.exact[host] || strings.HasSuffix(host, ".localhost") {
		return true
	}
	for _, s := range h.suffixes {
		if strings.HasSuffix(host, s) {
			return true
		}
	}
	return false
}

// wrap refuses requests whose Host is not allowed with 421 Misdirected
// Request and a body that says how to allow it.
func (h *hostCheck) wrap(next http.Handler, m *metrics, log *zap.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !h.allowed(r.Host) {
			m.refused.WithLabelValues("host").Inc()
			log.Debug("request refused: host not allowed", zap.String("host", r.Host), zap.String("remote", r.RemoteAddr))
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusMisdirectedRequest)
			_, _ = w.Write([]byte("host " + quoteHost(r.Host) + " is not served here; add it to --allowed-hosts\n"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// quoteHost keeps a hostile Host header from shaping the answer.
func quoteHost(h string) string {
	if len(h) > 100 {
		h = h[:100] + "..."
	}
	return `"` + strings.ToValidUTF8(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, h), "") + `"`
}
