package httpserve

import (
	"context"
	"crypto/tls"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/tailcast/tailcast/internal/wait"
)

// servedSerial does a real TLS handshake and returns the serial of the
// certificate the server presented.
func servedSerial(t *testing.T, addr string) int64 {
	t.Helper()
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // the test reads the served certificate
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
}

// Swapping the files changes the served certificate without a restart; a
// bad new pair keeps the old one in service.
func TestCertReloadOnFileChange(t *testing.T) {
	certFile, keyFile := certPaths(t)
	writeCert(t, certFile, keyFile, 1)
	s := start(t, Config{TLSCert: certFile, TLSKey: keyFile, CertCheck: 20 * time.Millisecond})
	addr := s.Addr().String()
	if got := servedSerial(t, addr); got != 1 {
		t.Fatalf("served serial: got %d, want 1", got)
	}
	writeCert(t, certFile, keyFile, 2)
	wait.For(t, 10*time.Second, "the new certificate served", func() bool { return servedSerial(t, addr) == 2 })

	if err := os.WriteFile(certFile, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.ReloadCert(); err == nil {
		t.Fatal("reload of a bad certificate: got no error, want one")
	}
	if got := servedSerial(t, addr); got != 2 {
		t.Errorf("after a bad certificate: served serial %d, want 2 kept", got)
	}
	if got := counter(t, s.m.reloads.WithLabelValues("error")); got < 1 {
		t.Errorf("reloads{error}: got %v, want at least 1", got)
	}
}

// SIGHUP reloads the certificate and does not end the process.
func TestCertReloadOnSIGHUP(t *testing.T) {
	certFile, keyFile := certPaths(t)
	writeCert(t, certFile, keyFile, 1)
	// CertCheck is long so that only the signal can reload.
	s := start(t, Config{TLSCert: certFile, TLSKey: keyFile, CertCheck: time.Hour})
	addr := s.Addr().String()
	reloads := make(chan error, 4)
	stop := OnSIGHUP(context.Background(), func() { reloads <- s.ReloadCert() })
	defer stop()
	writeCert(t, certFile, keyFile, 3)
	if got := servedSerial(t, addr); got != 1 {
		t.Fatalf("before SIGHUP: served serial %d, want 1", got)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-reloads:
		if err != nil {
			t.Fatalf("reload on SIGHUP: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no reload within 10s of SIGHUP")
	}
	if got := servedSerial(t, addr); got != 3 {
		t.Errorf("after SIGHUP: served serial %d, want 3", got)
	}
}

func TestNewCertReloaderErrors(t *testing.T) {
	certFile, keyFile := certPaths(t)
	if _, err := NewCertReloader(certFile, keyFile, nil); err == nil {
		t.Error("missing files: got no error, want one")
	}
	if _, err := NewCertReloader(certFile, "", nil); err == nil {
		t.Error("no key: got no error, want one")
	}
	writeCert(t, certFile, keyFile, 7)
	r, err := NewCertReloader(certFile, keyFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Current().Leaf.SerialNumber.Int64(); got != 7 {
		t.Errorf("serial: got %d, want 7", got)
	}
}
