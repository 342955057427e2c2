package pusher

import (
	"strconv"
	"testing"
	"time"

	"github.com/tailcast/tailcast/internal/filtermix"
	"github.com/tailcast/tailcast/proto/logpb"
)

// BenchmarkPublish is the cost of publishing one entry of issue 14's
// realistic mix (internal/filtermix) with no subscriber, on a full ring
// (every entry evicts one, as in a server that has run a while):
// generating it, encoding it, mining its pattern, lowercasing its text and
// appending it to the rings. filtermix allocates each entry's message
// (gen-allocs/entry), so allocs/op net of that is Publish's own.
// cpu-ns/entry is the process's CPU, the flush loop and GC included.
func BenchmarkPublish(b *testing.B) {
	mix, err := filtermix.New(10)
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	s.Begin(0, 0)
	ts := []byte(strconv.FormatInt(time.Now().UnixNano(), 10))
	e := &logpb.LogEntry{}
	// Warm: the ring is full and the miners hold their patterns.
	off := int64(0)
	for ; off < int64(s.cfg.RingEntries)+2*filtermix.Period; off++ {
		mix.Shapes[off%filtermix.Period].Entry(e, off, ts)
		s.Publish(0, off, e)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		mix.Shapes[off%filtermix.Period].Entry(e, off, ts)
		s.Publish(0, off, e)
		off++
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/entry")
	b.ReportMetric(1, "gen-allocs/entry")
}
