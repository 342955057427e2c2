package client

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/tailcast/tailcast/proto/logpb"
	"github.com/tailcast/tailcast/pusher"
)

func TestQueryPatterns(t *testing.T) {
	f := Filter{Pattern: []string{"aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"}, NotPattern: []string{"cccccccccccccccc"}}
	got := query(url.Values{}, f, 0, "")
	if p, n := got["pattern"], got["not_pattern"]; len(p) != 2 || p[0] != f.Pattern[0] || p[1] != f.Pattern[1] || len(n) != 1 || n[0] != f.NotPattern[0] {
		t.Errorf("got pattern=%q not_pattern=%q, want %q and %q", p, n, f.Pattern, f.NotPattern)
	}
}

// TestRealPusherPatterns: entries carry their pattern id in Message, and
// a filter change with NotPattern hides that pattern.
func TestRealPusherPatterns(t *testing.T) {
	p := newPusher(t, pusher.Config{})
	p.Begin(0, 0)
	_, u := serve(t, p)
	ctx := t.Context()
	c, err := Dial(ctx, Options{URL: u})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if m, err := c.Next(ctx); err != nil || m.Type != TypeHello {
		t.Fatalf("got %q, %v, want hello", m.Type, err)
	}
	reset := func(i int) string { return fmt.Sprintf("Connection reset by peer 10.0.0.%d:%d", i, 40000+i) }
	disk := func(i int) string { return fmt.Sprintf("disk usage at %d%% on /dev/sda", 50+i) }
	p.Publish(0, 0, logEntry(0, logpb.Level_LEVEL_INFO, reset(0)))
	p.Publish(0, 1, logEntry(1, logpb.Level_LEVEL_INFO, disk(1)))
	var ids [2]string
	for i := range ids {
		m, err := c.Next(ctx)
		if err != nil || m.Type != TypeEntry || len(m.Pattern) != 16 {
			t.Fatalf("got %+v, %v, want an entry with a 16-digit pattern", m, err)
		}
		ids[i] = m.Pattern
	}
	if ids[0] == ids[1] {
		t.Fatalf("got pattern %q for both shapes, want two", ids[0])
	}
	if err := c.SetFilter(Filter{NotPattern: []string{ids[0]}}); err != nil {
		t.Fatal(err)
	}
	// A refused filter after it: once answered, the first is in force.
	if err := c.SetFilter(Filter{Level: "loud"}); err != nil {
		t.Fatal(err)
	}
	if m, err := c.Next(ctx); err != nil || m.Type != TypeError {
		t.Fatalf("got %+v, %v, want an error message", m, err)
	}
	p.Publish(0, 2, logEntry(2, logpb.Level_LEVEL_INFO, reset(2)))
	p.Publish(0, 3, logEntry(3, logpb.Level_LEVEL_INFO, disk(3)))
	m, err := c.Next(ctx)
	if err != nil || m.Msg != disk(3) || m.Pattern != ids[1] {
		t.Errorf("got %+v, %v, want only the disk entry, pattern %s", m, err, ids[1])
	}
}
