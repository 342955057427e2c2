package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tailcast/tailcast/bench/internal/benchline"
	"github.com/tailcast/tailcast/internal/filtermix"
	"github.com/tailcast/tailcast/proto/logpb"
	"github.com/tailcast/tailcast/pusher"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "pushserve:", err)
		os.Exit(1)
	}
}

func run() error {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	size := flag.Int("size", 130, "bytes per message, as a line with its newline (50 to 65536)")
	flag.Parse()
	switch {
	case flag.NArg() > 0:
		return fmt.Errorf("unexpected arguments %q", flag.Args())
	case *size < benchline.MinSize || *size > 64<<10:
		return fmt.Errorf("-size %d: want 50 to 65536 bytes", *size)
	}
	reg := prometheus.NewRegistry()
	srv, err := pusher.New(pusher.Config{MaxConnsPerIP: -1, Registerer: reg})
	if err != nil {
		return err
	}
	defer srv.Close()
	srv.Begin(0, 0)
	p := &publisher{srv: srv, size: *size}

	mux := http.NewServeMux()
	mux.Handle("/ws", srv)
	mux.HandleFunc("/publish", p.serve)
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/debug/pprof/", pprof.Index) // to see where a step's time goes
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/published", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, p.published.Load())
	})
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("pushserve: ws://%s/ws\n", ln.Addr())

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = hs.Shutdown(sctx)
	return nil
}

// publisher publishes for one /publish request at a time.
type publisher struct {
	srv  *pusher.Server
	size int
	mu   sync.Mutex // one publishing request at a time
	next int64      // offset of the next entry
	mix  *filtermix.Mix
	// published is next, for /published.
	published atomic.Int64
}

func (p *publisher) serve(w http.ResponseWriter, r *http.Request) {
	rate, err := strconv.ParseFloat(r.URL.Query().Get("rate"), 64)
	if err != nil || rate <= 0 || rate > 10_000_000 {
		http.Error(w, "rate: want (0, 1e7] entries/s", http.StatusBadRequest)
		return
	}
	if !p.mu.TryLock() {
		http.Error(w, "already publishing", http.StatusConflict)
		return
	}
	defer p.mu.Unlock()
	p.mix = nil
	if v := r.URL.Query().Get("mix"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100_000 {
			http.Error(w, "mix: want a number of viewers in [1, 100000]", http.StatusBadRequest)
			return
		}
		if p.mix, err = filtermix.New(n); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	}
	w.WriteHeader(http.StatusOK)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	n, skipped, el := p.publish(r.Context(), rate)
	fmt.Fprintf(os.Stderr, "pushserve: %d entries in %.2f s (%.0f/s, %d skipped after stalls)\n",
		n, el.Seconds(), float64(n)/el.Seconds(), skipped)
}

// publish paces entries as ratelines paces lines: every millisecond the
// due entries are stamped with one clock reading and published.
func (p *publisher) publish(ctx context.Context, rate float64) (n, skipped int64, el time.Duration) {
	host, _ := os.Hostname()
	e := &logpb.LogEntry{Service: "bench", Host: host, Source: "/bench/pushserve", Level: logpb.Level_LEVEL_INFO}
	var line, ts []byte
	start := time.Now()
	bucket := benchline.NewBucket(rate, start)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return bucket.Sent(), bucket.Skipped(), time.Since(start)
		case <-tick.C:
		}
		now := time.Now()
		ts = strconv.AppendInt(ts[:0], now.UnixNano(), 10)
		for range bucket.Due(now) {
			if p.mix != nil {
				p.mix.Shapes[p.next%filtermix.Period].Entry(e, p.next, ts)
			} else {
				line = benchline.Append(line[:0], p.next, "@@", ts, p.size)
				e.Message = string(line[:len(line)-1])
			}
			e.TimeUnixNano, e.ReadTimeUnixNano = now.UnixNano(), now.UnixNano()
			e.Offset = p.next
			p.srv.Publish(0, p.next, e)
			p.next++
			p.published.Store(p.next)
		}
	}
}
