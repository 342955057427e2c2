package reliability

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
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
// There are more viewers than a flush pass serves between two releases of
// the hub's lock (yieldEvery, 64), so that entries published meanwhile
// are in play at every resume.
func TestReliabilityServerRestart(t *testing.T) {
	restarts := scaled(4, 20)
	const rate = 1000
	b := kafkatest.Start(t, "logs", 3)
	s := startServe(t, b.Addr(), 0)
	s.waitReady(t)

	filters := []client.Filter{{}, {Level: "info"}, {Query: "SEQ=", Service: []string{"rel"}}}
	for i := 0; len(filters) < 70; i++ {
		filters = append(filters, filters[i%3]) // every record matches each
	}
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

// server is a running `tailcast serve`.
type server struct {
	*proc
	url  string // http(s)://127.0.0.1:PORT/
	port int
}

var viewerAt = regexp.MustCompile(`viewer at (\S+)`)

// startServe starts `tailcast serve` on port (0: ephemeral) and waits until
// it listens.
func startServe(t testing.TB, brokers string, port int, extra ...string) *server {
	t.Helper()
	args := append([]string{"serve", "--brokers", brokers, "--listen", fmt.Sprintf("127.0.0.1:%d", port), "--log-level", "warn"}, extra...)
	p := startProc(t, "serve", binary(t, "tailcast"), args...)
	u := p.waitLog(t, 30*time.Second, viewerAt)
	_, portStr, _ := net.SplitHostPort(strings.TrimSuffix(strings.SplitN(u, "://", 2)[1], "/"))
	n, _ := strconv.Atoi(portStr)
	return &server{proc: p, url: u, port: n}
}

func (s *server) wsURL() string {
	return strings.Replace(strings.Replace(s.url, "https://", "wss://", 1), "http://", "ws://", 1) + "ws"
}

func (s *server) addr() string { return fmt.Sprintf("127.0.0.1:%d", s.port) }

// get fetches a path of a plain-HTTP server.
func (s *server) get(t testing.TB, path string) (int, string) {
	t.Helper()
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(strings.TrimSuffix(s.url, "/") + path)
	if err != nil {
		t.Fatalf("GET %s: %v; server log:\n%s", path, err, s.logTail())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(b)
}

// metric sums the samples of a Prometheus metric whose line starts with
// prefix (name plus labels), from /metrics.
func (s *server) metric(t testing.TB, prefix string) float64 {
	t.Helper()
	_, body := s.get(t, "/metrics")
	var sum float64
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, prefix) && (len(l) == len(prefix) || l[len(prefix)] == ' ' || l[len(prefix)] == '{') {
			f := strings.Fields(l)
			v, err := strconv.ParseFloat(f[len(f)-1], 64)
			if err == nil {
				sum += v
			}
		}
	}
	return sum
}

// waitReady polls /readyz until the consumer owns every partition.
func (s *server) waitReady(t testing.TB) {
	t.Helper()
	wait.For(t, 30*time.Second, "serve /readyz", func() bool {
		if s.exited() {
			t.Fatalf("serve exited: %v\n%s", s.err, s.logTail())
		}
		code, _ := s.get(t, "/readyz")
		return code == http.StatusOK
	})
}
