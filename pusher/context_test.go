package pusher

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

func TestContext(t *testing.T) {
	p := startPipeline(t, 2, Config{RingEntries: 4})
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	// Partition 0 interleaves two files of host h1, a.log and b.log
	// (offsets: a0 b0 a1 b1 ...); partition 1 holds another file.
	var recs []rec
	for i := range 10 {
		at := base.Add(time.Duration(i) * time.Second)
		recs = append(recs,
			rec{part: 0, own: at, read: at, msg: "a" + string(rune('0'+i))},
			rec{part: 0, own: at, read: at, msg: "b" + string(rune('0'+i))},
			rec{part: 1, own: at, read: at, msg: "c" + string(rune('0'+i))})
	}
	for i := range recs {
		recs[i].source = "/var/log/" + recs[i].msg[:1] + ".log"
	}
	p.produce(t, recs...)
	p.start(t, 2)
	p.published(t, 30)

	// Cursors of every entry, from a range query.
	c := dial(t, p.rangeURL("from", rfc(base.Add(-time.Minute)), "to", rfc(base.Add(time.Minute))))
	c.hello()
	cursors := map[string]string{}
	for _, m := range c.untilType("end") {
		if m.Type == "entry" {
			cursors[m.Msg] = m.Cursor
		}
	}
	if len(cursors) != 30 {
		t.Fatalf("range: got %d entries, want 30", len(cursors))
	}

	tests := []struct {
		name          string
		anchor        string
		query         string
		want          []string
		wantBefore    int
		wantAfterLine int
	}{
		// The entries have left the server's memory (4 per partition):
		// the cursor alone says which partition holds them.
		{"middle, same file only", "a5", "&before=2&after=2", []string{"a3", "a4", "*a5", "a6", "a7"}, 2, 2},
		{"start of the partition", "a1", "&before=5&after=1", []string{"a0", "*a1", "a2"}, 1, 1},
		{"end of the partition", "b9", "&before=1&after=5", []string{"b8", "*b9"}, 1, 0},
		{"another partition", "c4", "&before=1&after=1", []string{"c3", "*c4", "c5"}, 1, 1},
		{"defaults", "a9", "", []string{"a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "*a9"}, 9, 0},
		{"part= given", "c1", "&part=1&before=1&after=1", []string{"c0", "*c1", "c2"}, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, p.u+"?around="+cursors[tt.anchor]+tt.query)
			c.hello()
			ms := c.untilType("end")
			var got []string
			for _, m := range ms {
				if m.Type == "entry" {
					if m.Anchor {
						got = append(got, "*"+m.Msg)
					} else {
						got = append(got, m.Msg)
					}
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			if code, err := c.closeCode(5 * time.Second); err != nil || code != ws.StatusNormalClosure {
				t.Errorf("after end: got close %v (%v), want 1000", code, err)
			}
		})
	}

	// Without part=, an entry still held in memory is found by its cursor.
	live := dial(t, p.u+"?backfill=1")
	live.hello()
	newest := live.next()
	if newest.Type != "entry" {
		t.Fatalf("backfill: got %+v, want an entry", newest)
	}
	c = dial(t, p.u+"?around="+newest.Cursor+"&before=1&after=0")
	c.hello()
	ms := c.untilType("end")
	if got := entriesOf(ms); len(got) != 2 || got[1] != newest.Msg || !ms[1].Anchor {
		t.Errorf("around a held entry: got %v, want its predecessor then it, marked", got)
	}
	// An entry gone from memory, with a version 1 cursor (which does not
	// name the entry's partition) naming two partitions, needs part=.
	v, err := decodeCursor(cursors["a0"])
	if err != nil {
		t.Fatal(err)
	}
	old := cursorV1Of(v...)
	resp, err := http.Get("http" + strings.TrimPrefix(p.u, "ws") + "?around=" + old)
	if err != nil {
		t.Fatal(err)
	}
	if body := readBody(resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "part=N") {
		t.Errorf("ambiguous cursor: got %d %q, want 400 asking for part=N", resp.StatusCode, body)
	}
	c = dial(t, p.u+"?around="+old+"&part=0&before=1&after=1")
	c.hello()
	if got, want := entriesOf(c.untilType("end")), []string{"a0", "a1"}; !slices.Equal(got, want) {
		t.Errorf("version 1 cursor with part=0: got %v, want %v", got, want)
	}
}
