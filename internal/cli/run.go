package cli

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/tailcast/tailcast/collector"
	"github.com/tailcast/tailcast/consumer"
	"github.com/tailcast/tailcast/internal/broker"
	"github.com/tailcast/tailcast/internal/client"
	"github.com/tailcast/tailcast/internal/config"
	"github.com/tailcast/tailcast/internal/demo"
	"github.com/tailcast/tailcast/internal/kafkaconf"
	"github.com/tailcast/tailcast/proto/logpb"
	"github.com/tailcast/tailcast/pusher"
	"github.com/tailcast/tailcast/web"
)

func newLogger(cfg config.Config, env Env) (*zap.Logger, error) {
	var lvl zapcore.Level
	if err := lvl.Set(cfg.LogLevel); err != nil {
		return nil, fmt.Errorf("log level: %w", err)
	}
	enc := zap.NewProductionEncoderConfig()
	enc.EncodeTime = zapcore.ISO8601TimeEncoder
	var encoder zapcore.Encoder
	if cfg.LogFormat == "json" {
		encoder = zapcore.NewJSONEncoder(enc)
	} else {
		enc.EncodeLevel = zapcore.CapitalLevelEncoder
		encoder = zapcore.NewConsoleEncoder(enc)
	}
	core := zapcore.NewCore(encoder, zapcore.AddSync(env.Stderr), lvl)
	return zap.New(core), nil
}

func kafkaConfig(cfg config.Config) kafkaconf.Config {
	return kafkaconf.Config{
		Brokers:     cfg.Brokers,
		ClientID:    cfg.ClientID,
		Version:     cfg.KafkaVersion,
		DialTimeout: cfg.KafkaDialTimeout,
		SASL:        kafkaconf.SASL{Mechanism: cfg.SASLMechanism, User: cfg.SASLUser, Password: cfg.SASLPassword},
		TLS: kafkaconf.TLS{
			Enable: cfg.KafkaTLS, CAFile: cfg.KafkaCA, CertFile: cfg.KafkaCert, KeyFile: cfg.KafkaKey,
			InsecureSkipVerify: cfg.KafkaTLSInsecure,
		},
	}
}

// ensureTopic fails fast with a clear error when Kafka is unreachable or the
// topic is missing and may not be created.
func ensureTopic(cfg config.Config) error {
	kc := kafkaConfig(cfg)
	sc, err := kc.Sarama()
	if err != nil {
		return err
	}
	sc.Metadata.Retry.Max = 2
	_, err = kafkaconf.EnsureTopic(sc, cfg.Brokers, cfg.Topic, int32(cfg.Partitions), cfg.CreateTopic)
	return err
}

func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

func newCollector(cfg config.Config, log *zap.Logger, reg prometheus.Registerer) (*collector.Collector, error) {
	inputs := make([]collector.Input, 0, len(cfg.Inputs))
	for _, in := range cfg.Inputs {
		inputs = append(inputs, collector.Input{Pattern: in.Path, Service: in.Service, Labels: in.Labels, Multiline: in.Multiline})
	}
	return collector.New(collector.Config{
		Inputs:            inputs,
		Kafka:             kafkaConfig(cfg),
		Topic:             cfg.Topic,
		Host:              cfg.Host,
		PositionsFile:     cfg.Positions,
		PositionsInterval: cfg.PositionsEvery,
		FromStart:         cfg.FromStart,
		RescanInterval:    cfg.Rescan,
		MaxLineBytes:      cfg.MaxLineBytes,
		MaxBufferedBytes:  cfg.MaxBufferedBytes,
		FlushTimeout:      cfg.FlushTimeout,
		MultilineWait:     cfg.MultilineWait,
		Linger:            cfg.Linger,
		Compression:       cfg.Compression,
		KeepRaw:           cfg.KeepRaw,
		Logger:            log.Named("collector"),
		Registerer:        reg,
	})
}

// fetcher breaks the construction cycle: the pusher needs the consumer for
// resume and the consumer needs the pusher as its sink.
type fetcher struct{ c *consumer.Consumer }

func (f *fetcher) Fetch(ctx context.Context, p int32, from, to int64, fn func(int64, *logpb.LogEntry) error) (int64, error) {
	return f.c.Fetch(ctx, p, from, to, fn)
}

// server is the consuming half: consumer, pusher and the HTTP endpoints.
type server struct {
	cons *consumer.Consumer
	push *pusher.Server
	http *http.Server
	ln   net.Listener
	url  string
	log  *zap.Logger
	tls  bool
	cfg  config.Config
	// served is closed when the HTTP serve loop has returned.
	served chan struct{}
}

func newServer(cfg config.Config, log *zap.Logger, reg *prometheus.Registry) (*server, error) {
	f := &fetcher{}
	push, err := pusher.New(pusher.Config{
		Fetcher:        f,
		RingEntries:    cfg.RingEntries,
		RingBytes:      cfg.RingBytes,
		QueueBytes:     cfg.QueueBytes,
		SlowTimeout:    cfg.SlowTimeout,
		Token:          cfg.Token,
		AllowedOrigins: cfg.AllowedOrigins,
		MaxConnsPerIP:  cfg.MaxConnsPerIP,
		Version:        Version,
		Logger:         log.Named("pusher"),
		Registerer:     reg,
	})
	if err != nil {
		return nil, err
	}
	// The default group is this replica's own, so its hostname is a unique
	// static member id: after a crash the new process takes over at once.
	var instance string
	if cfg.Group == "" {
		instance, _ = os.Hostname()
	}
	cons, err := consumer.New(consumer.Config{
		Kafka:      kafkaConfig(cfg),
		Topic:      cfg.Topic,
		Group:      cfg.Group,
		InstanceID: instance,
		Warmup:     cfg.Warmup,
		FetchWait:  cfg.FetchWait,
		Sink:       push,
		Logger:     log.Named("consumer"),
		Registerer: reg,
	})
	if err != nil {
		push.Close()
		return nil, err
	}
	f.c = cons

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

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		push.Close()
		return nil, fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	s := &server{
		cons: cons, push: push, ln: ln, log: log, cfg: cfg,
		tls: cfg.TLSCert != "",
		http: &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          zap.NewStdLog(log.Named("http")),
		},
	}
	scheme := "http"
	if s.tls {
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
		if s.tls {
			err = s.http.ServeTLS(s.ln, s.cfg.TLSCert, s.cfg.TLSKey)
		} else {
			err = s.http.Serve(s.ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("http server: %w", err)
		}
	}()
	return nil
}

// stop closes clients with 1001 so they resume elsewhere, then commits the
// consumer's offsets.
func (s *server) stop(grace time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
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
	if err := s.cons.Close(); err != nil {
		s.log.Warn("close consumer", zap.Error(err))
	}
}

// wait announces the viewer, serves until ctx is done or the HTTP server
// fails, then runs before (the collector's flush) and stops the server.
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
	s.stop(s.cfg.ShutdownGrace)
	return err
}

func runAll(ctx context.Context, cfg config.Config, env Env) error {
	log, err := newLogger(cfg, env)
	if err != nil {
		return err
	}
	defer log.Sync() //nolint:errcheck // nothing to do about a failed log flush
	if cfg.Positions == "" {
		cfg.Positions = filepath.Join(cfg.DataDir, "positions.json")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}

	var b *broker.Broker
	if len(cfg.Brokers) == 0 {
		b, err = broker.Start(broker.Config{
			Listen:         cfg.KafkaListen,
			DataDir:        filepath.Join(cfg.DataDir, "kafka"),
			Topic:          cfg.Topic,
			Partitions:     int32(cfg.Partitions),
			RetentionBytes: cfg.RetentionBytes,
			RetentionAge:   cfg.RetentionAge,
			Logger:         log.Named("broker"),
		})
		if err != nil {
			return err
		}
		defer b.Close()
		cfg.Brokers = []string{b.Addr()}
		log.Info("embedded kafka broker", zap.String("addr", b.Addr()))
		fmt.Fprintf(env.Stdout, "tailcast: kafka broker at %s (topic %q)\n", b.Addr(), cfg.Topic)
	}
	if err := ensureTopic(cfg); err != nil {
		return err
	}

	reg := newRegistry()
	srv, err := newServer(cfg, log, reg)
	if err != nil {
		return err
	}
	col, err := newCollector(cfg, log, reg)
	if err != nil {
		srv.push.Close()
		return err
	}
	errc := make(chan error, 2)
	if err := srv.start(ctx, errc); err != nil {
		srv.stop(cfg.ShutdownGrace)
		return err
	}
	if err := col.Start(ctx); err != nil {
		srv.stop(cfg.ShutdownGrace)
		return fmt.Errorf("start collector: %w", err)
	}
	return srv.wait(ctx, env, errc, func() {
		if err := col.Close(); err != nil {
			log.Warn("close collector", zap.Error(err))
		}
	})
}

func runServe(ctx context.Context, cfg config.Config, env Env) error {
	log, err := newLogger(cfg, env)
	if err != nil {
		return err
	}
	defer log.Sync() //nolint:errcheck // nothing to do about a failed log flush
	if err := ensureTopic(cfg); err != nil {
		return err
	}
	srv, err := newServer(cfg, log, newRegistry())
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	if err := srv.start(ctx, errc); err != nil {
		srv.stop(cfg.ShutdownGrace)
		return err
	}
	return srv.wait(ctx, env, errc, nil)
}

func runCollect(ctx context.Context, cfg config.Config, env Env) error {
	log, err := newLogger(cfg, env)
	if err != nil {
		return err
	}
	defer log.Sync() //nolint:errcheck // nothing to do about a failed log flush
	if cfg.Positions == "" {
		cfg.Positions = "tailcast-positions.json"
	}
	if err := ensureTopic(cfg); err != nil {
		return err
	}
	col, err := newCollector(cfg, log, newRegistry())
	if err != nil {
		return err
	}
	if err := col.Start(ctx); err != nil {
		return fmt.Errorf("start collector: %w", err)
	}
	log.Info("collecting", zap.Int("inputs", len(cfg.Inputs)), zap.Strings("brokers", cfg.Brokers))
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		tuneGC(ctx, col)
	} else {
		<-ctx.Done()
	}
	log.Info("shutting down: flushing and saving positions")
	return col.Close()
}

// tuneGC keeps the agent small on the hosts it shares, until ctx is done.
// Its heap is mostly short-lived line buffers plus the unacknowledged
// backlog, so a soft memory limit follows the backlog (two copies of it plus
// a fixed base): memory goes back to the system when Kafka keeps up, and the
// heap grows, rather than thrashes, while Kafka is slow. While lines arrive
// fast the limit also grows with the read rate (a second of input, at most
// gcBurstMax): the agent allocates about 13 bytes per byte read, and a
// limit that ignored that ran the collector about 40 times a second at full
// speed, a third of its CPU. A quiet agent tailing a thousand files stays
// near the base, which is a trade between RSS and GC CPU measured on that
// load (bench/collector.sh: 1,000 files, 1,000 lines/s): with a 24 MiB base
// the heap goal sat at the live heap and the GC ran 50 times a second, about
// 60% of a core; with 30 MiB, 17-19% at 38.5 MiB RSS; a fixed GOMEMLIMIT of
// 34 MiB gave 11% at 42 MiB, over issue 3's 40 MiB.
func tuneGC(ctx context.Context, col *collector.Collector) {
	debug.SetGCPercent(200)
	defer debug.SetMemoryLimit(math.MaxInt64)
	t := time.NewTicker(gcTick)
	defer t.Stop()
	prev := col.Stats().BytesRead
	for {
		st := col.Stats()
		debug.SetMemoryLimit(gcLimit(st.BufferedBytes, (st.BytesRead-prev)*int64(time.Second/gcTick)))
		prev = st.BytesRead
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

const (
	gcTick     = 200 * time.Millisecond
	gcBase     = 30 << 20
	gcBurstMax = 96 << 20
)

// gcLimit is the soft memory limit for a backlog of buffered bytes and a
// read rate in bytes per second.
func gcLimit(buffered, rate int64) int64 {
	return gcBase + 2*buffered + min(max(rate, 0), gcBurstMax)
}

func runTail(ctx context.Context, cfg config.Config, env Env) error {
	color := "auto"
	if cfg.NoColor {
		color = "never"
	}
	return client.Tail(ctx, client.TailOptions{
		Options: client.Options{
			URL: cfg.URL,
			Filter: client.Filter{
				Service: cfg.Services, Host: cfg.Hosts, Level: cfg.Levels, Query: cfg.Grep, Regex: cfg.Regex,
			},
			Backfill:  cfg.Backfill,
			Since:     cfg.Since,
			Token:     cfg.Token,
			Reconnect: true,
		},
		Output: cfg.TailOutput,
		Color:  color,
		Local:  cfg.Local,
	}, env.Stdout, env.Stderr)
}

func runDemo(ctx context.Context, cfg config.Config, env Env) error {
	log, err := newLogger(cfg, env)
	if err != nil {
		return err
	}
	defer log.Sync() //nolint:errcheck // nothing to do about a failed log flush
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return fmt.Errorf("create demo dir: %w", err)
	}
	fmt.Fprintf(env.Stdout, "tailcast: writing demo logs to %s at %g lines/s\n", cfg.Dir, cfg.Rate)
	err = demo.Run(ctx, demo.Config{Dir: cfg.Dir, Rate: cfg.Rate, RotateBytes: cfg.RotateBytes, Logger: log})
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
