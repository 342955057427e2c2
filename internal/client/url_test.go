package client

import (
	"errors"
	"testing"
)

func TestEndpoint(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"http://127.0.0.1:8080", "ws://127.0.0.1:8080/ws"},
		{"http://127.0.0.1:8080/", "ws://127.0.0.1:8080/ws"},
		{"https://logs.example.com", "wss://logs.example.com/ws"},
		{"ws://h:1/ws", "ws://h:1/ws"},
		{"wss://h/ws/", "wss://h/ws"},
		{"https://h/tailcast/", "wss://h/tailcast/ws"},
		{"https://h/tailcast", "wss://h/tailcast/ws"},
		{"localhost:8080", "ws://localhost:8080/ws"},
		{"HTTP://H:80/?service=api#x", "ws://H:80/ws"},
		{"[::1]:8080", "ws://[::1]:8080/ws"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			u, _, err := endpoint(tt.in)
			if err != nil {
				t.Fatalf("got error %v, want %s", err, tt.want)
			}
			if got := u.String(); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "  ", "ftp://h/", "http://", "http://h:99999", "http://h:port", "http://u:p@h/", "http://[::1"} {
		t.Run("bad "+bad, func(t *testing.T) {
			_, _, err := endpoint(bad)
			if !errors.Is(err, ErrBadURL) {
				t.Errorf("got %v, want ErrBadURL", err)
			}
		})
	}
}

func TestQuery(t *testing.T) {
	base := map[string][]string{"level": {"debug"}, "extra": {"1"}}
	f := Filter{Service: []string{"api", "auth"}, Host: []string{"web-1"}, Level: "warn", Query: "time out", Regex: `^a.*b$`}
	tests := []struct {
		name     string
		backfill int
		since    string
		want     string
	}{
		{"backfill", 50, "", "backfill=50&extra=1&host=web-1&level=warn&q=time+out&re=%5Ea.%2Ab%24&service=api&service=auth"},
		{"since wins", 50, "AQKFAw", "extra=1&host=web-1&level=warn&q=time+out&re=%5Ea.%2Ab%24&service=api&service=auth&since=AQKFAw"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := query(base, f, tt.backfill, tt.since).Encode(); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}
