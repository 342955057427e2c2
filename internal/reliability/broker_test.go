package reliability

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/tailcast/tailcast/internal/broker"
	"github.com/tailcast/tailcast/internal/wait"
)

// proxy forwards TCP connections to target; cut drops every open one, as
// a network failure would, without the server knowing in advance.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

func startProxy(t testing.TB, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.cut()
		p.wg.Wait()
	})
	return p
}

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[up] = struct{}{}, struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		pipe := func(dst, src net.Conn) {
			defer p.wg.Done()
			_, _ = io.Copy(dst, src)
			dst.Close()
			src.Close()
			p.mu.Lock()
			delete(p.conns, dst)
			delete(p.conns, src)
			p.mu.Unlock()
		}
		go pipe(c, up)
		go pipe(up, c)
	}
}

func (p *proxy) cut() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
	return len(p.conns) / 2
}

func (p *proxy) url() string { return "http://" + p.ln.Addr().String() + "/" }

// TestReliabilityBrokerOutage streams lines through the real collector and
// server while the broker is stopped and restarted from its data dir (the
// same port), then answers produce requests with errors, then slowly. A
// viewer's connection is cut during each outage. kcat must find every line
// on the topic, and the viewer must have seen each record exactly as often
// as the topic holds it.
func TestReliabilityBrokerOutage(t *testing.T) {
	const rate = 2000
	outages := scaled(2, 10)
	outage := time.Duration(scaled(3, 10)) * time.Second
	port := freePort(t)
	cfg := broker.Config{Listen: fmt.Sprintf("127.0.0.1:%d", port), DataDir: filepath.Join(t.TempDir(), "kafka"), Topic: "logs", Partitions: 3}
	var cur atomic.Pointer[broker.Broker]
	startBroker := func() *broker.Broker {
		var b *broker.Broker
		wait.For(t, 10*time.Second, "the broker listening on its port again", func() bool {
			var err error
			b, err = broker.Start(cfg)
			return err == nil
		})
		cur.Store(b)
		return b
	}
	b := startBroker()
	t.Cleanup(func() { cur.Load().Close() })
	addr := b.Addr()

	dir := t.TempDir()
	logDir := filepath.Join(dir, "logs")
	if err := os.Mkdir(logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	w := newLogWriter(t, filepath.Join(logDir, "app.log"))
	col := startProc(t, "collect", binary(t, "tailcast"), collectArgs(addr, filepath.Join(dir, "positions.json"), filepath.Join(logDir, "app.log*"))...)
	s := startServe(t, addr, 0)
	s.waitReady(t)
	px := startProxy(t, s.addr())
	// The viewer runs in its own process: in this -race process it read
	// an outage's catch-up burst slower than a real client and was told
	// "dropped" for it.
	v := startProcViewer(t, "viewer", px.url())
	v.unordered = true // rotated files are keyed apart, so lines span partitions
	wait.For(t, 10*time.Second, "viewer connected", func() bool { h, _ := v.stats(); return h == 1 })

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); w.stream(1<<40, rate, 5000, stop) }()
	t.Cleanup(func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	})
	after := func(d time.Duration) { // d of stream from now
		n := int(w.next.Load()) + int(d.Seconds()*rate)
		wait.For(t, 10*d+time.Minute, fmt.Sprintf("the writer at line %d", n), func() bool {
			if col.exited() || s.exited() {
				t.Fatalf("a process died: collect %v / serve %v\ncollect:\n%s\nserve:\n%s", col.err, s.err, col.logTail(), s.logTail())
			}
			return int(w.next.Load()) >= n
		})
	}
	after(time.Second)

	for i := range outages {
		cur.Load().Close()
		t.Logf("outage %d: broker down at line %d", i+1, w.next.Load())
		after(outage / 2)
		t.Logf("outage %d: cut %d viewer connection(s)", i+1, px.cut())
		after(outage / 2)
		startBroker()
		t.Logf("outage %d: broker back at line %d", i+1, w.next.Load())
		after(2 * time.Second)
	}

	faults := []struct {
		name string
		err  *kerr.Error
		n    int
	}{
		// The collector's producer sends one request at a time and backs
		// off up to 1s per retry, so counts stay small.
		{"NOT_ENOUGH_REPLICAS (retriable)", kerr.NotEnoughReplicas, scaled(8, 30)},
		{"REQUEST_TIMED_OUT (retriable)", kerr.RequestTimedOut, scaled(5, 20)},
		{"NOT_LEADER_FOR_PARTITION (retriable)", kerr.NotLeaderForPartition, scaled(5, 20)},
		{"UNKNOWN_SERVER_ERROR (not retriable)", kerr.UnknownServerError, scaled(3, 10)},
	}
	nFaults := 0
	for _, f := range faults {
		nFaults += f.n
		h := cur.Load().Cluster().Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Err: f.err, Count: f.n})
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := h.Wait(ctx, f.n)
		cancel()
		if err != nil {
			t.Fatalf("fault %s: only %d of %d produce requests hit", f.name, h.Hits(), f.n)
		}
		t.Logf("fault %s: %d produce requests failed, line %d", f.name, h.Hits(), w.next.Load())
		after(time.Second)
	}

	// Slow responses: each produce request held for 300ms, 30 times.
	var slowed atomic.Int64
	c := cur.Load().Cluster()
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		if slowed.Add(1) > 30 {
			c.DropControl()
			return nil, nil, false
		}
		c.SleepControl(func() { time.Sleep(300 * time.Millisecond) }) // the fault itself
		return nil, nil, false
	})
	wait.For(t, time.Minute, "30 slowed produce requests", func() bool { return slowed.Load() > 30 })
	t.Logf("slow produce: 30 requests held 300ms each, line %d", w.next.Load())
	after(time.Second)

	close(stop)
	wg.Wait()
	total := int(w.next.Load())
	// A full kcat read each time: a following kcat does not survive the
	// broker restarts.
	waitTopic(t, func() *tally { return kcatCount(t, addr, "logs") }, total, col, time.Minute, dir)
	col.stop(t)
	final := kcatCount(t, addr, "logs")
	missing, dups, maxCopies := final.summary(total)
	if missing != 0 {
		t.Errorf("got %d of %d lines missing on the topic (first %d), want 0", missing, total, final.firstMissing(total))
	}
	v.waitCaughtUp(t, total, time.Minute, s)
	v.check(t, total, final.count)
	hellos, disc := v.stats()
	t.Logf("RESULT broker-outage: lines=%d outages=%d×%v produce-faults=%d slow-produce=30×300ms records=%d missing=%d duplicates=%d max-copies=%d viewer-connections=%d viewer-disconnects=%d",
		total, outages, outage, nFaults, final.records, missing, dups, maxCopies, hellos, len(disc))
	if hellos < outages+1 {
		t.Errorf("viewer: got %d connections, want at least %d (one more per cut)", hellos, outages+1)
	}
}
