package httpserve

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestReadyHandler(t *testing.T) {
	tests := []struct {
		ready    bool
		reason   string
		wantCode int
		wantBody string
	}{
		{true, "", http.StatusOK, "ready\n"},
		{false, `topic "logs" does not exist on the brokers`, http.StatusServiceUnavailable,
			"not ready: topic \"logs\" does not exist on the brokers\n"},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		ReadyHandler(func() (bool, string) { return tt.ready, tt.reason }).ServeHTTP(w, httptest.NewRequest("GET", "/readyz", nil))
		if w.Code != tt.wantCode || w.Body.String() != tt.wantBody {
			t.Errorf("got %d %q, want %d %q", w.Code, w.Body.String(), tt.wantCode, tt.wantBody)
		}
	}
}
