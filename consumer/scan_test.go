package consumer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/tailcast/tailcast/internal/kafkaconf"
	"github.com/tailcast/tailcast/internal/kafkatest"
	"github.com/tailcast/tailcast/proto/logpb"
)

// scanned is what a Scan handed its callbacks.
type scanned struct {
	offs    []int64
	decoded []int64 // offsets that reached fn with an entry
	msgs    []string
	sizes   []int
	kept    []string // keep's arguments: value|label,label|"service"/"host"
}

func scanAll(c *Consumer, ctx context.Context, part int32, from, to int64, keep func(string) bool) (scanned, int64, error) {
	var s scanned
	var k func(value, service, host []byte, labels [][]byte) bool
	if keep != nil {
		k = func(v, service, host []byte, labels [][]byte) bool {
			var ls []string
			for _, l := range labels {
				ls = append(ls, string(l))
			}
			arg := string(v) + "|" + strings.Join(ls, ",") + "|" + fmt.Sprintf("%q/%q", service, host)
			s.kept = append(s.kept, arg)
			return keep(arg)
		}
	}
	logStart, err := c.Scan(ctx, part, from, to, ScanOptions{Keep: k}, func(off int64, e *logpb.LogEntry, size int) error {
		s.offs = append(s.offs, off)
		s.sizes = append(s.sizes, size)
		if e != nil {
			s.decoded = append(s.decoded, off)
			s.msgs = append(s.msgs, e.Message)
		}
		return nil
	})
	return s, logStart, err
}

func seq(from, to int64) []int64 {
	var out []int64
	for o := from; o < to; o++ {
		out = append(out, o)
	}
	return out
}

// TestScan: ranges (also across several requests), the log start, and
// what keep sees and rules out.
func TestScan(t *testing.T) {
	b := kafkatest.Start(t, "logs", 2)
	var msgs []*sarama.ProducerMessage
	for i := range 10 {
		m := textMsg(0, "line "+string(rune('a'+i)))
		if i%2 == 1 {
			m.Value = sarama.StringEncoder("skip " + string(rune('a'+i)))
		}
		if i == 4 {
			m.Headers = []sarama.RecordHeader{{Key: []byte("label.zone"), Value: []byte("eu")}, {Key: []byte("service"), Value: []byte("api")}}
		}
		if i == 6 { // the collector's meta header: default service, a label
			m.Headers = []sarama.RecordHeader{{Key: []byte(logpb.HeaderMeta), Value: []byte("\x00web-1\x00/var/log/checkout.log\x00zone\x00us")}}
		}
		msgs = append(msgs, m)
	}
	msgs = append(msgs, pbMsg(t, 1, entry(1, 0)), textMsg(1, "skip me"))
	produce(t, b.Addr(), msgs...)
	c := startConsumer(t, b.Addr(), newRecSink(), opts{})
	noSkip := func(arg string) bool { return !strings.HasPrefix(arg, "skip") }

	for _, small := range []bool{false, true} {
		name := "one request"
		if small {
			name = "a request per batch"
		}
		t.Run(name, func(t *testing.T) {
			if small {
				testScanBytes.Store(1)
				t.Cleanup(func() { testScanBytes.Store(0) })
			}
			tests := []struct {
				name        string
				part        int32
				from, to    int64
				wantOffs    []int64
				wantDecoded []int64
			}{
				{"whole partition", 0, 0, 10, seq(0, 10), []int64{0, 2, 4, 6, 8}},
				{"middle", 0, 3, 7, seq(3, 7), []int64{4, 6}},
				{"past the end", 0, 8, 1 << 40, seq(8, 10), []int64{8}},
				{"empty", 0, 5, 5, nil, nil},
				{"protobuf records are not prefiltered", 1, 0, 2, seq(0, 2), []int64{0}},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					s, logStart, err := scanAll(c, context.Background(), tt.part, tt.from, tt.to, noSkip)
					if err != nil || logStart != 0 {
						t.Fatalf("scan: got log start %d, %v; want 0, nil", logStart, err)
					}
					if !slices.Equal(s.offs, tt.wantOffs) || !slices.Equal(s.decoded, tt.wantDecoded) {
						t.Errorf("got offsets %v, decoded %v; want %v, %v", s.offs, s.decoded, tt.wantOffs, tt.wantDecoded)
					}
					for i, off := range s.offs {
						if tt.part == 0 && s.sizes[i] != len("line a") {
							t.Errorf("offset %d: got size %d, want %d", off, s.sizes[i], len("line a"))
						}
					}
				})
			}
		})
	}
	t.Run("keep sees the value, the label values and the service and host", func(t *testing.T) {
		s, _, err := scanAll(c, context.Background(), 0, 4, 5, noSkip)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{`line e|eu|"api"/""`}; !slices.Equal(s.kept, want) || !slices.Equal(s.msgs, []string{"line e"}) {
			t.Errorf("got keep args %q, messages %q; want %q, [line e]", s.kept, s.msgs, want)
		}
	})
	t.Run("keep sees the meta header's service, host and labels", func(t *testing.T) {
		s, _, err := scanAll(c, context.Background(), 0, 6, 7, noSkip)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{`line g|us|"checkout"/"web-1"`}; !slices.Equal(s.kept, want) || !slices.Equal(s.msgs, []string{"line g"}) {
			t.Errorf("got keep args %q, messages %q; want %q, [line g]", s.kept, s.msgs, want)
		}
	})
	t.Run("without keep every record is decoded", func(t *testing.T) {
		s, _, err := scanAll(c, context.Background(), 0, 0, 10, nil)
		if err != nil || !slices.Equal(s.decoded, seq(0, 10)) {
			t.Errorf("got decoded %v (%v), want all of 0..9", s.decoded, err)
		}
	})

	admin, err := sarama.NewClusterAdmin([]string{b.Addr()}, saramaConfig(t, b.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	t.Run("log start moved by retention while reading", func(t *testing.T) {
		testScanBytes.Store(1) // a request per record: the deletion falls between two
		t.Cleanup(func() { testScanBytes.Store(0) })
		var offs []int64
		logStart, err := c.Scan(context.Background(), 0, 0, 10, ScanOptions{}, func(off int64, e *logpb.LogEntry, _ int) error {
			offs = append(offs, off)
			if off == 1 {
				return admin.DeleteRecords("logs", map[int32]int64{0: 7})
			}
			return nil
		})
		if err != nil || logStart != 7 {
			t.Fatalf("got log start %d, %v; want 7", logStart, err)
		}
		if !slices.IsSorted(offs) || len(offs) >= 10 || !slices.Equal(offs[len(offs)-3:], []int64{7, 8, 9}) {
			t.Errorf("got offsets %v, want 0, 1, (a prefetched one or two), then 7..9", offs)
		}
	})
	t.Run("from before the log start", func(t *testing.T) {
		s, logStart, err := scanAll(c, context.Background(), 0, 0, 10, nil)
		if err != nil || logStart != 7 || !slices.Equal(s.offs, seq(7, 10)) {
			t.Errorf("got log start %d, offsets %v (%v); want 7, 7..9", logStart, s.offs, err)
		}
	})
	t.Run("range entirely gone", func(t *testing.T) {
		s, logStart, err := scanAll(c, context.Background(), 0, 2, 5, nil)
		if err != nil || logStart != 7 || len(s.offs) != 0 {
			t.Errorf("got log start %d, offsets %v (%v); want 7, none", logStart, s.offs, err)
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		n := 0
		_, err := c.Scan(ctx, 0, 7, 10, ScanOptions{}, func(int64, *logpb.LogEntry, int) error {
			n++
			cancel()
			return nil
		})
		if !errors.Is(err, context.Canceled) || n != 1 {
			t.Errorf("got %v after %d records, want context.Canceled after 1", err, n)
		}
	})
}

// TestScanPace: Pace is called between the requests of a Scan (after
// each response but the last), with how long the request took, the next
// request waits for it, and its error ends the Scan.
func TestScanPace(t *testing.T) {
	b := kafkatest.Start(t, "logs", 1)
	var msgs []*sarama.ProducerMessage
	for i := range 6 {
		msgs = append(msgs, textMsg(0, fmt.Sprintf("line %d", i)))
	}
	produce(t, b.Addr(), msgs...) // a batch per record
	c := startConsumer(t, b.Addr(), newRecSink(), opts{})
	testScanBytes.Store(1) // a request per batch
	t.Cleanup(func() { testScanBytes.Store(0) })
	for _, tt := range []struct {
		name      string
		stopAfter int     // paces before Pace ends the Scan; 0: never
		wantOffs  []int64 // with a stop, fn may see a prefix of them
		wantPaces int
		wantErr   error
	}{
		{"paced throughout", 0, seq(0, 6), 5, nil},
		{"pace ends the scan", 2, seq(0, 2), 2, context.Canceled},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var mu sync.Mutex
			var paces []time.Duration
			var offs []int64
			var seen []int // records fn had seen at each pace
			pace := func(ctx context.Context, took time.Duration) error {
				mu.Lock()
				defer mu.Unlock()
				paces = append(paces, took)
				seen = append(seen, len(offs))
				if len(paces) == tt.stopAfter {
					cancel()
					return ctx.Err()
				}
				return nil
			}
			_, err := c.Scan(ctx, 0, 0, 10, ScanOptions{Pace: pace}, func(off int64, _ *logpb.LogEntry, _ int) error {
				mu.Lock()
				defer mu.Unlock()
				offs = append(offs, off)
				return nil
			})
			mu.Lock()
			defer mu.Unlock()
			if !errors.Is(err, tt.wantErr) && !(err == nil && tt.wantErr == nil) {
				t.Errorf("err: got %v, want %v", err, tt.wantErr)
			}
			if len(paces) != tt.wantPaces {
				t.Errorf("paces: got %d, want %d", len(paces), tt.wantPaces)
			}
			for i, took := range paces {
				if took <= 0 {
					t.Errorf("pace %d: took %v, want a positive duration", i, took)
				}
				// Pace runs before the next request: fn can have seen at
				// most the records of the responses before it.
				if seen[i] > i+1 {
					t.Errorf("pace %d: fn had seen %d records, want at most %d", i, seen[i], i+1)
				}
			}
			want := tt.wantOffs
			if tt.stopAfter > 0 && len(offs) < len(want) {
				want = want[:len(offs)] // the stop may come before fn reads the last response
			}
			if !slices.Equal(offs, want) || len(offs) == 0 {
				t.Errorf("offsets: got %v, want %v", offs, tt.wantOffs)
			}
		})
	}
}

// TestScanBounded: FetchTimeout bounds each request of a Scan, not the
// Scan; a leader change is retried; a broker that keeps failing fails
// it; Close ends it.
func TestScanBounded(t *testing.T) {
	b := kafkatest.Start(t, "logs", 1)
	var msgs []*sarama.ProducerMessage
	for range 4 {
		msgs = append(msgs, textMsg(0, "x"))
	}
	produce(t, b.Addr(), msgs...)
	c, err := New(Config{Kafka: kafkaconf.Config{Brokers: []string{b.Addr()}}, FetchTimeout: 300 * time.Millisecond, Sink: newRecSink()})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	testScanBytes.Store(1)
	defer func() { testScanBytes.Store(0) }()
	// The callback takes longer, in all, than FetchTimeout: a Scan goes on.
	n := 0
	if _, err := c.Scan(context.Background(), 0, 0, 4, ScanOptions{}, func(int64, *logpb.LogEntry, int) error {
		n++
		time.Sleep(120 * time.Millisecond) // the caller's work, not synchronisation
		return nil
	}); err != nil || n != 4 {
		t.Errorf("slow caller: got %d records, %v; want 4, nil", n, err)
	}

	failing := kfake.Fault{Keys: []kmsg.Key{kmsg.Fetch}, Err: kerr.UnknownServerError, TopLevel: true, Count: -1}
	h := b.Cluster().Fault(failing)
	start := time.Now()
	_, err = c.Scan(context.Background(), 0, 0, 4, ScanOptions{}, func(int64, *logpb.LogEntry, int) error { return nil })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("failing broker: got %v, want a deadline error", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("failing broker: the scan took %v, want about the 300ms FetchTimeout", d)
	}
	h.Remove()

	c2, err := New(Config{Kafka: kafkaconf.Config{Brokers: []string{b.Addr()}}, FetchTimeout: time.Minute, Sink: newRecSink()})
	if err != nil {
		t.Fatal(err)
	}
	if err := c2.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A leader change, as the partition's error says it: the scan asks for
	// the metadata again and goes on. Only the scan's requests (MinBytes
	// 1, no wait) are faulted, not the group's.
	scanOnly := func(r kmsg.Request) bool { f, ok := r.(*kmsg.FetchRequest); return ok && f.MaxWaitMillis == 0 }
	b.Cluster().Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Fetch}, Err: kerr.NotLeaderForPartition, Count: 2, When: scanOnly})
	var offs []int64
	if _, err := c2.Scan(context.Background(), 0, 0, 4, ScanOptions{}, func(off int64, _ *logpb.LogEntry, _ int) error {
		offs = append(offs, off)
		return nil
	}); err != nil || !slices.Equal(offs, seq(0, 4)) {
		t.Errorf("after a leader change: got %v, %v; want 0..3, nil", offs, err)
	}

	// Every request fails: the Scan is in flight until Close.
	b.Cluster().Fault(failing)
	closeDuringRead(t, c2, "Scan", func() error {
		_, err := c2.Scan(context.Background(), 0, 0, 4, ScanOptions{}, func(int64, *logpb.LogEntry, int) error { return nil })
		return err
	})
}
