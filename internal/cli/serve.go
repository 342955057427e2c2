package cli

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"

	"github.com/tailcast/tailcast/consumer"
	"github.com/tailcast/tailcast/internal/config"
	"github.com/tailcast/tailcast/internal/httpserve"
	"github.com/tailcast/tailcast/proto/logpb"
	"github.com/tailcast/tailcast/pusher"
	"github.com/tailcast/tailcast/web"
)

// serverSettings are the flags of the consuming half, shared by run and
// serve.
type serverSettings struct {
	// push and cons are the component Configs the flags set; Fetcher, Sink,
	// Kafka, Logger and Registerer are filled in when the server is built.
	push          pusher.Config
	cons          consumer.Config
	front         httpserve.Config // Listen, TLSCert, TLSKey, the limits and Host allow-list
	metricsListen string
	shutdownGrace time.Duration
}

func (c *serverSettings) bind(s *config.Set) {
	c.push, _ = (pusher.Config{}).WithDefaults() // the zero Config is valid
	c.push.Version = Version
	c.cons = (consumer.Config{}).WithDefaults()
	c.cons.Group = "" // derived per replica: see groupFor
	c.front = (httpserve.Config{}).WithDefaults()
	c.shutdownGrace = 10 * time.Second

	s.Bind(&c.front.Listen, "listen", "address of the viewer, /ws, /healthz, /readyz and /metrics")
	s.Bind(&c.front.TLSCert, "tls-cert", "serve HTTPS/WSS with this certificate file, reloaded when it changes and on SIGHUP")
	s.Bind(&c.front.TLSKey, "tls-key", "key file for tls-cert")
	s.Bind(&c.push.Token, "token", "require this access token from viewers, websocket clients and /metrics (default: none, no authentication)")
	s.Bind(&c.front.AllowedHosts, "allowed-hosts", "Host header values accepted besides IP literals, localhost and the listen host, comma-separated: name, .suffix or * (DNS-rebinding guard)")
	s.Bind(&c.front.MaxConns, "max-conns", "HTTP connections open at once, websockets included; more get 503 (default: the file descriptor limit less fd-reserve)")
	s.Bind(&c.front.FDReserve, "fd-reserve", "file descriptors kept out of max-conns for tailed files, the broker and Kafka (default: min(1024, limit/2))")
	s.Bind(&c.front.IdleTimeout, "idle-timeout", "how long an idle keep-alive HTTP connection stays open")
	s.Bind(&c.metricsListen, "metrics-listen", "serve /metrics on this address instead of the main listener (default: on the main listener, behind --token when one is set)")
	s.Bind(&c.push.AllowedOrigins, "allowed-origins", "browser origins allowed to connect besides the server's own, comma-separated; * for any")
	s.Bind(&c.push.MaxConnsPerIP, "max-conns-per-ip", "websocket connections allowed from one address (negative: unlimited)")
	s.Bind(&c.push.FilterBudget, "filter-budget", "CPU time per second one client's regex filter may spend matching; past it the client is told, skipped, then closed (negative: no limit)")
	s.Bind(&c.push.HistoryQueries, "history-queries", "time-range and context queries scanning Kafka at once, per server; more get 429")
	s.Bind(&c.push.HistoryPerIP, "history-per-ip", "time-range and context queries at once from one address; more get 429")
	s.Bind(&c.push.HistoryMargin, "history-margin", "how far before from (and after to), by read time, a time-range scan reaches for entries whose own time differs from when they were read")
	s.Bind(&c.push.HistoryLiveShare, "history-live-share", "share of the CPUs that time-range scans together may keep busy while live entries are being delivered; past it they rest between their fetches, so that live viewers' latency does not suffer (negative: no pacing)")
	s.Bind(&c.push.PatternNew, "pattern-new", "how long after its first sighting a pattern's lines are flagged new; also the learning period after a start, when nothing is new (negative: never)")
	s.Bind(&c.push.PatternInterval, "pattern-interval", "how often pattern subscribers are sent the top patterns")
	s.Bind(&c.push.PatternsPerService, "patterns-per-service", "patterns mined per service; past it the least recently seen are evicted")
	s.Bind(&c.push.RingEntries, "ring-entries", "entries kept in memory per partition for backfill and resume")
	s.Bind(&c.push.RingBytes, "ring-bytes", "bytes kept in memory per partition for backfill and resume")
	s.Bind(&c.push.QueueBytes, "queue-bytes", "backlog a client may keep for a second without catching up before entries are skipped for it")
	s.Bind(&c.push.SlowTimeout, "slow-timeout", "how long a client may stay too slow before it is disconnected")
	s.Bind(&c.cons.Group, "group", "Kafka consumer group; replicas that share one split the partitions").
		DefaultText("`tailcast-<hostname>-<listen address>`, one group per replica")
	s.Bind(&c.cons.Warmup, "warmup", "records per partition read into memory at start, for backfill (negative: none)")
	s.Bind(&c.cons.FetchWait, "fetch-wait", "consumer's maximum fetch wait (latency versus requests)")
	s.Bind(&c.shutdownGrace, "shutdown-grace", "how long shutdown waits for in-flight work")
}

func (c *serverSettings) validate() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if _, _, err := net.SplitHostPort(c.front.Listen); err != nil {
		bad("listen %q: %v", c.front.Listen, err)
	}
	if c.metricsListen != "" {
		if _, _, err := net.SplitHostPort(c.metricsListen); err != nil {
			bad("metrics-listen %q: %v", c.metricsListen, err)
		}
	}
	if (c.front.TLSCert == "") != (c.front.TLSKey == "") {
		bad("tls-cert and tls-key: give both or neither")
	}
	if c.push.RingEntries < 1 || c.push.RingBytes < 1 || c.push.QueueBytes < 1 {
		bad("ring-entries, ring-bytes and queue-bytes must be positive")
	}
	return errs
}

// groupFor is the consumer group of a replica listening on addr. Each
// replica consumes every partition, so each needs a group of its own: the
// consumer's default (tailcast-<hostname>) alone made a second replica on
// the same host retry a static-membership rejection forever. The listen
// address tells replicas on one host apart and stays the same across a
// restart, which keeps the static member's quick takeover.
func (c *serverSettings) groupFor(addr net.Addr) (group, instance string) {
	if c.cons.Group != "" {
		return c.cons.Group, "" // shared on purpose: dynamic membership
	}
	host, _ := os.Hostname()
	return consumer.Config{}.WithDefaults().Group + "-" + addr.String(), host
}

// consumerConfig is the consumer.Config the program runs with.
func (c *serverSettings) consumerConfig(k *kafkaSettings, topic string, addr net.Addr, sink consumer.Sink, log *zap.Logger, reg prometheus.Registerer) consumer.Config {
	cfg := c.cons
	cfg.Kafka = k.kafka
	cfg.Topic = topic
	cfg.Group, cfg.InstanceID = c.groupFor(addr)
	cfg.Sink = sink
	cfg.Logger = log.Named("consumer")
	cfg.Registerer = reg
	return cfg
}

// pusherConfig is the pusher.Config the program runs with.
func (c *serverSettings) pusherConfig(f pusher.Fetcher, log *zap.Logger, reg prometheus.Registerer) pusher.Config {
	cfg := c.push
	cfg.Fetcher = f
	cfg.Logger = log.Named("pusher")
	cfg.Registerer = reg
	return cfg
}

func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// fetcher breaks the construction cycle: the pusher needs the consumer for
// resume and the consumer needs the pusher as its sink.
type fetcher struct{ c *consumer.Consumer }

var _ pusher.Scanner = (*fetcher)(nil)

func (f *fetcher) Fetch(ctx context.Context, p int32, from, to int64, fn func(int64, *logpb.LogEntry) error) (int64, error) {
	return f.c.Fetch(ctx, p, from, to, fn)
}

// Scan is range queries' read (pusher.Scanner).
func (f *fetcher) Scan(ctx context.Context, p int32, from, to int64, h pusher.ScanHooks, fn func(int64, *logpb.LogEntry, int) error) (int64, error) {
	return f.c.Scan(ctx, p, from, to, consumer.ScanOptions{Keep: h.Keep, Pace: h.Pace}, fn)
}

func (f *fetcher) OffsetForTime(ctx context.Context, p int32, t time.Time) (int64, int64, error) {
	return f.c.OffsetForTime(ctx, p, t)
}

// server is the consuming half: consumer, pusher and the HTTP endpoints.
type server struct {
	cons    *consumer.Consumer
	push    *pusher.Server
	front   *httpserve.Server
	metrics *httpserve.Server // nil: /metrics is on front
	url     string
	log     *zap.Logger
	grace   time.Duration
	// served is closed when the HTTP serve loops have returned.
	served chan struct{}
}

// newServer listens and builds the server. Until start succeeds, close
// releases what it holds.
func newServer(c *serverSettings, k *kafkaSettings, topic string, log *zap.Logger, reg *prometheus.Registry) (*server, error) {
	// Listen first: the default consumer group is named after the address.
	// The mux is filled in below, before anything is served.
	mux := http.NewServeMux()
	fcfg := c.front
	fcfg.Handler, fcfg.Logger, fcfg.Registerer = mux, log, reg
	front, err := httpserve.New(fcfg)
	if err != nil {
		return nil, err
	}
	if w := httpserve.OpenWarning(fcfg.Listen, c.push.Token); w != "" {
		log.Warn(w)
	}
	s := &server{front: front, url: front.URL(), log: log, grace: c.shutdownGrace}
	fail := func(err error) (*server, error) {
		s.close()
		return nil, err
	}
	f := &fetcher{}
	if s.push, err = pusher.New(c.pusherConfig(f, log, reg)); err != nil {
		return fail(err)
	}
	ccfg := c.consumerConfig(k, topic, front.Addr(), s.push, log, reg)
	if s.cons, err = consumer.New(ccfg); err != nil {
		return fail(err)
	}
	f.c = s.cons
	log.Info("consumer group", zap.String("group", ccfg.Group), zap.String("instance", ccfg.InstanceID))

	metrics := httpserve.RequireToken(c.push.Token, promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	if c.metricsListen != "" {
		mm := http.NewServeMux()
		mm.Handle("/metrics", metrics)
		if s.metrics, err = httpserve.New(httpserve.Config{
			Name: "metrics", Listen: c.metricsListen, Handler: mm, MaxConns: 64,
			AllowedHosts: fcfg.AllowedHosts, Logger: log, Registerer: reg,
		}); err != nil {
			return fail(err)
		}
	} else {
		mux.Handle("/metrics", metrics)
	}
	mux.Handle("/ws", s.push)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("/readyz", httpserve.ReadyHandler(s.cons.Readiness))
	mux.Handle("/", web.Handler())
	return s, nil
}

func (s *server) start(ctx context.Context, errc chan<- error) error {
	if err := s.cons.Start(ctx); err != nil {
		return fmt.Errorf("start consumer: %w", err)
	}
	s.served = make(chan struct{})
	var wg sync.WaitGroup
	for _, hs := range []*httpserve.Server{s.front, s.metrics} {
		if hs == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := hs.Serve(); err != nil {
				errc <- err
			}
		}()
	}
	go func() {
		wg.Wait()
		close(s.served)
	}()
	return nil
}

// reloadCert reads the TLS certificate again (SIGHUP); a bad one is
// logged and the old one kept.
func (s *server) reloadCert() { _ = s.front.ReloadCert() }

// close closes clients with 1001 so they resume elsewhere, stops serving,
// closes the listener (also when start never ran or failed) and commits
// the consumer's offsets.
func (s *server) close() {
	ctx, cancel := context.WithTimeout(context.Background(), s.grace)
	defer cancel()
	if s.push != nil {
		if err := s.push.Close(); err != nil {
			s.log.Warn("close pusher", zap.Error(err))
		}
	}
	for _, hs := range []*httpserve.Server{s.front, s.metrics} {
		if hs == nil {
			continue
		}
		// Shutdown also closes a listener that Serve never got.
		if err := hs.Shutdown(ctx); err != nil {
			s.log.Warn("http shutdown", zap.Error(err))
		}
	}
	if s.served != nil {
		<-s.served
	}
	if s.cons != nil {
		if err := s.cons.Close(); err != nil {
			s.log.Warn("close consumer", zap.Error(err))
		}
	}
}

// wait announces the viewer, serves until ctx is done or the HTTP server
// fails, then runs before (the collector's flush) and closes the server.
func (s *server) wait(ctx context.Context, env Env, errc <-chan error, before func()) error {
	fmt.Fprintf(env.Stdout, "tailcast: viewer at %s\n", s.url)
	if env.Ready != nil {
		env.Ready(s.url)
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	s.log.Info("shutting down")
	if before != nil {
		before()
	}
	s.close()
	return err
}

// serveCommand is `tailcast serve`: consumer, websocket server and viewer.
type serveCommand struct {
	log   logSettings
	kafka kafkaSettings
	srv   serverSettings
}

func newServeCommand() command { return &serveCommand{} }

func (c *serveCommand) usage() string {
	return "Usage: tailcast serve --brokers HOST:PORT[,...] [flags]\n\nConsumes the topic and streams it to viewers over websocket."
}

func (c *serveCommand) bind(s *config.Set) {
	c.log.bind(s)
	c.kafka.bind(s, "Kafka bootstrap brokers, host:port,…")
	c.srv.bind(s)
	s.Bind(&c.srv.cons.Topic, "topic", "Kafka topic")
}

func (c *serveCommand) args(pos []string) error { return noArgs("serve", pos) }

func (c *serveCommand) validate() error {
	errs := c.log.validate()
	errs = append(errs, c.kafka.validate("serve", true, c.srv.cons.Topic)...)
	errs = append(errs, c.srv.validate()...)
	return joinErrs(errs)
}

func (c *serveCommand) run(ctx context.Context, env Env) error {
	log, err := c.log.logger(env)
	if err != nil {
		return err
	}
	defer log.Sync() //nolint:errcheck // nothing to do about a failed log flush
	if err := c.kafka.ensureTopic(c.srv.cons.Topic); err != nil {
		return err
	}
	srv, err := newServer(&c.srv, &c.kafka, c.srv.cons.Topic, log, newRegistry())
	if err != nil {
		return err
	}
	errc := make(chan error, 2)
	if err := srv.start(ctx, errc); err != nil {
		srv.close()
		return err
	}
	defer httpserve.OnSIGHUP(ctx, srv.reloadCert)()
	return srv.wait(ctx, env, errc, nil)
}
