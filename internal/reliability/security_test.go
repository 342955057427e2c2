package reliability

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/tailcast/tailcast/internal/client"
	"github.com/tailcast/tailcast/internal/kafkatest"
	"github.com/tailcast/tailcast/internal/wait"
)

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns
// their paths and a pool that trusts the certificate.
func selfSigned(t testing.TB) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "tailcast reliability"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestReliabilitySecurity runs `tailcast serve` with a token, TLS and a
// per-IP limit of 5, and checks each gate from outside the process.
func TestReliabilitySecurity(t *testing.T) {
	const token = "s3cret-token"
	certFile, keyFile, pool := selfSigned(t)
	b := kafkatest.Start(t, "logs", 3)
	s := startServe(t, b.Addr(), 0, "--token", token, "--tls-cert", certFile, "--tls-key", keyFile, "--max-conns-per-ip", "5")
	if !strings.HasPrefix(s.url, "https://") {
		t.Fatalf("viewer URL %q: want https with --tls-cert", s.url)
	}
	tlsConf := &tls.Config{RootCAs: pool}
	httpc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsConf}}
	dial := func(opts client.Options) (*client.Conn, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if opts.URL == "" {
			opts.URL = s.url
		}
		if opts.TLSConfig == nil {
			opts.TLSConfig = tlsConf
		}
		return client.Dial(ctx, opts)
	}
	// upgrade does a raw upgrade and returns the HTTP status (101 on success).
	upgrade := func(t *testing.T, u string, h http.Header) int {
		t.Helper()
		d := ws.Dialer{Timeout: 10 * time.Second, TLSConfig: tlsConf, Header: ws.HandshakeHeaderHTTP(h)}
		conn, _, _, err := d.Dial(context.Background(), u)
		if err == nil {
			conn.Close()
			return http.StatusSwitchingProtocols
		}
		var se ws.StatusError
		if errors.As(err, &se) {
			return int(se)
		}
		t.Fatalf("upgrade %s: %v", u, err)
		return 0
	}
	bearer := http.Header{"Authorization": {"Bearer " + token}}

	t.Run("token", func(t *testing.T) {
		tests := []struct {
			name   string
			url    string
			header http.Header
			want   int
		}{
			{"none", s.wsURL(), nil, http.StatusUnauthorized},
			{"wrong bearer", s.wsURL(), http.Header{"Authorization": {"Bearer nope"}}, http.StatusUnauthorized},
			{"token as basic auth", s.wsURL(), http.Header{"Authorization": {"Basic " + token}}, http.StatusUnauthorized},
			{"prefix of the token", s.wsURL() + "?token=" + token[:len(token)-1], nil, http.StatusUnauthorized},
			{"empty query token", s.wsURL() + "?token=", nil, http.StatusUnauthorized},
			{"bearer", s.wsURL(), bearer, http.StatusSwitchingProtocols},
			{"query", s.wsURL() + "?token=" + token, nil, http.StatusSwitchingProtocols},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got := upgrade(t, tt.url, tt.header); got != tt.want {
					t.Errorf("got HTTP %d, want %d", got, tt.want)
				}
			})
		}
		_, err := dial(client.Options{})
		if !errors.Is(err, client.ErrUnauthorized) {
			t.Errorf("client without token: got %v, want ErrUnauthorized", err)
		}
	})

	t.Run("origin", func(t *testing.T) {
		tests := []struct {
			origin string
			want   int
		}{
			{"https://evil.example", http.StatusForbidden},
			{"https://127.0.0.1.evil.example", http.StatusForbidden},
			{"null", http.StatusForbidden},
			{"http://" + s.addr(), http.StatusSwitchingProtocols}, // same host
			{"https://" + s.addr(), http.StatusSwitchingProtocols},
		}
		for _, tt := range tests {
			t.Run(tt.origin, func(t *testing.T) {
				h := bearer.Clone()
				h.Set("Origin", tt.origin)
				if got := upgrade(t, s.wsURL(), h); got != tt.want {
					t.Errorf("got HTTP %d, want %d", got, tt.want)
				}
			})
		}
	})

	t.Run("tls", func(t *testing.T) {
		c, err := dial(client.Options{Token: token})
		if err != nil {
			t.Fatalf("wss with the trusted certificate: %v", err)
		}
		m, err := c.Next(context.Background())
		c.Close()
		if err != nil || m.Type != client.TypeHello {
			t.Errorf("got %+v (%v), want hello", m.Type, err)
		}
		if _, err := dial(client.Options{Token: token, TLSConfig: &tls.Config{}}); !errors.Is(err, client.ErrTLS) {
			t.Errorf("untrusted certificate: got %v, want ErrTLS", err)
		}
		// Plain HTTP to the TLS port gets nothing but a refusal.
		if got := rawHTTP(t, s.addr(), []byte("GET /ws?token="+token+" HTTP/1.1\r\nHost: x\r\n\r\n")); !strings.HasPrefix(got, "HTTP/1.0 400") {
			t.Errorf("plain HTTP to the TLS port: got %q, want HTTP/1.0 400", got)
		}
		// TLS below 1.2 is refused.
		conn, err := tls.Dial("tcp", s.addr(), &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS11})
		if err == nil {
			conn.Close()
			t.Errorf("TLS 1.1 handshake succeeded, want refused")
		}
	})

	t.Run("no file access", func(t *testing.T) {
		// Sent raw over TLS: Go's client would clean the paths first.
		get := func(path string) (int, string, string) {
			conn, err := tls.Dial("tcp", s.addr(), tlsConf)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, s.addr())
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				return 0, "", err.Error()
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			return resp.StatusCode, resp.Header.Get("Location"), string(body)
		}
		for _, path := range []string{
			"/../../etc/passwd",
			"/..%2f..%2f..%2fetc%2fpasswd",
			"/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
			"/%252e%252e/%252e%252e/etc/passwd",
			"/static/../../../../etc/passwd",
			"/....//....//etc/passwd",
			"/..\\..\\..\\etc\\passwd",
			"/etc/passwd",
			"//etc/passwd",
			"/index.html/../../../etc/passwd",
			"/ws/../../etc/passwd",
			"/.%00./.%00./etc/passwd",
			"/proc/self/environ",
			"/web.go",
			"/.git/config",
			"/go.mod",
		} {
			t.Run(path, func(t *testing.T) {
				code, loc, body := get(path)
				for hops := 0; code >= 300 && code < 400 && hops < 3; hops++ { // ServeMux cleans paths with a redirect
					code, loc, body = get(loc)
				}
				t.Logf("RESULT security path %q: %d", path, code) // after redirects
				if strings.Contains(body, "root:") || strings.Contains(body, "PATH=") || strings.Contains(body, "module github.com") || strings.Contains(body, "package web") {
					t.Fatalf("got a file's contents for %q: %.200q", path, body)
				}
				if code != http.StatusNotFound && code != http.StatusBadRequest {
					t.Errorf("got HTTP %d (location %q), want 404 or 400", code, loc)
				}
			})
		}
		// The viewer itself is still served.
		resp, err := httpc.Get(s.url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET /: got %d, want 200", resp.StatusCode)
		}
	})

	t.Run("per-IP limit", func(t *testing.T) {
		var held []*client.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for i := range 5 {
			c, err := dial(client.Options{Token: token})
			if err != nil {
				t.Fatalf("connection %d of 5: %v", i+1, err)
			}
			held = append(held, c)
		}
		_, err := dial(client.Options{Token: token})
		var se *client.StatusError
		if !errors.As(err, &se) || se.Code != http.StatusTooManyRequests {
			t.Fatalf("6th connection: got %v, want HTTP 429", err)
		}
		// Refusals and closes free their slots.
		for range 20 {
			_, _ = dial(client.Options{Token: token})
		}
		held[0].Close()
		held = held[1:]
		wait.For(t, 10*time.Second, "a slot freed by a close", func() bool {
			c, err := dial(client.Options{Token: token})
			if err != nil {
				return false
			}
			held = append(held, c)
			return true
		})
	})
}
