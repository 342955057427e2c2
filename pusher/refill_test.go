package pusher

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tailcast/tailcast/internal/wait"
)

// TestRefill: a filter message with "backfill" is answered with "refill",
// the newest matching held entries (oldest first), then the live ones,
// with nothing twice and nothing missed at the switch, while entries keep
// being published (issue 15 item 8).
func TestRefill(t *testing.T) {
	s, u := testServer(t, Config{})
	s.Begin(0, 0)
	s.Begin(1, 0)
	// Entry k goes to partition k%2 and is "api" when k%3 == 0.
	var k atomic.Int64
	publish := func() {
		n := k.Add(1) - 1
		svc := "web"
		if n%3 == 0 {
			svc = "api"
		}
		e := entry(svc, "h", lInfo, fmt.Sprintf("k%d", n))
		e.TimeUnixNano = (1000 + n) * 1e9
		s.Publish(int32(n%2), n/2, e)
	}
	for range 60 {
		publish()
	}
	c := dial(t, u+"?service=none")
	c.hello()
	waitClients(t, s, 1)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				publish()
			}
			if k.Load() > 5000 {
				return
			}
		}
	}()
	wait.For(t, 5*time.Second, "publishing to go on", func() bool { return k.Load() > 100 })
	c.send(`{"type":"filter","service":"api","backfill":5}`)
	if m := c.next(); m.Type != "refill" {
		t.Fatalf("first message after the filter: got %+v, want refill", m)
	}
	// What follows is the api entries k, k+3, k+6, ...: 5 refilled, then
	// live, without a duplicate or a hole.
	var got []int64
	for len(got) < 40 {
		m := c.next()
		if m.Type != "entry" || m.Service != "api" {
			t.Fatalf("after refill: got %+v, want api entries only", m)
		}
		var n int64
		fmt.Sscanf(m.Msg, "k%d", &n)
		got = append(got, n)
	}
	close(stop)
	<-done
	for i := 1; i < len(got); i++ {
		if got[i] != got[i-1]+3 {
			t.Fatalf("entries after refill: got %v, want every third k with no duplicate or hole", got)
		}
	}
}

// TestRefillRules: backfill is bounded, and a filter without it changes
// nothing but the filter (no refill message).
func TestRefillRules(t *testing.T) {
	s, u := testServer(t, Config{})
	s.Begin(0, 0)
	s.Publish(0, 0, entry("api", "h", lInfo, "old"))
	c := dial(t, u)
	c.hello()
	c.send(`{"type":"filter","service":"api","backfill":10001}`)
	if m := c.next(); m.Type != "error" || !strings.Contains(m.Error, "backfill") {
		t.Fatalf("backfill 10001: got %+v, want an error about backfill", m)
	}
	c.send(`{"type":"filter","service":"api"}`)
	c.send(`{"type":"filter","service":"api","backfill":0}`)
	if m := c.next(); m.Type != "refill" {
		t.Fatalf("backfill 0: got %+v, want refill (and nothing refilled)", m)
	}
	s.Publish(0, 1, entry("api", "h", lInfo, "new"))
	if m := c.next(); m.Type != "entry" || m.Msg != "new" {
		t.Fatalf("after refill of 0: got %+v, want the live entry", m)
	}
}
