package collector

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/tailcast/tailcast/internal/kafkaconf"
	"github.com/tailcast/tailcast/internal/kafkatest"
)

// benchLines is the file size of one benchmark iteration. Default 200k;
// TAILCAST_BENCH_LINES=1000000 gives the 1M-line figure.
func benchLines() int {
	if n, err := strconv.Atoi(os.Getenv("TAILCAST_BENCH_LINES")); err == nil && n > 0 {
		return n
	}
	return 200_000
}

var pad = strings.Repeat(" ", 129)

// writeBenchFile writes n lines of 130 bytes (newline included).
func writeBenchFile(b *testing.B, path string, n int) int64 {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var size int64
	for i := 0; i < n; i++ {
		line := fmt.Sprintf("2026-01-02 15:04:05,%03d INFO [worker-%d] request handled method=GET path=/api/v1/items/%d status=200 seq=%d",
			i%1000, i%8, i*7919%100000, i)
		if len(line) < 129 {
			line += pad[:129-len(line)]
		}
		m, _ := w.WriteString(line[:129] + "\n")
		size += int64(m)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return size
}

func benchCollector(b *testing.B, addr string) {
	n := benchLines()
	var bytes int64
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		path := filepath.Join(dir, "bench.log")
		bytes += writeBenchFile(b, path, n)
		c, err := New(Config{
			Inputs:        []Input{{Pattern: path}},
			Kafka:         kafkaconf.Config{Brokers: []string{addr}},
			PositionsFile: filepath.Join(dir, "positions.json"),
			FromStart:     true,
		})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if err := c.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		for c.Stats().EntriesAcked < int64(n) {
			time.Sleep(time.Millisecond)
		}
		elapsed += time.Since(start)
		probeSarama(b, c)
		b.StopTimer()
		if err := c.Close(); err != nil {
			b.Fatal(err)
		}
		if got := readPositionsB(b, filepath.Join(dir, "positions.json")); got != int64(n)*130 {
			b.Fatalf("got checkpoint %d, want %d", got, int64(n)*130)
		}
	}
	b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "lines/s")
	b.ReportMetric(float64(bytes)/elapsed.Seconds()/(1<<20), "MiB/s")
}

func readPositionsB(b *testing.B, path string) int64 {
	ps, _, err := loadPositions(path)
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range ps {
		return p.Offset
	}
	return -1
}

// BenchmarkCollector measures file to broker-acknowledged, checkpointing on.
func BenchmarkCollector(b *testing.B) {
	b.Run("kfake", func(b *testing.B) {
		br := kafkatest.Start(b, "logs", 3)
		benchCollector(b, br.Addr())
	})
	b.Run("blackhole", func(b *testing.B) {
		c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.BlackholeProduce(), kfake.SeedTopics(3, "logs"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(c.Close)
		benchCollector(b, c.ListenAddrs()[0])
	})
}
