package reliability

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tailcast/tailcast/internal/client"
	"github.com/tailcast/tailcast/internal/kafkatest"
	"github.com/tailcast/tailcast/internal/wait"
)

// TestReliabilityServerRestart restarts `tailcast serve` on the same port
// while records keep flowing, alternating SIGTERM (clients get 1001) and
// SIGKILL (clients see the TCP connection die), a second of stream apart,
// waiting each time for every viewer to reconnect. Viewers with different
// filters must each get every record exactly once, in order per partition.
func TestReliabilityServerRestart(t *testing.T) {
	restarts := scaled(4, 20)
	const rate = 1000
	b := kafkatest.Start(t, "logs", 3)
	s := startServe(t, b.Addr(), 0)
	s.waitReady(t)

	filters := []client.Filter{{}, {Level: "info"}, {Query: "SEQ=", Service: []string{"rel"}}}
	var vs []*viewer
	for i, f := range filters {
		v := startViewer(t, fmt.Sprintf("viewer %d", i), client.Options{URL: s.url, Filter: f})
		vs = append(vs, v)
	}
	for _, v := range vs {
		wait.For(t, 10*time.Second, v.name+" connected", func() bool { h, _ := v.stats(); return h == 1 })
	}

	p := newProducer(t, b.Addr(), 40)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); p.stream(t, rate, 0, stop) }()
	t.Cleanup(func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	})

	port := s.port
	for i := range restarts {
		at := int(p.next.Load()) + rate // a second of stream between restarts
		wait.For(t, time.Minute, fmt.Sprintf("record %d produced", at), func() bool { return int(p.next.Load()) >= at })
		how := "SIGTERM"
		if i%2 == 1 {
			how = "SIGKILL"
			s.kill9()
		} else {
			s.stop(t)
		}
		down := time.Now()
		s = startServe(t, b.Addr(), port)
		for _, v := range vs {
			wait.For(t, 30*time.Second, v.name+" reconnected", func() bool { h, _ := v.stats(); return h == i+2 })
		}
		t.Logf("restart %d (%s) at record %d: every viewer back after %v", i+1, how, at, time.Since(down).Round(time.Millisecond))
	}
	end := int(p.next.Load()) + rate
	wait.For(t, time.Minute, "a last second of stream", func() bool { return int(p.next.Load()) >= end })
	close(stop)
	wg.Wait()
	total := int(p.next.Load())

	topic := kcatCount(t, b.Addr(), "logs")
	if missing, dups, _ := topic.summary(total); missing != 0 || dups != 0 {
		t.Fatalf("topic: got %d missing, %d duplicates, want every record once", missing, dups)
	}
	for _, v := range vs {
		v.waitCaughtUp(t, total, time.Minute, s)
	}
	for _, v := range vs {
		v.check(t, total, func(int) int { return 1 })
		hellos, disc := v.stats()
		t.Logf("RESULT server-restart %s: records=%d restarts=%d connections=%d disconnects=%d regressions=%d gap=%d dropped=%d",
			v.name, total, restarts, hellos, len(disc), v.regressions, v.gaps, v.dropped)
		if hellos != restarts+1 {
			t.Errorf("%s: got %d connections, want %d (one per server)", v.name, hellos, restarts+1)
		}
	}
}
