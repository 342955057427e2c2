package pusher

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/tailcast/tailcast/internal/wait"
)

// smallBufListener shrinks accepted sockets' send buffers, so that a client
// that does not read blocks the server's writes after kilobytes instead of
// the megabytes loopback autotuning allows (but above the 64 KiB loopback
// MSS, below which TCP stalls on zero-window probes).
type smallBufListener struct{ net.Listener }

func (l smallBufListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(256 << 10)
	}
	return c, err
}

// smallBufServer starts a Server with cfg behind a smallBufListener, with
// partition 0 begun, and returns it with its websocket URL.
func smallBufServer(t *testing.T, cfg Config) (*Server, string) {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = (&httpServerFor{s}).serve(smallBufListener{ln}) }()
	t.Cleanup(func() { s.Close(); ln.Close() })
	s.Begin(0, 0)
	return s, "ws://" + ln.Addr().String() + "/ws"
}

// throttled reads about n bytes per pause: a client reading slower than
// the stream.
type throttled struct {
	r     io.Reader
	n     int
	pause time.Duration
	acc   int
}

func (t *throttled) Read(p []byte) (int, error) {
	if t.acc >= t.n {
		time.Sleep(t.pause) // pacing the slow reader, not synchronisation
		t.acc = 0
	}
	n, err := t.r.Read(p[:min(len(p), t.n-t.acc)])
	t.acc += n
	return n, err
}

func counterValue(c interface{ Write(*dto.Metric) error }) float64 {
	var m dto.Metric
	_ = c.Write(&m)
	return m.GetCounter().GetValue()
}

func TestSlowClients(t *testing.T) {
	s, u := smallBufServer(t, Config{QueueBytes: 256 << 10, SlowTimeout: time.Second, RingEntries: 20000})

	fast := dial(t, u)
	fast.hello()
	slow := dial(t, u)
	slow.hello()
	never := dial(t, u)
	never.hello()
	if tc, ok := never.conn.(*net.TCPConn); ok {
		tc.SetReadBuffer(256 << 10)
	}
	if tc, ok := slow.conn.(*net.TCPConn); ok {
		tc.SetReadBuffer(256 << 10)
	}
	waitClients(t, s, 3)

	// The fast client checks every entry arrives, in order, undropped.
	fastDone := make(chan error, 1)
	var fastGot atomic.Int64
	go func() {
		next := int64(0)
		for {
			fast.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			p, err := wsutil.ReadServerText(fast.rw)
			if err != nil {
				fastDone <- err
				return
			}
			for line := range bytes.SplitSeq(bytes.TrimSuffix(p, []byte("\n")), []byte("\n")) {
				i := bytes.Index(line, []byte(`"msg":"n`))
				if i < 0 {
					fastDone <- fmt.Errorf("unexpected line %.80q", line)
					return
				}
				rest := line[i+len(`"msg":"n`):]
				n, err := strconv.ParseInt(string(rest[:bytes.IndexByte(rest, ' ')]), 10, 64)
				if err != nil || n != next {
					fastDone <- fmt.Errorf("got entry %d, want %d", n, next)
					return
				}
				next++
				fastGot.Store(next)
				if bytes.Contains(line, []byte(" end")) {
					fastDone <- nil
					return
				}
			}
		}
	}()
	// The slow client reads about 640 KB/s of a ~2 MB/s stream.
	type slowResult struct {
		dropped int64
		code    ws.StatusCode
		err     error
	}
	slowDone := make(chan slowResult, 1)
	go func() {
		var res slowResult
		rw := struct {
			io.Reader
			io.Writer
		}{&throttled{r: slow.rw, n: 16 << 10, pause: 25 * time.Millisecond}, slow.conn}
		for {
			slow.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
			p, err := wsutil.ReadServerText(rw)
			if err != nil {
				if ce, ok := err.(wsutil.ClosedError); ok {
					res.code = ce.Code
				} else {
					res.err = err
				}
				slowDone <- res
				return
			}
			for line := range bytes.SplitSeq(p, []byte("\n")) {
				if bytes.HasPrefix(line, []byte(`{"type":"dropped","count":`)) {
					n, _ := strconv.ParseInt(string(bytes.TrimSuffix(line[len(`{"type":"dropped","count":`):], []byte("}"))), 10, 64)
					res.dropped += n
				}
			}
		}
	}()

	pad := string(bytes.Repeat([]byte("x"), 500))
	var off int64
	var res slowResult
	deadline := time.Now().Add(30 * time.Second)
publish:
	for {
		select {
		case res = <-slowDone:
			break publish
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("slow client was not closed within 30s")
		}
		for range 20 {
			s.Publish(0, off, entry("api", "h", lInfo, fmt.Sprintf("n%d %s", off, pad)))
			off++
		}
		time.Sleep(5 * time.Millisecond) // pacing the publisher
	}
	s.Publish(0, off, entry("api", "h", lInfo, fmt.Sprintf("n%d end", off)))
	if err := <-fastDone; err != nil {
		t.Fatalf("fast client: %v (after %d entries)", err, fastGot.Load())
	}
	if res.err != nil || res.code != ws.StatusPolicyViolation {
		t.Errorf("slow client: got close code %d (%v), want 1008", res.code, res.err)
	}
	if res.dropped == 0 {
		t.Errorf("slow client: got no dropped count, want some")
	}
	wait.For(t, 10*time.Second, "the never-reading client to be closed", func() bool { return s.Clients() == 1 })
	if got := counterValue(s.m.disconnects.WithLabelValues(reasonSlow)); got != 2 {
		t.Errorf("slow disconnects: got %v, want 2", got)
	}
	if got := counterValue(s.m.drops); got == 0 {
		t.Errorf("dropped entries metric: got 0, want > 0")
	}
	// The never-reading client filled its socket buffer: the pool handed
	// its frame to a blocking writer, whose deadline closed it.
	if got := counterValue(s.m.stalls); got == 0 {
		t.Errorf("write stalls metric: got 0, want > 0")
	}
}

// TestBurstIsNotSlowness: a burst far larger than QueueBytes, published at
// once (a consumer catching up after a broker outage), costs a client that
// reads at full speed nothing, while a client that does not read is still
// skipped and closed.
func TestBurstIsNotSlowness(t *testing.T) {
	s, u := smallBufServer(t, Config{QueueBytes: 64 << 10, SlowTimeout: 2 * time.Second, RingEntries: 20000})
	fast := dial(t, u)
	fast.hello()
	never := dial(t, u)
	never.hello()
	if tc, ok := never.conn.(*net.TCPConn); ok {
		tc.SetReadBuffer(64 << 10)
	}
	waitClients(t, s, 2)

	type result struct {
		entries, dropped int64
		err              error
	}
	done := make(chan result, 1)
	go func() {
		var res result
		for {
			fast.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			p, err := wsutil.ReadServerText(fast.rw)
			if err != nil {
				res.err = err
				done <- res
				return
			}
			for line := range bytes.SplitSeq(bytes.TrimSuffix(p, []byte("\n")), []byte("\n")) {
				switch {
				case bytes.HasPrefix(line, []byte(`{"type":"dropped"`)):
					res.dropped++
				case bytes.Contains(line, []byte(`"msg":"end"`)):
					done <- res
					return
				default:
					res.entries++
				}
			}
		}
	}()

	const burst = 6000 // about 4 MB of lines: 60 times QueueBytes
	pad := string(bytes.Repeat([]byte("x"), 500))
	for off := range int64(burst) {
		s.Publish(0, off, entry("api", "h", lInfo, fmt.Sprintf("n%d %s", off, pad)))
	}
	s.Publish(0, burst, entry("api", "h", lInfo, "end"))
	res := <-done
	if res.err != nil || res.entries != burst || res.dropped != 0 {
		t.Errorf("fast client: got %d entries, %d dropped messages (%v), want %d and 0", res.entries, res.dropped, res.err, burst)
	}
	// The client that reads nothing stays over the bound without getting
	// closer: skipped, then closed.
	for off := int64(burst + 1); s.Clients() == 2; off++ {
		s.Publish(0, off, entry("api", "h", lInfo, fmt.Sprintf("n%d %s", off, pad)))
		time.Sleep(time.Millisecond) // pacing the publisher
		if off > burst+20000 {
			t.Fatal("the never-reading client was not closed")
		}
	}
	if got := counterValue(s.m.disconnects.WithLabelValues(reasonSlow)); got != 1 {
		t.Errorf("slow disconnects: got %v, want 1", got)
	}
}
