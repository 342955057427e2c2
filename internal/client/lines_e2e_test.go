package client

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tailcast/tailcast/collector"
	"github.com/tailcast/tailcast/consumer"
	"github.com/tailcast/tailcast/internal/kafkaconf"
	"github.com/tailcast/tailcast/internal/kafkatest"
	"github.com/tailcast/tailcast/internal/wait"
	"github.com/tailcast/tailcast/proto/logpb"
	"github.com/tailcast/tailcast/pusher"
)

// countingSink hands records to the pusher and counts them.
type countingSink struct {
	*pusher.Server
	n atomic.Int64
}

func (s *countingSink) Publish(p int32, off int64, e *logpb.LogEntry) {
	s.Server.Publish(p, off, e)
	s.n.Add(1)
}

// TestTailRawLinesByteForByte: lines with CRLF and LF endings, trailing
// blanks, invalid UTF-8, a multiline Java trace and a 2 MiB line, appended
// to a real file, go through the collector, a real broker, the consumer
// and the pusher; `tail -o raw` prints every entry as written, byte for
// byte (the cut line up to the collector's limit).
func TestTailRawLinesByteForByte(t *testing.T) {
	const maxLine = 256 << 10
	big := strings.Repeat("0123456789abcdef", (2<<20)/16)
	file := []string{
		"2026-01-02T15:04:05.000Z INFO crlf line\r\n",
		"lf line with trailing spaces   \n",
		"invalid utf-8 \xff\xfe\xfd end\n",
		"2026-01-02 15:04:05,123 ERROR [main] c.e.App - boom\r\n",
		"java.lang.IllegalStateException: bad\r\n",
		"\tat com.example.App.run(App.java:10)\r\n",
		big + "\n",
		`{"level":"warn","msg":"json line","k":1}` + "  \n",
	}
	want := strings.Join([]string{
		"2026-01-02T15:04:05.000Z INFO crlf line",
		"lf line with trailing spaces   ",
		"invalid utf-8 \xff\xfe\xfd end",
		"2026-01-02 15:04:05,123 ERROR [main] c.e.App - boom\r\njava.lang.IllegalStateException: bad\r\n\tat com.example.App.run(App.java:10)",
		big[:maxLine],
		`{"level":"warn","msg":"json line","k":1}  `,
	}, "\n") + "\n"
	const entries = 6

	b := kafkatest.Start(t, "logs", 1)
	p := newPusher(t, pusher.Config{})
	sink := &countingSink{Server: p}
	cons, err := consumer.New(consumer.Config{Kafka: kafkaconf.Config{Brokers: []string{b.Addr()}}, Group: "e2e-lines", Sink: sink})
	if err != nil {
		t.Fatal(err)
	}
	if err := cons.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cons.Close() })

	path := filepath.Join(t.TempDir(), "app.log")
	col, err := collector.New(collector.Config{
		Inputs:    []collector.Input{{Pattern: path}},
		Kafka:     kafkaconf.Config{Brokers: []string{b.Addr()}},
		FromStart: true, MaxLineBytes: maxLine, Linger: time.Millisecond,
		RescanInterval: 50 * time.Millisecond, FlushTimeout: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range file {
		appendFileT(t, path, l)
	}
	if err := col.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { col.Close() })
	wait.For(t, 20*time.Second, "the pusher to hold every entry", func() bool { return sink.n.Load() >= entries })

	_, url := serve(t, p)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- Tail(ctx, TailOptions{Options: Options{URL: url, Backfill: 100}, Output: OutputRaw}, &out, &errOut)
	}()
	wait.For(t, 10*time.Second, "tail to print every entry", func() bool { return len(out.String()) >= len(want) })
	cancel()
	<-done
	if got := out.String(); got != want {
		t.Errorf("tail -o raw printed %d bytes, want %d: every entry as written, one per line\ngot  %.300q\nwant %.300q", len(got), len(want), got, want)
	}
}

func appendFileT(t *testing.T, path, data string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(data); err != nil {
		t.Fatal(err)
	}
}
