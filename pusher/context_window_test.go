package pusher

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestContextSparseFile: the anchor's file is sparse in its partition
// (300 lines of another file between two of its own), so its context is
// found only past the first window, on both sides.
func TestContextSparseFile(t *testing.T) {
	p := startPipeline(t, 1, Config{RingEntries: 4})
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	var recs []rec
	for i := range 5 {
		at := base.Add(time.Duration(i) * time.Minute)
		recs = append(recs, rec{part: 0, own: at, read: at, msg: fmt.Sprintf("a%d", i), source: "/var/log/a.log"})
		if i < 4 {
			for j := range 300 {
				at := at.Add(time.Duration(j+1) * 100 * time.Millisecond)
				recs = append(recs, rec{part: 0, own: at, read: at, msg: fmt.Sprintf("b%d-%d", i, j), source: "/var/log/b.log"})
			}
		}
	}
	p.produce(t, recs...)
	p.start(t, 1)
	p.published(t, len(recs))
	c := dial(t, p.rangeURL("from", rfc(base.Add(2*time.Minute-time.Second)), "to", rfc(base.Add(2*time.Minute+time.Second)), "q", "a2"))
	c.hello()
	var cur string
	for _, m := range c.untilType("end") {
		if m.Type == "entry" && m.Msg == "a2" {
			cur = m.Cursor
		}
	}
	if cur == "" {
		t.Fatal("a2 not found by its range")
	}
	c = dial(t, p.u+"?around="+cur+"&before=2&after=2")
	c.hello()
	ms := c.untilType("end")
	if got, want := entriesOf(ms), []string{"a0", "a1", "a2", "a3", "a4"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	// The first window holds 513 records around a2; a0 and a4 lie further.
	if end := ms[len(ms)-1]; end.Scanned <= 513 {
		t.Errorf("end: scanned %d, want more than the first window", end.Scanned)
	}
}
