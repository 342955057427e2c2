// Command genlines writes realistic log lines for the collector benchmarks:
// five common shapes (log4j-style, logfmt, JSON, HDFS, Go log), each with a
// timestamp and a level, about 130 bytes on average, deterministic for a
// given -seed. No line starts with whitespace or a stack-trace marker, so a
// multiline-aware collector sends exactly one record per line.
//
//	genlines -n N -o FILE
//	    writes N lines to FILE and reports lines, bytes and mean length on
//	    stderr.
//	genlines -grow DIR -files F [-initial L] [-rate R]
//	    creates F files in DIR with L lines each, then appends R lines per
//	    second spread round-robin over them until SIGTERM or SIGINT.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "genlines:", err)
		os.Exit(1)
	}
}

func run() error {
	n := flag.Int64("n", 0, "lines to write to -o")
	out := flag.String("o", "", "output file (truncated)")
	grow := flag.String("grow", "", "directory of growing files (grow mode)")
	files := flag.Int("files", 1000, "grow mode: number of files")
	initial := flag.Int("initial", 10, "grow mode: lines written to each file at creation")
	rate := flag.Int("rate", 1000, "grow mode: lines appended per second over all files")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	g := newGen(*seed)
	switch {
	case *grow != "" && *out == "":
		if *files < 1 || *initial < 0 || *rate < 1 {
			return errors.New("-files and -rate must be >= 1, -initial >= 0")
		}
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
		defer stop()
		return growFiles(ctx, g, *grow, *files, *initial, *rate)
	case *out != "" && *grow == "":
		if *n < 1 {
			return errors.New("-n must be >= 1")
		}
		return writeFile(g, *out, *n)
	default:
		return errors.New("give either -n N -o FILE or -grow DIR")
	}
}

func writeFile(g *gen, path string, n int64) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create output: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var buf []byte
	var total int64
	for range n {
		buf = g.line(buf[:0])
		total += int64(len(buf))
		if _, err := w.Write(buf); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	fmt.Fprintf(os.Stderr, "genlines: %d lines, %d bytes, %.1f bytes/line (newline included) to %s\n",
		n, total, float64(total)/float64(n), path)
	return nil
}

func growFiles(ctx context.Context, g *gen, dir string, nfiles, initial, rate int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	fs := make([]*os.File, nfiles)
	defer func() {
		for _, f := range fs {
			if f != nil {
				f.Close()
			}
		}
	}()
	var buf []byte
	for i := range fs {
		f, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("app-%04d.log", i)), os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_TRUNC, 0o644)
		if err != nil {
			return fmt.Errorf("create file %d: %w", i, err)
		}
		fs[i] = f
		buf = buf[:0]
		for range initial {
			buf = g.line(buf)
		}
		if _, err := f.Write(buf); err != nil {
			return fmt.Errorf("write %s: %w", f.Name(), err)
		}
	}
	// Ten appends a second keep the load smooth; carry fractions over so
	// the rate holds for rates below ten.
	const ticks = 10
	t := time.NewTicker(time.Second / ticks)
	defer t.Stop()
	next, owed := 0, 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		owed += rate
		for ; owed >= ticks; owed -= ticks {
			buf = g.line(buf[:0])
			if _, err := fs[next].Write(buf); err != nil {
				return fmt.Errorf("append %s: %w", fs[next].Name(), err)
			}
			next = (next + 1) % nfiles
		}
	}
}

type gen struct {
	r  *rand.Rand
	ts time.Time
}

func newGen(seed uint64) *gen {
	return &gen{
		r:  rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		ts: time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC),
	}
}

var (
	levels   = []string{"INFO", "INFO", "INFO", "INFO", "INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"}
	lower    = map[string]string{"INFO": "info", "DEBUG": "debug", "WARN": "warn", "ERROR": "error"}
	services = []string{"checkout", "orders", "payments", "inventory", "auth", "search", "shipping", "catalog"}
	classes  = []string{"com.example.orders.OrderService", "com.example.pay.ChargeHandler", "org.acme.cache.RegionCache", "com.example.auth.TokenFilter", "io.shop.search.QueryPlanner"}
	routes   = []string{"/api/v1/cart", "/api/v1/orders", "/api/v2/search", "/healthz", "/api/v1/users/me", "/static/app.js"}
	msgs     = []string{"request completed", "cache miss, loading from store", "slow query", "upstream timeout", "retrying after backoff", "connection pool exhausted", "user session refreshed", "rate limit applied"}
	hdfs     = []string{"dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_", "dfs.FSNamesystem: BLOCK* NameSystem.addStoredBlock: blockMap updated: blk_", "dfs.DataNode$DataXceiver: Receiving block blk_"}
	errs     = []string{"card_declined", "insufficient_funds", "context deadline exceeded", "connection reset by peer", "EOF", "no such host"}
)

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// line appends one log line with its newline to b.
func (g *gen) line(b []byte) []byte {
	r := g.r
	g.ts = g.ts.Add(time.Duration(r.IntN(3000)) * time.Microsecond)
	lvl := pick(r, levels)
	switch r.IntN(5) {
	case 0: // log4j / logback
		b = g.ts.AppendFormat(b, "2006-01-02 15:04:05,000")
		b = append(b, ' ')
		b = append(b, lvl...)
		b = append(b, " [worker-"...)
		b = strconv.AppendInt(b, int64(r.IntN(32)), 10)
		b = append(b, "] "...)
		b = append(b, pick(r, classes)...)
		b = append(b, " - order "...)
		b = strconv.AppendInt(b, 8_000_000+int64(r.IntN(1_000_000)), 10)
		b = append(b, " accepted customer=c-"...)
		b = strconv.AppendInt(b, int64(r.IntN(99999)), 10)
		b = append(b, " items="...)
		b = strconv.AppendInt(b, int64(1+r.IntN(9)), 10)
		b = append(b, " region=eu-west-"...)
		b = strconv.AppendInt(b, int64(1+r.IntN(3)), 10)
	case 1: // logfmt
		b = append(b, "time="...)
		b = g.ts.AppendFormat(b, "2006-01-02T15:04:05.000Z")
		b = append(b, " level="...)
		b = append(b, lower[lvl]...)
		b = append(b, ` msg="`...)
		b = append(b, pick(r, msgs)...)
		b = append(b, `" svc=`...)
		b = append(b, pick(r, services)...)
		b = append(b, " duration_ms="...)
		b = strconv.AppendInt(b, int64(r.IntN(5000)), 10)
		b = append(b, " trace_id="...)
		b = strconv.AppendUint(b, r.Uint64(), 16)
	case 2: // JSON
		b = append(b, `{"ts":"`...)
		b = g.ts.AppendFormat(b, "2006-01-02T15:04:05.000Z")
		b = append(b, `","level":"`...)
		b = append(b, lower[lvl]...)
		b = append(b, `","msg":"`...)
		b = append(b, pick(r, msgs)...)
		b = append(b, `","route":"`...)
		b = append(b, pick(r, routes)...)
		b = append(b, `","status":`...)
		b = strconv.AppendInt(b, int64(pick(r, []int{200, 200, 200, 201, 204, 304, 404, 500, 504})), 10)
		b = append(b, `,"dur_ms":`...)
		b = strconv.AppendInt(b, int64(r.IntN(3000)), 10)
		b = append(b, '}')
	case 3: // HDFS (loghub shape)
		b = g.ts.AppendFormat(b, "060102 150405")
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(r.IntN(3000)), 10)
		b = append(b, ' ')
		b = append(b, lvl...)
		b = append(b, ' ')
		b = append(b, pick(r, hdfs)...)
		b = strconv.AppendInt(b, r.Int64N(1<<62)-(1<<61), 10)
		b = append(b, " size "...)
		b = strconv.AppendInt(b, int64(r.IntN(1<<26)), 10)
		b = append(b, " from /10.250."...)
		b = strconv.AppendInt(b, int64(r.IntN(256)), 10)
		b = append(b, '.')
		b = strconv.AppendInt(b, int64(r.IntN(256)), 10)
	default: // Go log with an error
		b = g.ts.AppendFormat(b, "2006/01/02 15:04:05.000000")
		b = append(b, ' ')
		b = append(b, lvl...)
		b = append(b, ' ')
		b = append(b, pick(r, services)...)
		b = append(b, ": charge failed: "...)
		b = append(b, pick(r, errs)...)
		b = append(b, " id=ch_"...)
		b = strconv.AppendUint(b, r.Uint64(), 36)
		b = append(b, " attempt="...)
		b = strconv.AppendInt(b, int64(1+r.IntN(5)), 10)
		b = append(b, " amount_cents="...)
		b = strconv.AppendInt(b, int64(r.IntN(100000)), 10)
		b = append(b, " host=web-"...)
		b = strconv.AppendInt(b, int64(10+r.IntN(90)), 10)
	}
	return append(b, '\n')
}
