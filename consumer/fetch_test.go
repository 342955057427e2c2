package consumer

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/tailcast/tailcast/internal/kafkaconf"
	"github.com/tailcast/tailcast/internal/kafkatest"
	"github.com/tailcast/tailcast/internal/wait"
	"github.com/tailcast/tailcast/proto/logpb"
)

func TestFetch(t *testing.T) {
	b := kafkatest.Start(t, "logs", 3)
	var msgs []*sarama.ProducerMessage
	for i := range 10 {
		msgs = append(msgs, pbMsg(t, 1, entry(1, i)))
	}
	msgs = append(msgs, textMsg(2, "only record on 2"))
	produce(t, b.Addr(), msgs...)
	admin, err := sarama.NewClusterAdmin([]string{b.Addr()}, saramaConfig(t, b.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	c := startConsumer(t, b.Addr(), newRecSink(), opts{})

	tests := []struct {
		name         string
		part         int32
		from, to     int64
		deleteBefore int64 // move partition 1's log start first (0: no)
		wantLogStart int64
		wantFirst    int64
		wantN        int
	}{
		{"middle range", 1, 2, 6, 0, 0, 2, 4},
		{"single", 1, 9, 10, 0, 0, 9, 1},
		{"to beyond the high watermark", 1, 7, 1 << 40, 0, 0, 7, 3},
		{"empty range", 1, 5, 5, 0, 0, 0, 0},
		{"from beyond the end", 1, 10, 20, 0, 0, 0, 0},
		{"other partition", 2, 0, 5, 0, 0, 0, 1},
		{"from before the log start", 1, 0, 6, 4, 4, 4, 2},
		{"range entirely deleted", 1, 0, 4, 4, 4, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.deleteBefore > 0 {
				if err := admin.DeleteRecords("logs", map[int32]int64{tt.part: tt.deleteBefore}); err != nil {
					t.Fatalf("delete records: %v", err)
				}
			}
			var got []int64
			var entries []*logpb.LogEntry
			start := time.Now()
			logStart, err := c.Fetch(context.Background(), tt.part, tt.from, tt.to, func(off int64, e *logpb.LogEntry) error {
				got = append(got, off)
				entries = append(entries, e)
				return nil
			})
			if err != nil {
				t.Fatalf("fetch: %v", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("fetch took %v, want it bounded by the high watermark", d)
			}
			if logStart != tt.wantLogStart {
				t.Errorf("logStart: got %d, want %d", logStart, tt.wantLogStart)
			}
			if len(got) != tt.wantN {
				t.Fatalf("got offsets %v, want %d from %d", got, tt.wantN, tt.wantFirst)
			}
			for i, off := range got {
				if off != tt.wantFirst+int64(i) {
					t.Errorf("record %d: got offset %d, want %d", i, off, tt.wantFirst+int64(i))
				}
				if tt.part == 1 && entries[i].Message != entry(1, int(off)).Message {
					t.Errorf("offset %d: got message %q, want %q", off, entries[i].Message, entry(1, int(off)).Message)
				}
			}
		})
	}
	_ = admin.Close()

	t.Run("callback error stops", func(t *testing.T) {
		stop := errors.New("enough")
		n := 0
		_, err := c.Fetch(context.Background(), 1, 4, 10, func(int64, *logpb.LogEntry) error {
			n++
			if n == 2 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || n != 2 {
			t.Errorf("got %v after %d records, want %v after 2", err, n, stop)
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		_, err := c.Fetch(ctx, 1, 4, 10, func(int64, *logpb.LogEntry) error {
			cancel()
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want context.Canceled", err)
		}
	})
	t.Run("concurrent fetches of one partition", func(t *testing.T) {
		errs := make(chan error, 4)
		for range 4 {
			go func() {
				n := 0
				_, err := c.Fetch(context.Background(), 1, 4, 10, func(int64, *logpb.LogEntry) error { n++; return nil })
				if err == nil && n != 6 {
					err = fmt.Errorf("got %d records, want 6", n)
				}
				errs <- err
			}()
		}
		for range 4 {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
	})
}

func TestFetchState(t *testing.T) {
	b := kafkatest.Start(t, "logs", 1)
	c, err := New(Config{Kafka: kafkaconf.Config{Brokers: []string{b.Addr()}}, Sink: newRecSink()})
	if err != nil {
		t.Fatal(err)
	}
	fn := func(int64, *logpb.LogEntry) error { return nil }
	if _, err := c.Fetch(context.Background(), 0, 0, 1, fn); !errors.Is(err, ErrNotStarted) {
		t.Errorf("before Start: got %v, want ErrNotStarted", err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Fetch(context.Background(), 0, 0, 1, fn); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: got %v, want ErrClosed", err)
	}
}

// TestFetchBounded: with every fetch request failing, Fetch gives up at
// FetchTimeout, and Close ends a Fetch in flight.
func TestFetchBounded(t *testing.T) {
	b := kafkatest.Start(t, "logs", 1)
	produce(t, b.Addr(), textMsg(0, "a"), textMsg(0, "b"))
	c, err := New(Config{Kafka: kafkaconf.Config{Brokers: []string{b.Addr()}}, FetchTimeout: 500 * time.Millisecond, Sink: newRecSink()})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b.Cluster().Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Fetch}, Err: kerr.UnknownServerError, TopLevel: true, Count: -1})
	fn := func(int64, *logpb.LogEntry) error { return nil }

	start := time.Now()
	_, err = c.Fetch(context.Background(), 0, 0, 2, fn)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want a deadline error", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("fetch took %v, want about the 500ms FetchTimeout", d)
	}

	c2, err := New(Config{Kafka: kafkaconf.Config{Brokers: []string{b.Addr()}}, FetchTimeout: time.Minute, Sink: newRecSink()})
	if err != nil {
		t.Fatal(err)
	}
	if err := c2.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	closeDuringRead(t, c2, "Fetch", func() error {
		_, err := c2.Fetch(context.Background(), 0, 0, 2, fn)
		return err
	})
}

// TestFetchNotBehindGroupPoll: the group, caught up, holds a long poll of
// FetchWait on its broker connection, and a broker answers a connection's
// requests in order. A Fetch on the same connection waited behind that
// poll on every round trip (about FetchWait each, the history's and the
// consumer benchmark's bound); on its own client it does not. The bound
// is half of FetchWait, far above a Fetch of a few records.
func TestFetchNotBehindGroupPoll(t *testing.T) {
	const fetchWait = 3 * time.Second
	b := kafkatest.Start(t, "logs", 1)
	var msgs []*sarama.ProducerMessage
	for i := range 20 {
		msgs = append(msgs, textMsg(0, fmt.Sprintf("line %d", i)))
	}
	produce(t, b.Addr(), msgs...)
	sink := newRecSink()
	c, err := New(Config{
		Kafka: kafkaconf.Config{Brokers: []string{b.Addr()}}, Group: "poll", Sink: sink, FetchWait: fetchWait,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	wait.For(t, 15*time.Second, "the group caught up", func() bool { return c.Ready() && sink.count(0) == len(msgs) })
	for i := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), fetchWait/2)
		n := 0
		_, err := c.Fetch(ctx, 0, 0, int64(len(msgs)), func(int64, *logpb.LogEntry) error { n++; return nil })
		cancel()
		if err != nil || n != len(msgs) {
			t.Fatalf("fetch %d: got %d records, error %v; want %d within %v, not held behind the group's poll", i, n, err, len(msgs), fetchWait/2)
		}
	}
}
