package pusher

import (
	"strconv"
	"testing"
	"time"

	"github.com/tailcast/tailcast/internal/filtermix"
	"github.com/tailcast/tailcast/proto/logpb"
)

// BenchmarkPublish is the cost of publishing one entry of issue 14's
// realistic mix (internal/filtermix) with no subscriber: encoding, mining
// its pattern, lowercasing its text and appending it to the rings. The
// entries are generated outside the timer's view of allocations only in
// so far as filtermix allocates their messages (one per entry, reported
// as gen-allocs/entry so that allocs/op can be read net of it).
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
	// Warm: the rings' blocks and the miners' patterns exist.
	off := int64(0)
	for ; off < 2*filtermix.Period; off++ {
		mix.Shapes[off%filtermix.Period].Entry(e, off, ts)
		s.Publish(0, off, e)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		mix.Shapes[off%filtermix.Period].Entry(e, off, ts)
		s.Publish(0, off, e)
		off++
	}
	b.ReportMetric(1, "gen-allocs/entry")
}
