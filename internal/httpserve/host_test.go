package httpserve

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap"
)

func TestHostCheck(t *testing.T) {
	tests := []struct {
		name    string
		listen  string
		allowed []string
		host    string
		want    int
	}{
		{"rebinding name", "127.0.0.1:8080", nil, "evil.example", http.StatusMisdirectedRequest},
		{"rebinding name with port", "127.0.0.1:8080", nil, "evil.example:8080", http.StatusMisdirectedRequest},
		{"listen ip", "127.0.0.1:8080", nil, "127.0.0.1:8080", http.StatusOK},
		{"other ip literal", "0.0.0.0:8080", nil, "10.1.2.3:8080", http.StatusOK},
		{"ipv6 literal", "[::]:8080", nil, "[::1]:8080", http.StatusOK},
		{"localhost", "127.0.0.1:8080", nil, "localhost:8080", http.StatusOK},
		{"localhost upper case and dot", "127.0.0.1:8080", nil, "LOCALHOST.:8080", http.StatusOK},
		{"under localhost", "127.0.0.1:8080", nil, "app.localhost", http.StatusOK},
		{"localhost as a suffix of a name", "127.0.0.1:8080", nil, "evillocalhost", http.StatusMisdirectedRequest},
		{"listen name", "logs.internal:8080", nil, "logs.internal:8080", http.StatusOK},
		{"allow-list name", "0.0.0.0:8080", []string{"logs.example.com"}, "logs.example.com", http.StatusOK},
		{"allow-list name with port", "0.0.0.0:8080", []string{"logs.example.com:443"}, "logs.example.com", http.StatusOK},
		{"allow-list does not extend", "0.0.0.0:8080", []string{"logs.example.com"}, "evil.example", http.StatusMisdirectedRequest},
		{"wildcard suffix", "0.0.0.0:8080", []string{"*.corp.example"}, "logs.corp.example", http.StatusOK},
		{"dot suffix", "0.0.0.0:8080", []string{".corp.example"}, "a.b.corp.example:80", http.StatusOK},
		{"suffix needs a dot", "0.0.0.0:8080", []string{"*.corp.example"}, "evilcorp.example", http.StatusMisdirectedRequest},
		{"any", "0.0.0.0:8080", []string{"*"}, "evil.example", http.StatusOK},
		{"empty host", "127.0.0.1:8080", nil, "", http.StatusMisdirectedRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newMetrics(nil, "")
			h := newHostCheck(tt.listen, tt.allowed).wrap(okMux(), m, zap.NewNop())
			r := httptest.NewRequest("GET", "/healthz", nil)
			r.Host = tt.host
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Fatalf("Host %q: got %d, want %d", tt.host, w.Code, tt.want)
			}
			if tt.want == http.StatusMisdirectedRequest {
				if !strings.Contains(w.Body.String(), "--allowed-hosts") {
					t.Errorf("body %q: want it to name --allowed-hosts", w.Body.String())
				}
				if got := counter(t, m.refused.WithLabelValues("host")); got != 1 {
					t.Errorf("refused{host}: got %v, want 1", got)
				}
			}
		})
	}
}

// Through the real server: Host: evil.example with a matching Origin is
// refused with 421, the same request with the server's address is served.
func TestHostCheckServed(t *testing.T) {
	s := start(t, Config{})
	addr := s.Addr().String()
	k := dial(t, addr)
	if _, err := k.c.Write([]byte("GET /healthz HTTP/1.1\r\nHost: evil.example\r\nOrigin: http://evil.example\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	code, body, err := k.read()
	if err != nil || code != http.StatusMisdirectedRequest {
		t.Fatalf("Host evil.example: got %d %q (%v), want 421", code, body, err)
	}
	k2 := dial(t, addr)
	if code, _, err := k2.get("/healthz", addr); err != nil || code != http.StatusOK {
		t.Fatalf("Host %s: got %d (%v), want 200", addr, code, err)
	}
}

func TestQuoteHost(t *testing.T) {
	got := quoteHost("a\r\nb" + strings.Repeat("x", 200))
	if strings.ContainsAny(got, "\r\n") || len(got) > 110 {
		t.Errorf("got %q, want control characters dropped and the value cut", got)
	}
}
