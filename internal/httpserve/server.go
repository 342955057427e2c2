package httpserve

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"

	"go.uber.org/zap"
)

// Server is an http.Server behind the connection cap and the Host check,
// serving TLS with a reloading certificate when configured.
type Server struct {
	cfg      Config
	srv      *http.Server
	ln       *limitListener
	certs    *CertReloader // nil for plain HTTP
	m        *metrics
	fdLimit  uint64
	reserve  int
	maxConns int

	ctx    context.Context // ends at Shutdown or Close; bounds the cert watch
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New validates cfg, fills its defaults and listens. It does not serve
// yet: Serve does.
func New(cfg Config) (*Server, error) {
	cfg.setDefaults()
	if cfg.Handler == nil {
		return nil, ErrNoHandler
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return nil, fmt.Errorf("%s server: %w", cfg.Name, ErrTLSPair)
	}
	log := cfg.Logger.With(zap.String("listener", cfg.Name))
	m, err := newMetrics(cfg.Registerer, cfg.Name)
	if err != nil {
		return nil, err
	}
	limit, err := fdLimit()
	if err != nil {
		return nil, err
	}
	maxConns, reserve, err := connCap(limit, cfg.FDReserve, cfg.MaxConns)
	if err != nil {
		return nil, fmt.Errorf("%s server: %w", cfg.Name, err)
	}
	if cfg.MaxConns > maxConns {
		log.Warn("max connections lowered to fit the file descriptor limit",
			zap.Int("asked", cfg.MaxConns), zap.Int("max_conns", maxConns),
			zap.Uint64("fd_limit", limit), zap.Int("fd_reserve", reserve))
	}
	m.maxConns.Set(float64(maxConns))
	var certs *CertReloader
	if cfg.TLSCert != "" {
		if certs, err = newCertReloader(cfg.TLSCert, cfg.TLSKey, log, m); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg: cfg, certs: certs, m: m, fdLimit: limit, reserve: reserve, maxConns: maxConns,
		ln:  newLimitListener(ln, maxConns, certs == nil, m, log),
		ctx: ctx, cancel: cancel,
	}
	hosts := newHostCheck(cfg.Listen, cfg.AllowedHosts)
	s.srv = &http.Server{
		Handler:           hosts.wrap(cfg.Handler, m, log),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		ErrorLog:          zap.NewStdLog(log.Named("http")),
	}
	if certs != nil {
		s.srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: certs.GetCertificate}
	}
	log.Info("http listener", zap.String("addr", ln.Addr().String()), zap.Bool("tls", certs != nil),
		zap.Int("max_conns", maxConns), zap.Uint64("fd_limit", limit), zap.Int("fd_reserve", reserve))
	return s, nil
}

// Serve serves until Shutdown or Close, then returns nil; any other
// failure is returned.
func (s *Server) Serve() error {
	if s.certs != nil {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.certs.Watch(s.ctx, s.cfg.CertCheck)
		}()
	}
	var err error
	if s.certs != nil {
		err = s.srv.ServeTLS(s.ln, "", "")
	} else {
		err = s.srv.Serve(s.ln)
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return fmt.Errorf("%s server: %w", s.cfg.Name, err)
}

// Shutdown stops accepting, waits for requests in flight until ctx ends,
// and stops the certificate watch. Hijacked connections (websockets) are
// their handler's to close. Safe to call more than once.
func (s *Server) Shutdown(ctx context.Context) error {
	s.cancel()
	err := s.srv.Shutdown(ctx)
	_ = s.ln.Close() // when Serve never ran
	s.wg.Wait()
	return err
}

// Close closes the listener and every connection at once.
func (s *Server) Close() error {
	s.cancel()
	err := s.srv.Close()
	_ = s.ln.Close()
	s.wg.Wait()
	return err
}

// ReloadCert reads the TLS certificate files again (for SIGHUP); the
// previous certificate stays on error. Without TLS it does nothing.
func (s *Server) ReloadCert() error {
	if s.certs == nil {
		return nil
	}
	return s.certs.Reload()
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// URL is the server's base URL, with a wildcard host replaced by
// 127.0.0.1 so a browser can open it.
func (s *Server) URL() string {
	scheme := "http"
	if s.certs != nil {
		scheme = "https"
	}
	return scheme + "://" + displayAddr(s.ln.Addr()) + "/"
}

// TLS reports whether the server serves HTTPS.
func (s *Server) TLS() bool { return s.certs != nil }

// Limits are the connection cap and what it was derived from.
type Limits struct {
	FDLimit   uint64 // RLIMIT_NOFILE (soft) when New ran
	FDReserve int    // descriptors kept for everything else
	MaxConns  int    // the cap
}

// Limits reports the cap in force.
func (s *Server) Limits() Limits {
	return Limits{FDLimit: s.fdLimit, FDReserve: s.reserve, MaxConns: s.maxConns}
}

// Conns is the number of connections open now.
func (s *Server) Conns() int { return int(s.ln.open.Load()) }

// displayAddr turns a wildcard listen address into one a browser can open.
func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
