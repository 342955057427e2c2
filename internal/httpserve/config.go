package httpserve

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// Config configures a Server.
type Config struct {
	// Name labels the server's metrics and logs ("http", "metrics").
	// Default "http".
	Name string
	// Listen is the TCP address to accept connections on. Default
	// "127.0.0.1:8080"; port 0 picks a free port.
	Listen string
	// Handler serves the requests. Required. New wraps it in the Host
	// check.
	Handler http.Handler
	// TLSCert and TLSKey, when set, serve HTTPS with a certificate that is
	// reloaded when the files change (checked every CertCheck) and on
	// Server.ReloadCert. Default "": plain HTTP.
	TLSCert string
	TLSKey  string
	// CertCheck is how often the certificate files are checked for a
	// change. Default 10s.
	CertCheck time.Duration

	// ReadHeaderTimeout bounds reading a request's headers. Default 10s.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request. It does not reach a
	// websocket: net/http clears a connection's deadlines when a handler
	// hijacks it, and the pusher keeps its own. Default 30s.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing a response; like ReadTimeout it ends at
	// the upgrade. Default 30s.
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that has waited this long
	// for its next request. Default 30s.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds a request's line and headers, URL included;
	// a larger request gets 431. Default 64 KiB.
	MaxHeaderBytes int

	// MaxConns caps the connections open at once, websockets included;
	// one more is answered 503 (over TLS: closed) and counted. Default 0:
	// the process's file descriptor limit (RLIMIT_NOFILE) minus FDReserve;
	// a larger value is lowered to that.
	MaxConns int
	// FDReserve is how many file descriptors are kept out of MaxConns for
	// everything else the process opens: tailed files, the broker's
	// segments, Kafka connections. Default min(1024, limit/2).
	FDReserve int

	// AllowedHosts are the Host header values accepted besides IP
	// literals, "localhost", names under ".localhost" and the listen
	// address's own host: a name ("logs.example.com"), a suffix
	// (".example.com" or "*.example.com"), or "*" to accept any Host.
	// Other hosts get 421. Default nil: only those always accepted.
	AllowedHosts []string

	// Logger receives refusals and certificate reloads. Default nil: no
	// logging.
	Logger *zap.Logger
	// Registerer registers the metrics, labelled listener=Name. Default
	// nil: metrics are kept but not registered.
	Registerer prometheus.Registerer
}

const (
	defaultName           = "http"
	defaultListen         = "127.0.0.1:8080"
	defaultCertCheck      = 10 * time.Second
	defaultReadHeader     = 10 * time.Second
	defaultRead           = 30 * time.Second
	defaultWrite          = 30 * time.Second
	defaultIdle           = 30 * time.Second
	defaultFDReserve      = 1024
	defaultMaxHeaderBytes = 64 << 10
	maxRefusing           = 64                     // refusals being written at once; more are just closed
	refuseReadDeadline    = 200 * time.Millisecond // how long a refusal waits for the request it answers
)

func (c *Config) setDefaults() {
	if c.Name == "" {
		c.Name = defaultName
	}
	if c.Listen == "" {
		c.Listen = defaultListen
	}
	if c.CertCheck <= 0 {
		c.CertCheck = defaultCertCheck
	}
	if c.ReadHeaderTimeout <= 0 {
		c.ReadHeaderTimeout = defaultReadHeader
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = defaultRead
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = defaultWrite
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = defaultIdle
	}
	if c.MaxHeaderBytes <= 0 {
		c.MaxHeaderBytes = defaultMaxHeaderBytes
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
}

// WithDefaults returns c with its zero fields set to their defaults, as New
// would run it: the command line shows these as the flags' defaults.
// MaxConns and FDReserve stay 0: they depend on the process's limit.
func (c Config) WithDefaults() Config {
	c.setDefaults()
	return c
}
