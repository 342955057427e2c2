package httpserve

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// RequireToken serves next only to requests that carry token, as
// "Authorization: Bearer <token>" (Prometheus' authorization or
// bearer_token) or as the password of HTTP basic auth, any user
// (basic_auth). Others get 401 before anything else runs. An empty token
// returns next unchanged.
func RequireToken(token string, next http.Handler) http.Handler {
	if token == "" {
		return next
	}
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !tokenMatches(r, want) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tailcast", Basic realm="tailcast"`)
			http.Error(w, "token required", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// tokenMatches compares hashes in constant time, so neither the token's
// content nor its length leaks through timing.
func tokenMatches(r *http.Request, want [32]byte) bool {
	var got string
	if _, pass, ok := r.BasicAuth(); ok {
		got = pass
	} else if auth := r.Header.Get("Authorization"); len(auth) > 7 && strings.EqualFold(auth[:7], "bearer ") {
		got = strings.TrimSpace(auth[7:])
	} else {
		return false
	}
	sum := sha256.Sum256([]byte(got))
	return subtle.ConstantTimeCompare(sum[:], want[:]) == 1
}
