package broker

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tailcast/tailcast/internal/kafkaconf"
)

// writeCert writes a self-signed certificate for 127.0.0.1 and its key,
// and returns their paths; the certificate is its own CA.
func writeCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "tailcast test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "broker.crt"), filepath.Join(dir, "broker.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// With SASL on, tailcast's own account (Kafka()) produces and consumes, a
// wrong password and no authentication are turned away; admin requests stay
// refused even to that account.
func TestSASL(t *testing.T) {
	for _, mech := range []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"} {
		t.Run(mech, func(t *testing.T) {
			b := startBroker(t, Config{Topic: "logs", Partitions: 1,
				SASL: kafkaconf.SASL{Mechanism: mech, User: "tailcast", Password: "s3cret"}})
			if err := roundTrip(t, b.Kafka(), "logs", "authenticated"); err != nil {
				t.Fatalf("own account: got %v, want produce and consume to work", err)
			}
			wrong := b.Kafka()
			wrong.SASL.Password = "guess"
			if err := roundTrip(t, wrong, "logs", "forged"); err == nil {
				t.Error("wrong password: got no error, want authentication to fail")
			}
			anon := kafkaconf.Config{Brokers: []string{b.Addr()}}
			if err := roundTrip(t, anon, "logs", "forged"); err == nil {
				t.Error("no SASL: got no error, want the connection refused")
			}
		})
	}
}

func TestTLS(t *testing.T) {
	cert, key := writeCert(t, t.TempDir())
	b := startBroker(t, Config{Topic: "logs", Partitions: 1,
		TLS:  kafkaconf.TLS{CertFile: cert, KeyFile: key, CAFile: cert},
		SASL: kafkaconf.SASL{Mechanism: "SCRAM-SHA-512", User: "tailcast", Password: "s3cret"}})
	kc := b.Kafka()
	if !kc.TLS.Enable || kc.TLS.CAFile != cert {
		t.Fatalf("Kafka().TLS: got %+v, want enabled with CA %s", kc.TLS, cert)
	}
	if err := roundTrip(t, kc, "logs", "over tls"); err != nil {
		t.Fatalf("tls client verified with the CA: %v", err)
	}
	plain := kc
	plain.TLS = kafkaconf.TLS{}
	if err := roundTrip(t, plain, "logs", "plaintext"); err == nil {
		t.Error("plaintext client: got no error, want it turned away")
	}
}

func TestSecurityConfigErrors(t *testing.T) {
	cert, key := writeCert(t, t.TempDir())
	tests := []struct {
		name string
		cfg  Config
		want error
	}{
		{"sasl without password", Config{SASL: kafkaconf.SASL{Mechanism: "PLAIN", User: "u"}}, ErrSASLCredentials},
		{"sasl without user", Config{SASL: kafkaconf.SASL{Mechanism: "SCRAM-SHA-256", Password: "p"}}, ErrSASLCredentials},
		{"cert without key", Config{TLS: kafkaconf.TLS{CertFile: cert}}, ErrTLSPair},
		{"key without cert", Config{TLS: kafkaconf.TLS{KeyFile: key}}, ErrTLSPair},
		{"tls enabled without certificate", Config{TLS: kafkaconf.TLS{Enable: true}}, ErrTLSPair},
		{"unknown mechanism", Config{SASL: kafkaconf.SASL{Mechanism: "GSSAPI", User: "u", Password: "p"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Listen = "127.0.0.1:0"
			b, err := Start(tt.cfg)
			if err == nil {
				b.Close()
				t.Fatal("got no error, want one")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}
