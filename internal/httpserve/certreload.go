package httpserve

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// CertReloader serves a certificate from files and reads them again when
// they change or when Reload is called, without a restart. A pair that does
// not load (half written, mismatched, expired parse) keeps the previous
// certificate in service and is logged.
type CertReloader struct {
	certFile, keyFile string
	log               *zap.Logger
	m                 *metrics

	cert atomic.Pointer[tls.Certificate]
	mu   sync.Mutex // serialises Reload and guards seen
	seen [2]fileStamp
}

// fileStamp identifies a file's content cheaply; os.Stat follows the
// symlinks Kubernetes swaps when it updates a mounted secret.
type fileStamp struct {
	mod  time.Time
	size int64
}

func stamp(path string) fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{fi.ModTime(), fi.Size()}
}

// NewCertReloader loads the pair once; it fails when the first load does.
func NewCertReloader(certFile, keyFile string, log *zap.Logger) (*CertReloader, error) {
	m, _ := newMetrics(nil, "")
	return newCertReloader(certFile, keyFile, log, m)
}

func newCertReloader(certFile, keyFile string, log *zap.Logger, m *metrics) (*CertReloader, error) {
	if (certFile == "") != (keyFile == "") || certFile == "" {
		return nil, ErrTLSPair
	}
	if log == nil {
		log = zap.NewNop()
	}
	r := &CertReloader{certFile: certFile, keyFile: keyFile, log: log, m: m}
	if err := r.Reload(); err != nil {
		return nil, err
	}
	return r, nil
}

// Reload reads the files again. On error the previous certificate stays.
func (r *CertReloader) Reload() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reloadLocked()
}

func (r *CertReloader) reloadLocked() error {
	r.seen = [2]fileStamp{stamp(r.certFile), stamp(r.keyFile)}
	cert, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err == nil && cert.Leaf == nil && len(cert.Certificate) > 0 {
		cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0])
	}
	if err != nil {
		r.m.reloads.WithLabelValues("error").Inc()
		err = fmt.Errorf("load tls certificate %s: %w", r.certFile, err)
		if r.cert.Load() != nil {
			r.log.Error("tls certificate reload failed; still serving the previous one", zap.Error(err))
		}
		return err
	}
	prev := r.cert.Swap(&cert)
	r.m.reloads.WithLabelValues("ok").Inc()
	r.m.certNotAfter.Set(float64(cert.Leaf.NotAfter.Unix()))
	if prev != nil {
		r.log.Info("tls certificate reloaded", zap.String("file", r.certFile),
			zap.String("subject", cert.Leaf.Subject.String()), zap.Time("not_after", cert.Leaf.NotAfter))
	}
	return nil
}

// GetCertificate is for tls.Config.GetCertificate.
func (r *CertReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return r.cert.Load(), nil
}

// Current is the certificate being served.
func (r *CertReloader) Current() *tls.Certificate { return r.cert.Load() }

// changed reloads when either file's stamp moved since the last attempt.
func (r *CertReloader) changed() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if [2]fileStamp{stamp(r.certFile), stamp(r.keyFile)} == r.seen {
		return
	}
	_ = r.reloadLocked() // logged
}

// Watch checks the files every interval until ctx ends.
func (r *CertReloader) Watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.changed()
		}
	}
}
