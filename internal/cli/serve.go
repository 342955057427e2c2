package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"

	"github.com/tailcast/tailcast/consumer"
	"github.com/tailcast/tailcast/internal/config"
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
	listen        string
	tlsCert       string
	tlsKey        string
	shutdownGrace time.Duration
}

func (c *serverSettings) bind(s *config.Set) {
	c.push, _ = (pusher.Config{}).WithDefaults() // the zero Config is valid
	c.push.Version = Version
	c.cons = (consumer.Config{}).WithDefaults()
	c.cons.Group = "" // derived per replica: see groupFor
	c.listen = "127.0.0.1:8080"
	c.shutdownGrace = 10 * time.Second

	s.Bind(&c.listen, "listen", "address of the viewer, /ws, /healthz, /readyz and /metrics")
	s.Bind(&c.tlsCert, "tls-cert", "serve HTTPS/WSS with this certificate file")
	s.Bind(&c.tlsKey, "tls-key", "key file for tls-cert")
	s.Bind(&c.push.Token, "token", "require this access token from viewers and websocket clients (default: none, no authentication)")
	s.Bind(&c.push.AllowedOrigins, "allowed-origins", "browser origins allowed to connect besides the server's own, comma-separated; * for any")
	s.Bind(&c.push.MaxConnsPerIP, "max-conns-per-ip", "websocket connections allowed from one address (negative: unlimited)")
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
	if _, _, err := net.SplitHostPort(c.listen); err != nil {
		bad("listen %q: %v", c.listen, err)
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
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

func (f *fetcher) Fetch(ctx context.Context, p int32, from, to int64, fn func(int64, *logpb.LogEntry) error) (int64, error) {
	return f.c.Fetch(ctx, p, from, to, fn)
}

// server is the consuming half: consumer, pusher and the HTTP endpoints.
type server struct {
	cons    *consumer.Consumer
	push    *pusher.Server
	http    *http.Server
	ln      net.Listener
	url     string
	log     *zap.Logger
	tlsCert string
	tlsKey  string
	grace   time.Duration
	// served is closed when the HTTP serve loop has returned.
	served chan struct{}
}

// newServer listens and builds the server. Until start succeeds, close
// releases what it holds.
func newServer(c *serverSettings, k *kafkaSettings, topic string, log *zap.Logger, reg *prometheus.Registry) (*server, error) {
	// Listen first: the default consumer group is named after the address.
	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", c.listen, err)
	}
	f := &fetcher{}
	push, err := pusher.New(c.pusherConfig(f, log, reg))
	if err != nil {
		ln.Close()
		return nil, err
	}
	ccfg := c.consumerConfig(k, topic, ln.Addr(), push, log, reg)
	cons, err := consumer.New(ccfg)
	if err != nil {
		push.Close()
		ln.Close()
		return nil, err
	}
	f.c = cons
	log.Info("consumer group", zap.String("group", ccfg.Group), zap.String("instance", ccfg.InstanceID))

	mux := http.NewServeMux()
	mux.Handle("/ws", push)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !cons.Ready() {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "not ready: not consuming every partition yet")
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.Handle("/", web.Handler())

	s := &server{
		cons: cons, push: push, ln: ln, log: log,
		tlsCert: c.tlsCert, tlsKey: c.tlsKey, grace: c.shutdownGrace,
		http: &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          zap.NewStdLog(log.Named("http")),
		},
	}
	scheme := "http"
	if s.tlsCert != "" {
		scheme = "https"
	}
	s.url = fmt.Sprintf("%s://%s/", scheme, displayAddr(ln.Addr()))
	return s, nil
}

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

func (s *server) start(ctx context.Context, errc chan<- error) error {
	if err := s.cons.Start(ctx); err != nil {
		return fmt.Errorf("start consumer: %w", err)
	}
	s.served = make(chan struct{})
	go func() {
		defer close(s.served)
		var err error
		if s.tlsCert != "" {
			err = s.http.ServeTLS(s.ln, s.tlsCert, s.tlsKey)
		} else {
			err = s.http.Serve(s.ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("http server: %w", err)
		}
	}()
	return nil
}

// close closes clients with 1001 so they resume elsewhere, stops serving,
// closes the listener (also when start never ran or failed) and commits
// the consumer's offsets.
func (s *server) close() {
	ctx, cancel := context.WithTimeout(context.Background(), s.grace)
	defer cancel()
	if err := s.push.Close(); err != nil {
		s.log.Warn("close pusher", zap.Error(err))
	}
	if err := s.http.Shutdown(ctx); err != nil {
		s.log.Warn("http shutdown", zap.Error(err))
	}
	if s.served != nil {
		<-s.served
	}
	// Shutdown closes only the listeners Serve was given; one that never
	// got there is closed here.
	if err := s.ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		s.log.Warn("close listener", zap.Error(err))
	}
	if err := s.cons.Close(); err != nil {
		s.log.Warn("close consumer", zap.Error(err))
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
	errc := make(chan error, 1)
	if err := srv.start(ctx, errc); err != nil {
		srv.close()
		return err
	}
	return srv.wait(ctx, env, errc, nil)
}
