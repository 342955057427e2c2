package cli

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tailcast/tailcast/internal/wait"
)

// selfSigned writes a self-signed certificate for 127.0.0.1 and its key to
// dir and returns their paths.
func selfSigned(t *testing.T, dir, name string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// tailRun is a `tailcast tail` running in-process with its own stdout and
// stderr.
type tailRun struct {
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	done           chan struct{}
	err            error
}

func startTail(t *testing.T, args ...string) *tailRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	r := &tailRun{stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.err = Run(ctx, append([]string{"tail"}, args...), Env{Stdout: r.stdout, Stderr: r.stderr, Getenv: func(string) string { return "" }})
	}()
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	return r
}

// wait returns the command's error once it has ended by itself.
func (r *tailRun) wait(t *testing.T) error {
	t.Helper()
	select {
	case <-r.done:
		return r.err
	case <-time.After(waitFor):
		t.Fatal("tail did not end")
		return nil
	}
}

// Against a server with a self-signed certificate, tail refuses by
// default, connects with --ca naming that certificate, and with --insecure
// after a warning.
func TestTailOverTLS(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	cert, key := selfSigned(t, dir, "server")
	otherCA, _ := selfSigned(t, dir, "other")
	srv := start(t, true, runArgs(dir, "--tls-cert", cert, "--tls-key", key)...)
	if !strings.HasPrefix(srv.url, "https://") {
		t.Fatalf("server URL %q, want https", srv.url)
	}
	appendLines(t, filepath.Join(logs, "api.log"), `{"level":"info","msg":"over tls one"}`, `{"level":"info","msg":"over tls two"}`)
	wss := "wss://" + strings.TrimPrefix(srv.url, "https://")

	tests := []struct {
		name    string
		args    []string
		refused bool
		warns   bool
	}{
		{"system roots refuse it", []string{srv.url}, true, false},
		{"ca that did not sign it", []string{srv.url, "--ca", otherCA}, true, false},
		{"ca", []string{srv.url, "--ca", cert}, false, false},
		{"ca with wss and a token: no plain-text warning", []string{wss, "--ca", cert, "--auth-token", "s3cret"}, false, false},
		{"insecure", []string{srv.url, "--insecure"}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := startTail(t, append(tt.args, "-o", "raw", "--backfill", "2")...)
			if tt.refused {
				err := r.wait(t)
				if err == nil || !strings.Contains(err.Error(), "certificate") {
					t.Fatalf("got %v, want a certificate error", err)
				}
				return
			}
			wait.For(t, waitFor, "both lines over TLS", func() bool {
				out := r.stdout.String()
				// -o raw prints the lines as written.
				return strings.Contains(out, `{"level":"info","msg":"over tls one"}`+"\n") && strings.Contains(out, `{"level":"info","msg":"over tls two"}`+"\n")
			})
			warned := strings.Contains(r.stderr.String(), "warning: --insecure")
			if strings.Count(r.stderr.String(), "warning") != strings.Count(r.stderr.String(), "warning: --insecure") {
				t.Errorf("stderr %q: an unexpected warning", r.stderr.String())
			}
			if warned != tt.warns {
				t.Errorf("stderr %q: got warning %v, want %v", r.stderr.String(), warned, tt.warns)
			}
		})
	}
	srv.stop(t)
}

// A token sent over plain ws:// to another host is warned about; over TLS
// or to loopback it is not.
func TestPlainTokenHost(t *testing.T) {
	tests := []struct {
		url, token, want string
	}{
		{"http://logs.example.com:8080", "s3cret", "logs.example.com"},
		{"ws://10.0.0.7:8080/ws", "s3cret", "10.0.0.7"},
		{"logs.example.com:8080", "s3cret", "logs.example.com"},
		{"http://[2001:db8::1]:8080", "s3cret", "2001:db8::1"},
		{"https://logs.example.com", "s3cret", ""},
		{"wss://logs.example.com/ws", "s3cret", ""},
		{"http://127.0.0.1:8080", "s3cret", ""},
		{"http://127.3.4.5:8080", "s3cret", ""},
		{"http://[::1]:8080", "s3cret", ""},
		{"http://localhost:8080", "s3cret", ""},
		{"http://logs.example.com:8080", "", ""},
		{"ftp://x", "s3cret", ""},
	}
	for _, tt := range tests {
		if got := plainTokenHost(tt.url, tt.token); got != tt.want {
			t.Errorf("plainTokenHost(%q, %q): got %q, want %q", tt.url, tt.token, got, tt.want)
		}
	}
}

// The warning reaches the user before tail connects. 192.0.2.1
// (TEST-NET-1) never answers, so tail is still dialling when it is checked;
// 127.0.0.1:1 refuses at once, so tail has ended and said all it would.
// TestPlainTokenHost has the other cases.
func TestTailWarnsAboutPlainToken(t *testing.T) {
	t.Run("token over ws to another host", func(t *testing.T) {
		r := startTail(t, "ws://192.0.2.1:8080", "--auth-token", "s3cret")
		wait.For(t, waitFor, "the warning", func() bool {
			return strings.Contains(r.stderr.String(), "warning: sending the token to 192.0.2.1 over unencrypted ws://")
		})
	})
	t.Run("token over ws to loopback", func(t *testing.T) {
		r := startTail(t, "ws://127.0.0.1:1", "--auth-token", "s3cret")
		if err := r.wait(t); err == nil {
			t.Fatal("got nil, want an unreachable error")
		}
		if s := r.stderr.String(); strings.Contains(s, "warning") {
			t.Errorf("stderr %q: got a warning, want none", s)
		}
	})
}

func TestTailCommandPrintsEntries(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	srv := start(t, true, runArgs(dir)...)
	appendLines(t, filepath.Join(logs, "api.log"),
		`{"level":"info","msg":"first"}`, `{"level":"error","msg":"second"}`)

	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"-o", "raw", "--backfill", "2"}, []string{`{"level":"info","msg":"first"}` + "\n", `{"level":"error","msg":"second"}` + "\n"}},
		{[]string{"-o", "json", "--backfill", "2", "--level", "error"}, []string{`"msg":"second"`}},
		{[]string{"--backfill", "2", "--no-color"}, []string{"INFO", "api", "first", "ERROR", "second"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			tail := start(t, false, append([]string{"tail", srv.url}, tt.args...)...)
			wait.For(t, waitFor, fmt.Sprintf("tail output to contain %q", tt.want), func() bool {
				out := tail.out.String()
				for _, w := range tt.want {
					if !strings.Contains(out, w) {
						return false
					}
				}
				return true
			})
			if out := tail.out.String(); strings.Contains(out, "\x1b[") {
				t.Errorf("colour codes in non-TTY output: %q", out)
			}
			tail.stop(t)
		})
	}

	t.Run("unreachable server", func(t *testing.T) {
		err := Run(context.Background(), []string{"tail", "http://127.0.0.1:1"}, Env{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Getenv: func(string) string { return "" }})
		if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
			t.Errorf("got %v, want an error naming the server", err)
		}
	})
	srv.stop(t)
}
