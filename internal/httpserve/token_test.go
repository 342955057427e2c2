package httpserve

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRequireToken(t *testing.T) {
	tests := []struct {
		name   string
		token  string
		header string
		basic  [2]string
		want   int
	}{
		{"no token configured", "", "", [2]string{}, http.StatusOK},
		{"bearer", "s3cret", "Bearer s3cret", [2]string{}, http.StatusOK},
		{"bearer lower case", "s3cret", "bearer s3cret", [2]string{}, http.StatusOK},
		{"basic password", "s3cret", "", [2]string{"prometheus", "s3cret"}, http.StatusOK},
		{"missing", "s3cret", "", [2]string{}, http.StatusUnauthorized},
		{"wrong bearer", "s3cret", "Bearer s3cre", [2]string{}, http.StatusUnauthorized},
		{"wrong basic", "s3cret", "", [2]string{"s3cret", "x"}, http.StatusUnauthorized},
		{"other scheme", "s3cret", "Token s3cret", [2]string{}, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := RequireToken(tt.token, okMux())
			r := httptest.NewRequest("GET", "/healthz", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			if tt.basic[0] != "" {
				r.SetBasicAuth(tt.basic[0], tt.basic[1])
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Fatalf("got %d, want %d", w.Code, tt.want)
			}
			if tt.want == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
}
