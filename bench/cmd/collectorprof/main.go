package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/tailcast/tailcast/bench/internal/cpuprofile"
	"github.com/tailcast/tailcast/bench/internal/selfcpu"
	"github.com/tailcast/tailcast/collector"
	"github.com/tailcast/tailcast/internal/kafkaconf"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "collectorprof:", err)
		os.Exit(1)
	}
}

func run() error {
	input := flag.String("input", "", "file to collect (required), e.g. from bench/cmd/genlines")
	blackhole := flag.Bool("blackhole", false, "broker acknowledges without storing records")
	brokers := flag.String("brokers", "", "use this broker (e.g. bench/cmd/kfakebroker) instead of an in-process one, so its work stays out of the profile")
	profilePath := flag.String("cpuprofile", "", "write a CPU profile here")
	memprofile := flag.String("memprofile", "", "write a heap profile here, taken when every line is acknowledged")
	compression := flag.String("compression", "", "collector compression (default: the collector's)")
	linger := flag.Duration("linger", 0, "collector linger (default: the collector's)")
	timeout := flag.Duration("timeout", 5*time.Minute, "give up after this long")
	flag.Parse()
	if *input == "" || flag.NArg() > 0 || (*blackhole && *brokers != "") {
		return errors.New("usage: collectorprof -input FILE [-blackhole | -brokers ADDR] [-cpuprofile F] [-memprofile F]")
	}
	abs, err := filepath.Abs(*input)
	if err != nil {
		return fmt.Errorf("input: %w", err)
	}
	lines, size, err := countLines(abs)
	if err != nil {
		return err
	}

	addrs := []string{*brokers}
	if *brokers == "" {
		cluster, err := startCluster(*blackhole)
		if err != nil {
			return err
		}
		defer cluster.Close()
		addrs = cluster.ListenAddrs()
	}
	dir, err := os.MkdirTemp("", "collectorprof")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	c, err := collector.New(collector.Config{
		Inputs:        []collector.Input{{Pattern: abs}},
		Kafka:         kafkaconf.Config{Brokers: addrs},
		Topic:         "logs",
		PositionsFile: filepath.Join(dir, "positions.json"),
		FromStart:     true,
		Compression:   *compression,
		Linger:        *linger,
	})
	if err != nil {
		return fmt.Errorf("new collector: %w", err)
	}
	defer c.Close()

	stopProfile, err := cpuprofile.Start(*profilePath)
	if err != nil {
		return err
	}
	defer stopProfile()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	cpu0 := selfcpu.Used()
	start := time.Now()
	if err := c.Start(ctx); err != nil {
		return fmt.Errorf("start collector: %w", err)
	}
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for c.Stats().EntriesAcked < lines {
		select {
		case <-ctx.Done():
			return fmt.Errorf("timeout: %d of %d lines acknowledged", c.Stats().EntriesAcked, lines)
		case <-tick.C:
		}
	}
	elapsed := time.Since(start)
	cpu := selfcpu.Used() - cpu0
	if *memprofile != "" {
		f, err := os.Create(*memprofile)
		if err != nil {
			return fmt.Errorf("heap profile: %w", err)
		}
		runtime.GC()
		err = pprof.WriteHeapProfile(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("heap profile: %w", err)
		}
	}
	s := c.Stats()
	fmt.Printf("%d lines, %d bytes in %s: %.0f lines/s, %.1f MiB/s; process CPU %s (%.0f lines per CPU second); %d entries acked, %d value bytes acked, %d producer errors, %d lines truncated\n",
		lines, size, elapsed.Round(time.Millisecond), float64(lines)/elapsed.Seconds(), float64(size)/elapsed.Seconds()/(1<<20),
		cpu.Round(time.Millisecond), float64(lines)/cpu.Seconds(), s.EntriesAcked, s.BytesAcked, s.ProducerErrors, s.LinesTruncated)
	return nil
}

func countLines(path string) (lines, size int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, fmt.Errorf("input: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	buf := make([]byte, 1<<20)
	for {
		n, err := r.Read(buf)
		lines += int64(bytes.Count(buf[:n], []byte{'\n'}))
		size += int64(n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, 0, fmt.Errorf("read input: %w", err)
		}
	}
	if lines == 0 {
		return 0, 0, fmt.Errorf("input %s has no complete line", path)
	}
	return lines, size, nil
}

// startCluster starts an in-process broker with the topic the collector
// produces to.
func startCluster(blackhole bool) (*kfake.Cluster, error) {
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.ListenFn(func(network, _ string) (net.Listener, error) { return net.Listen(network, "127.0.0.1:0") }),
		kfake.SeedTopics(3, "logs"),
	}
	if blackhole {
		opts = append(opts, kfake.BlackholeProduce())
	}
	cluster, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("start kfake: %w", err)
	}
	return cluster, nil
}
