package collector

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/tailcast/tailcast/internal/broker"
	"github.com/tailcast/tailcast/internal/kafkatest"
	"github.com/tailcast/tailcast/internal/wait"
)

func TestBackpressurePausesReading(t *testing.T) {
	const total, maxBuffered = 2000, 16 << 10
	b := kafkatest.Start(t, "logs", 1)
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	appendFile(t, path, "")
	allowProduce := refuseProduce(b)
	cfg := testConfig(b.Addr(), Input{Pattern: path})
	cfg.MaxBufferedBytes = maxBuffered
	c := startWatching(t, cfg)
	w := newWriter(t, path)
	w.lines(0, total)

	wait.For(t, 5*time.Second, "buffer full", func() bool { return c.Stats().BufferedBytes > maxBuffered/2 })
	// Reading stays paused while Kafka refuses: sample for a while.
	var read int64
	for deadline := time.Now().Add(500 * time.Millisecond); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		s := c.Stats()
		if s.BufferedBytes > maxBuffered+1024 {
			t.Fatalf("got %d bytes buffered, want at most %d plus one entry", s.BufferedBytes, maxBuffered)
		}
		read = s.LinesRead
	}
	if read >= total/2 {
		t.Fatalf("got %d of %d lines read while Kafka refuses, want reading paused near %d bytes", read, total, maxBuffered)
	}
	allowProduce()
	r := readTopic(t, b.Addr(), "logs")
	r.wait(t, 30*time.Second, "every line", func(rs []record) bool { return len(missing(numbered(rs), 0, total-1)) == 0 })
	wait.For(t, 5*time.Second, "buffer drained", func() bool { return c.Stats().BufferedBytes == 0 })
}

// TestManyReadersSmallBudget: more files than read buffers, each longer than
// one buffer, under a budget of a few dozen records. No reader may wait for
// a buffer while holding budget the others wait for.
func TestManyReadersSmallBudget(t *testing.T) {
	const files, perFile = 3 * maxChunks, 1500 // ~100 bytes a line: more than one chunk each
	b := kafkatest.Start(t, "logs", 1)
	dir := t.TempDir()
	cfg := testConfig(b.Addr(), Input{Pattern: filepath.Join(dir, "*.log")})
	cfg.MaxBufferedBytes = 8 << 10
	c := startCollector(t, cfg)
	for i := range files {
		// Created after start, so read from the beginning, all at once.
		newWriter(t, filepath.Join(dir, fmt.Sprintf("app%02d.log", i))).lines(0, perFile)
	}
	wait.For(t, 60*time.Second, "every line acknowledged", func() bool { return c.Stats().EntriesAcked == files*perFile })
}

func TestMetricsRegistered(t *testing.T) {
	b := kafkatest.Start(t, "logs", 1)
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	appendFile(t, path, "")
	reg := prometheus.NewRegistry()
	cfg := testConfig(b.Addr(), Input{Pattern: path})
	cfg.Registerer = reg
	c := startWatching(t, cfg)
	appendFile(t, path, "one\ntwo\n"+strings.Repeat("z", 100)+"\n")
	wait.For(t, 10*time.Second, "acked", func() bool { return c.Stats().EntriesAcked == 3 })
	tests := []struct {
		name string
		want float64
	}{
		{"tailcast_collector_lines_read_total", 3},
		{"tailcast_collector_entries_sent_total", 3},
		{"tailcast_collector_entries_acked_total", 3},
		{"tailcast_collector_bytes_read_total", 4 + 4 + 101},
		{"tailcast_collector_files_watched", 1},
		{"tailcast_collector_lines_truncated_total", 0},
		{"tailcast_collector_producer_errors_total", 0},
		{"tailcast_collector_symlinks_skipped_total", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vals := gather(t, reg, tt.name)
			if len(vals) != 1 || vals[0] != tt.want {
				t.Fatalf("got %v, want [%v]", vals, tt.want)
			}
		})
	}
	wait.For(t, 5*time.Second, "lag reported", func() bool {
		return len(gather(t, reg, "tailcast_collector_file_lag_bytes")) == 1
	})
}

// TestSmallFileIdentityAcrossRestart: a file shorter than the fingerprint,
// with no newline yet, is read, and after a restart recognised as the same
// file although it grew.
func TestSmallFileIdentityAcrossRestart(t *testing.T) {
	b := kafkatest.Start(t, "logs", 1)
	dir := t.TempDir()
	path := filepath.Join(dir, "tiny.log")
	posFile := filepath.Join(dir, "positions.json")
	cfg := testConfig(b.Addr(), Input{Pattern: path})
	cfg.PositionsFile = posFile
	r := readTopic(t, b.Addr(), "logs")

	c1, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c1.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	appendFile(t, path, "seq=0")
	r.waitN(t, 1, 10*time.Second)
	wait.For(t, 5*time.Second, "checkpoint", func() bool { return readPositions(t, posFile)[path].Offset == 5 })
	if err := c1.Close(); err != nil {
		t.Fatal(err)
	}
	appendFile(t, path, "\n"+strings.Repeat("x", 2000)+" seq=1\nseq=2\n")
	c2 := startCollector(t, cfg)
	// The newline ending the flushed "seq=0" makes an empty line, which is
	// not sent; then seq=1 and seq=2, and nothing read twice.
	r.waitN(t, 3, 10*time.Second)
	wait.For(t, 5*time.Second, "checkpoint at end", func() bool {
		p := readPositions(t, posFile)[path]
		return p.Offset == int64(5+1+2000+7+6) && p.FpLen == fingerprintBytes
	})
	got := raws(r.snapshot())
	if want := []string{"seq=0", strings.Repeat("x", 2000) + " seq=1", "seq=2"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %.80q, want %.80q", got, want)
	}
	_ = c2
}

// gather returns the values of every series of a metric.
func gather(t *testing.T, reg *prometheus.Registry, name string) []float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var out []float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			out = append(out, m.GetCounter().GetValue()+m.GetGauge().GetValue())
		}
	}
	return out
}

// TestCloseWithBrokerRefusing: Close is bounded although nothing can be
// acknowledged, and the checkpoint does not move past unacknowledged lines.
func TestCloseWithBrokerRefusing(t *testing.T) {
	b := kafkatest.Start(t, "logs", 1)
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	posFile := filepath.Join(dir, "positions.json")
	appendFile(t, path, "")
	b.Cluster().ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		b.Cluster().KeepControl()
		return nil, errTest, true
	})
	cfg := testConfig(b.Addr(), Input{Pattern: path})
	cfg.PositionsFile = posFile
	cfg.CloseTimeout = 200 * time.Millisecond
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 5*time.Second, "file watched", func() bool { return c.Stats().FilesWatched == 1 })
	newWriter(t, path).lines(0, 100)
	wait.For(t, 5*time.Second, "lines read", func() bool { return c.Stats().LinesRead == 100 })
	start := time.Now()
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("Close took %v, want it bounded", d)
	}
	if got := readPositions(t, posFile)[path].Offset; got != 0 {
		t.Fatalf("got checkpoint %d with nothing acknowledged, want 0", got)
	}
}

// giveUpSetup starts a collector on one empty file, with positions, whose
// produce requests the broker refuses until allowProduce is called, and
// whose producer gives up on a record after one retry.
func giveUpSetup(t *testing.T) (b *broker.Broker, c *Collector, path, posFile string, allowProduce func()) {
	t.Helper()
	b = kafkatest.Start(t, "logs", 1)
	dir := t.TempDir()
	path = filepath.Join(dir, "app.log")
	posFile = filepath.Join(dir, "positions.json")
	appendFile(t, path, "")
	allowProduce = refuseProduce(b)
	cfg := testConfig(b.Addr(), Input{Pattern: path})
	cfg.PositionsFile = posFile
	cfg.producerRetries = 1
	c = startWatching(t, cfg)
	return b, c, path, posFile, allowProduce
}

// TestProducerGivesUpThenRecovers: records sarama gives up on are
// re-enqueued, never dropped, and the checkpoint waits for them.
func TestProducerGivesUpThenRecovers(t *testing.T) {
	const total = 200
	b, c, path, posFile, allowProduce := giveUpSetup(t)
	w := newWriter(t, path)
	w.lines(0, total)
	wait.For(t, 10*time.Second, "sarama giving up", func() bool { return c.Stats().ProducerErrors >= total })
	if got := readPositions(t, posFile)[path].Offset; got != 0 {
		t.Fatalf("got checkpoint %d with nothing acknowledged, want 0", got)
	}
	allowProduce()
	r := readTopic(t, b.Addr(), "logs")
	r.wait(t, 30*time.Second, "every line", func(rs []record) bool { return len(missing(numbered(rs), 0, total-1)) == 0 })
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	wait.For(t, 5*time.Second, "checkpoint at the end", func() bool { return readPositions(t, posFile)[path].Offset == fi.Size() })
}

// TestOrderThroughGiveUp: records sarama gave up on go back to Kafka before
// any newer record of their file, so the topic holds the file's lines in
// order across an outage longer than sarama's own retries.
func TestOrderThroughGiveUp(t *testing.T) {
	b, c, path, _, allowProduce := giveUpSetup(t)
	w := newWriter(t, path)
	next := 0
	write := func(n int) { w.lines(next, next+n); next += n }
	write(50)
	wait.For(t, 10*time.Second, "sarama giving up", func() bool { return c.Stats().ProducerErrors >= 50 })
	allowProduce()
	// Lines keep coming while the given-up records wait to be re-sent.
	for range 20 {
		write(10)
		time.Sleep(20 * time.Millisecond) // pacing the writer
	}
	var got []record
	readTopic(t, b.Addr(), "logs").wait(t, 30*time.Second, "every line", func(rs []record) bool {
		got = rs
		return len(missing(numbered(rs), 0, next-1)) == 0
	})
	prev, inversions := -1, 0
	for _, r := range got {
		n := seqOf(r)
		if n < 0 {
			continue
		}
		if n <= prev {
			inversions++
		}
		prev = max(prev, n)
	}
	if inversions != 0 {
		t.Errorf("got %d lines out of order on the topic (of %d), want 0", inversions, len(got))
	}
}
