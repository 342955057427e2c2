package kafkaconf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

func cluster(t *testing.T, opts ...kfake.Opt) string {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1), kfake.SeedTopics(2, "logs")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()[0]
}

// Each mechanism authenticates against a real broker that requires it, and
// a wrong password is refused.
func TestSASL(t *testing.T) {
	for _, mech := range []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"} {
		t.Run(mech, func(t *testing.T) {
			addr := cluster(t, kfake.EnableSASL(), kfake.Superuser(mech, "alice", "s3cret"))
			for _, tt := range []struct {
				pass string
				ok   bool
			}{{"s3cret", true}, {"wrong", false}} {
				sc, err := Config{Brokers: []string{addr}, SASL: SASL{Mechanism: mech, User: "alice", Password: tt.pass}}.Sarama()
				if err != nil {
					t.Fatal(err)
				}
				sc.Metadata.Retry.Max = 0
				n, err := EnsureTopic(sc, []string{addr}, "logs", 0, false)
				if tt.ok && (err != nil || n != 2) {
					t.Errorf("password %q: got %d partitions, %v; want 2, nil", tt.pass, n, err)
				}
				if !tt.ok && err == nil {
					t.Errorf("password %q: got nil error, want refusal", tt.pass)
				}
			}
		})
	}
}

func TestTLS(t *testing.T) {
	dir := t.TempDir()
	caFile, serverCert := selfSigned(t, dir)
	addr := cluster(t, kfake.TLS(&tls.Config{Certificates: []tls.Certificate{serverCert}, MinVersion: tls.VersionTLS12}))

	tests := []struct {
		name string
		tls  TLS
		ok   bool
	}{
		{"verified by ca", TLS{CAFile: caFile}, true},
		{"insecure", TLS{Enable: true, InsecureSkipVerify: true}, true},
		{"unknown authority", TLS{Enable: true}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := Config{Brokers: []string{addr}, TLS: tt.tls, DialTimeout: 2 * time.Second}.Sarama()
			if err != nil {
				t.Fatal(err)
			}
			sc.Metadata.Retry.Max = 0
			_, err = EnsureTopic(sc, []string{addr}, "logs", 0, false)
			if (err == nil) != tt.ok {
				t.Errorf("got %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestEnsureTopic(t *testing.T) {
	addr := cluster(t)
	sc, err := Config{Brokers: []string{addr}}.Sarama()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := EnsureTopic(sc, []string{addr}, "missing", 4, false); !errors.Is(err, ErrTopicMissing) {
		t.Errorf("missing topic without create: got %v, want ErrTopicMissing", err)
	}
	n, err := EnsureTopic(sc, []string{addr}, "created", 4, true)
	if err != nil || n != 4 {
		t.Fatalf("create: got %d, %v; want 4, nil", n, err)
	}
	// An existing topic keeps its own partition count.
	n, err = EnsureTopic(sc, []string{addr}, "created", 9, true)
	if err != nil || n != 4 {
		t.Errorf("existing: got %d, %v; want 4, nil", n, err)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no brokers", Config{}, "no kafka brokers"},
		{"bad mechanism", Config{Brokers: []string{"k:1"}, SASL: SASL{Mechanism: "GSSAPI", User: "u"}}, `sasl mechanism "GSSAPI"`},
		{"no user", Config{Brokers: []string{"k:1"}, SASL: SASL{Mechanism: "PLAIN"}}, "user is required"},
		{"bad version", Config{Brokers: []string{"k:1"}, Version: "banana"}, `kafka version "banana"`},
		{"missing ca", Config{Brokers: []string{"k:1"}, TLS: TLS{CAFile: "/nonexistent/ca.pem"}}, "read kafka ca"},
		{"cert without key", Config{Brokers: []string{"k:1"}, TLS: TLS{CertFile: "c.pem"}}, "cert and key must be given together"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.cfg.Sarama()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// selfSigned writes a CA-signed certificate for 127.0.0.1 and returns the CA
// file and the server certificate.
func selfSigned(t *testing.T, dir string) (string, tls.Certificate) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tailcast test ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return caFile, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
