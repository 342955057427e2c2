package cli

import (
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tailcast/tailcast/internal/client"
)

// get fetches url with optional headers and returns the status and body.
func get(t *testing.T, url string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			req.Host = header[i+1]
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// The HTTP front of a real `run`: /metrics behind the token or on its own
// listener, and the DNS-rebinding guard on every path.
func TestHTTPFront(t *testing.T) {
	t.Run("metrics behind the token", func(t *testing.T) {
		dir := t.TempDir()
		srv := start(t, true, runArgs(dir, "--token", "s3cret")...)
		tests := []struct {
			name   string
			header []string
			want   int
		}{
			{"no token", nil, http.StatusUnauthorized},
			{"wrong token", []string{"Authorization", "Bearer nope"}, http.StatusUnauthorized},
			{"bearer", []string{"Authorization", "Bearer s3cret"}, http.StatusOK},
		}
		for _, tt := range tests {
			code, body := get(t, srv.url+"metrics", tt.header...)
			if code != tt.want {
				t.Errorf("%s: got %d, want %d", tt.name, code, tt.want)
			}
			if code == http.StatusOK && !strings.Contains(body, "tailcast_") {
				t.Errorf("%s: body has no tailcast metrics", tt.name)
			}
		}
		if code, _ := get(t, srv.url+"healthz"); code != http.StatusOK {
			t.Errorf("/healthz with a token set: got %d, want 200 (probes send none)", code)
		}
	})
	t.Run("metrics on their own listener", func(t *testing.T) {
		dir := t.TempDir()
		maddr := freeAddr(t)
		srv := start(t, true, runArgs(dir, "--metrics-listen", maddr)...)
		if code, _ := get(t, srv.url+"metrics"); code != http.StatusNotFound {
			t.Errorf("/metrics on the main listener: got %d, want 404", code)
		}
		if code, body := get(t, "http://"+maddr+"/metrics"); code != http.StatusOK || !strings.Contains(body, "tailcast_") {
			t.Errorf("/metrics on --metrics-listen: got %d, want 200 with tailcast metrics", code)
		}
	})
	t.Run("host check", func(t *testing.T) {
		dir := t.TempDir()
		srv := start(t, true, runArgs(dir, "--allowed-hosts", "logs.example.com")...)
		tests := []struct {
			host string
			want int
		}{
			{"evil.example", http.StatusMisdirectedRequest},
			{"logs.example.com", http.StatusOK},
			{"localhost:8080", http.StatusOK},
		}
		for _, tt := range tests {
			if code, _ := get(t, srv.url+"healthz", "Host", tt.host); code != tt.want {
				t.Errorf("Host %s: got %d, want %d", tt.host, code, tt.want)
			}
		}
	})
}

// The embedded broker takes the client's SASL flags: tailcast's own
// pipeline authenticates and delivers, and a client without the account
// (kcat) is refused. (kcat cannot log in to it even with the account:
// librdkafka enables SASL only when a broker advertises SaslHandshake v0,
// and kfake serves v1 alone; sarama-based clients, tested in
// internal/broker, can.)
func TestEmbeddedBrokerSASL(t *testing.T) {
	kcat := kcatPath(t)
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	srv := start(t, true, runArgs(dir, "--sasl-mechanism", "SCRAM-SHA-256", "--sasl-user", "tc", "--sasl-password", "pw-1234")...)
	broker := brokerFromOutput(t, srv.out.String())
	c := dial(t, srv.url, client.Options{})

	appendLines(t, filepath.Join(dir, "logs", "app.log"), "2026-11-22 10:00:00,000 INFO app - through the collector")
	got := collect(t, c, 1)
	if !strings.Contains(got[0].Msg, "through the collector") {
		t.Errorf("entry: got %+v, want the collector's line", got[0])
	}
	cmd := exec.Command(kcat, "-P", "-b", broker, "-t", "logs", "-X", "socket.timeout.ms=3000", "-X", "message.timeout.ms=3000")
	cmd.Stdin = strings.NewReader("forged without the account\n")
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Errorf("kcat without the account: got success, want refused\n%s", out)
	}
	srv.stop(t)
}

// A server open beyond loopback without a token says so; with a token, or
// on loopback, it does not.
func TestOpenListenWarning(t *testing.T) {
	const warning = "with no --token: anyone who reaches this address can read every log line"
	tests := []struct {
		name  string
		extra []string
		warns bool
	}{
		{"every address, no token", []string{"--listen", "0.0.0.0:0"}, true},
		{"every address, a token", []string{"--listen", "0.0.0.0:0", "--token", "s3cret"}, false},
		{"loopback, no token", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := start(t, true, runArgs(t.TempDir(), tt.extra...)...)
			if got := strings.Contains(srv.out.String(), warning); got != tt.warns {
				t.Errorf("warning logged: got %v, want %v\n%s", got, tt.warns, srv.out)
			}
			srv.stop(t)
		})
	}
}
