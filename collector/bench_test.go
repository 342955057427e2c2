package collector

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
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
	var elapsed, cpu time.Duration
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
		start, cpu0 := time.Now(), processCPU()
		if err := c.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		for c.Stats().EntriesAcked < int64(n) {
			time.Sleep(time.Millisecond)
		}
		elapsed += time.Since(start)
		cpu += processCPU() - cpu0
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
	// The in-process broker's CPU is counted too: compare runs, not peers.
	b.ReportMetric(float64(cpu.Microseconds())/float64(n*b.N), "cpu-µs/line")
}

// processCPU is the user and system CPU time of this process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
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
	b.Run("kcat-peer", func(b *testing.B) { // the same file through librdkafka, for comparison
		kcat, err := exec.LookPath("kcat")
		if err != nil {
			b.Skip("kcat not installed")
		}
		br := kafkatest.Start(b, "logs", 3)
		n := benchLines()
		var bytes int64
		var elapsed time.Duration
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			path := filepath.Join(b.TempDir(), "bench.log")
			bytes += writeBenchFile(b, path, n)
			b.StartTimer()
			start := time.Now()
			out, err := exec.Command(kcat, "-P", "-l", "-b", br.Addr(), "-t", "logs", "-z", "lz4",
				"-X", "enable.idempotence=true", "-X", "linger.ms=5", path).CombinedOutput()
			if err != nil {
				b.Fatalf("kcat: %v: %s", err, out)
			}
			elapsed += time.Since(start)
		}
		b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "lines/s")
		b.ReportMetric(float64(bytes)/elapsed.Seconds()/(1<<20), "MiB/s")
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

// BenchmarkTail1000Files reports the memory of tailing 1,000 files once
// they are read: Go heap in use and the process RSS (which also holds the
// in-process broker).
func BenchmarkTail1000Files(b *testing.B) {
	const files = 1000
	cl, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.BlackholeProduce(), kfake.SeedTopics(3, "logs"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(cl.Close)
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		for f := 0; f < files; f++ {
			p := filepath.Join(dir, fmt.Sprintf("svc-%04d.log", f))
			if err := os.WriteFile(p, []byte(strings.Repeat("2026-01-02 15:04:05,000 INFO started\n", 10)), 0o644); err != nil {
				b.Fatal(err)
			}
		}
		c, err := New(Config{
			Inputs:    []Input{{Pattern: filepath.Join(dir, "*.log")}},
			Kafka:     kafkaconf.Config{Brokers: []string{cl.ListenAddrs()[0]}},
			FromStart: true,
		})
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		for c.Stats().EntriesAcked < files*10 {
			time.Sleep(5 * time.Millisecond)
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
		b.ReportMetric(float64(rssBytes())/(1<<20), "rss-MiB")
		b.ReportMetric(float64(c.Stats().FilesWatched), "files")
		if err := c.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(l, "VmRSS:")), "%d", &kb)
			return kb << 10
		}
	}
	return 0
}
