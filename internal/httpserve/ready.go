package httpserve

import (
	"fmt"
	"net/http"
)

// ReadyHandler answers /readyz from check: 200 "ready", or 503
// "not ready: <reason>" so that a probe's log says what is wrong (for
// example consumer.Consumer.Readiness naming a deleted topic).
func ReadyHandler(check func() (ready bool, reason string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		ok, reason := check()
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "not ready: %s\n", reason)
			return
		}
		fmt.Fprintln(w, "ready")
	})
}
