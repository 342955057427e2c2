package reliability

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/tailcast/tailcast/internal/client"
	"github.com/tailcast/tailcast/internal/kafkatest"
	"github.com/tailcast/tailcast/internal/wait"
)

// throttled reads about n bytes per pause: a client reading slower than
// the stream but steadily.
type throttled struct {
	r     io.Reader
	n     int
	pause time.Duration
	acc   int
	fast  *atomic.Bool // set: read at full speed (draining at the end)
}

func (t *throttled) Read(p []byte) (int, error) {
	if t.fast != nil && t.fast.Load() {
		return t.r.Read(p)
	}
	if t.acc >= t.n {
		time.Sleep(t.pause) // the reader's pace, not synchronisation
		t.acc = 0
	}
	n, err := t.r.Read(p[:min(len(p), t.n-t.acc)])
	t.acc += n
	return n, err
}

// endOf reads what is left on an offender's connection, quickly, and says
// how it ended: the close code, or the error when no close frame came.
func endOf(c *rawConn) string {
	code, err := c.closeCode(20 * time.Second)
	if err != nil {
		return "no close frame: " + err.Error()
	}
	return fmt.Sprintf("close %d", code)
}

// TestReliabilitySlowClients streams records through a real `tailcast
// serve` to healthy viewers, then adds three offenders: one that never
// reads (but keeps sending pings, so it looks alive), one that reads a line
// a second, and a half-open one that neither reads nor writes. It measures
// the healthy viewers' latency before and during, samples the server's RSS,
// and checks the offenders are disconnected. A fourth offender reads
// steadily at a quarter of the stream's rate: it must get "dropped" and
// close 1008, the documented path.
func TestReliabilitySlowClients(t *testing.T) {
	// 1000 records/s of ~700 bytes: enough to fill an offender's socket
	// buffers in seconds, little enough for -race viewers on two cores.
	const rate = 1000
	b := kafkatest.Start(t, "logs", 3)
	s := startServe(t, b.Addr(), 0, "--queue-bytes", "262144", "--slow-timeout", "2s")
	s.waitReady(t)

	var vs []*viewer
	for i := range 3 {
		v := startViewer(t, fmt.Sprintf("healthy %d", i), client.Options{URL: s.url})
		vs = append(vs, v)
	}
	for _, v := range vs {
		wait.For(t, 10*time.Second, v.name+" connected", func() bool { h, _ := v.stats(); return h == 1 })
	}
	p := newProducer(t, b.Addr(), 600)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	t.Cleanup(func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	})
	wg.Add(1)
	go func() { defer wg.Done(); p.stream(t, rate, 0, stop) }()

	var peakRSS atomic.Int64
	wg.Add(1)
	go func() { // sampling, not synchronisation
		defer wg.Done()
		tk := time.NewTicker(100 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tk.C:
				if r := s.status("VmRSS"); r > peakRSS.Load() {
					peakRSS.Store(r)
				}
			}
		}
	}()

	mark := func() []int {
		var m []int
		for _, v := range vs {
			v.mu.Lock()
			m = append(m, len(v.lat))
			v.mu.Unlock()
		}
		return m
	}
	drops := func() (n int64) {
		for _, v := range vs {
			v.mu.Lock()
			n += v.dropped
			v.mu.Unlock()
		}
		return n
	}
	between := func(from, to []int) []time.Duration {
		var all []time.Duration
		for i, v := range vs {
			v.mu.Lock()
			all = append(all, v.lat[from[i]:to[i]]...)
			v.mu.Unlock()
		}
		slices.Sort(all)
		return all
	}

	// Baseline: a few seconds of healthy viewers only.
	settle := int(p.next.Load()) + rate
	wait.For(t, 30*time.Second, "the stream settled", func() bool { return int(p.next.Load()) >= settle })
	m0, d0 := mark(), drops()
	rss0 := s.status("VmRSS")
	end := int(p.next.Load()) + 3*rate
	wait.For(t, 30*time.Second, "3s of baseline", func() bool { return int(p.next.Load()) >= end })
	m1, d1 := mark(), drops()

	// The offenders.
	never := dialRaw(t, s.wsURL(), nil, nil)
	never.Conn.(*net.TCPConn).SetReadBuffer(256 << 10)
	halfOpen := dialRaw(t, s.wsURL(), nil, nil)
	halfOpen.Conn.(*net.TCPConn).SetReadBuffer(256 << 10)
	wg.Add(1)
	go func() { // the never-reader keeps talking
		defer wg.Done()
		tk := time.NewTicker(500 * time.Millisecond)
		defer tk.Stop()
		ping := frame(ws.OpPing, true, true, []byte("alive"))
		for {
			select {
			case <-stop:
				return
			case <-tk.C:
				never.SetWriteDeadline(time.Now().Add(time.Second))
				if _, err := never.Write(ping); err != nil {
					return
				}
			}
		}
	}()
	// A reader that is slow but steady: 16 KiB every 100 ms, a quarter of
	// the stream. This is the documented path: entries skipped with
	// "dropped", then close 1008.
	var drain atomic.Bool // the offenders are gone: read what is left quickly
	steady := dialRaw(t, s.wsURL(), nil, nil)
	steady.Conn.(*net.TCPConn).SetReadBuffer(256 << 10)
	type steadyResult struct {
		dropped int
		end     string
	}
	steadyDone := make(chan steadyResult, 1)
	go func() {
		var res steadyResult
		r := &throttled{r: steady.r, n: 16 << 10, pause: 100 * time.Millisecond, fast: &drain}
		for {
			steady.SetReadDeadline(time.Now().Add(30 * time.Second))
			f, err := ws.ReadFrame(r)
			if err != nil {
				res.end = "no close frame: " + err.Error()
				break
			}
			if f.Header.OpCode == ws.OpClose {
				code, _ := ws.ParseCloseFrameData(f.Payload)
				res.end = fmt.Sprintf("close %d", code)
				break
			}
			res.dropped += strings.Count(string(f.Payload), `"type":"dropped"`)
		}
		steadyDone <- res
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	slowConn, err := client.Dial(ctx, client.Options{URL: s.url})
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { slowConn.Close() })
	var slowLines atomic.Int64
	var slowDropped atomic.Int64
	var slowEnd atomic.Value
	slowDone := make(chan struct{})
	go func() {
		defer close(slowDone)
		for {
			m, err := slowConn.Next(context.Background())
			if err != nil {
				slowEnd.Store(err)
				return
			}
			switch m.Type {
			case client.TypeEntry:
				slowLines.Add(1)
			case client.TypeDropped:
				slowDropped.Add(m.Count)
			}
			if !drain.Load() {
				time.Sleep(time.Second) // the slow reader's pace, not synchronisation
			}
		}
	}()

	slowBefore := s.metric(t, `tailcast_pusher_disconnects_total{reason="slow"}`)
	idleBefore := s.metric(t, `tailcast_pusher_disconnects_total{reason="idle"}`)
	start := time.Now()
	wait.For(t, 60*time.Second, "the four offenders disconnected", func() bool {
		return s.metric(t, `tailcast_pusher_disconnects_total{reason="slow"}`)+s.metric(t, `tailcast_pusher_disconnects_total{reason="idle"}`)-slowBefore-idleBefore >= 4
	})
	took := time.Since(start)
	m2, d2 := mark(), drops()
	close(stop)
	wg.Wait()
	drain.Store(true)

	base, during := between(m0, m1), between(m1, m2)
	p99b, p99d := percentile(base, 99), percentile(during, 99)
	t.Logf("RESULT slow-clients latency: baseline n=%d p50=%v p99=%v; with offenders n=%d p50=%v p99=%v; ratio p99 %.2f",
		len(base), percentile(base, 50), p99b, len(during), percentile(during, 50), p99d, float64(p99d)/float64(max(p99b, time.Millisecond)))
	t.Logf("RESULT slow-clients memory: rss-baseline=%dKiB peak=%dKiB; offenders disconnected after %v; slow=%v idle=%v",
		rss0, peakRSS.Load(), took.Round(time.Millisecond),
		s.metric(t, `tailcast_pusher_disconnects_total{reason="slow"}`)-slowBefore, s.metric(t, `tailcast_pusher_disconnects_total{reason="idle"}`)-idleBefore)

	select {
	case <-slowDone:
	case <-time.After(30 * time.Second):
		t.Fatalf("the 1 line/s client's connection is still open after draining")
	}
	slowErr, _ := slowEnd.Load().(error)
	var ce *client.CloseError
	slowHow := fmt.Sprint(slowErr)
	if errors.As(slowErr, &ce) {
		slowHow = fmt.Sprintf("close %d", ce.Code)
	}
	neverHow, halfHow := endOf(never), endOf(halfOpen)
	var st steadyResult
	select {
	case st = <-steadyDone:
	case <-time.After(40 * time.Second):
		t.Fatal("the steady slow reader's connection is still open")
	}
	t.Logf("RESULT slow-clients ends: steady-quarter-rate=%q (%d dropped messages) never-reads=%q one-line-a-second=%q (read %d entries, told %d dropped) half-open=%q",
		st.end, st.dropped, neverHow, slowHow, slowLines.Load(), slowDropped.Load(), halfHow)
	t.Logf("RESULT slow-clients healthy drops: baseline=%d with-offenders=%d", d1-d0, d2-d1)
	if st.end != "close 1008" || st.dropped == 0 {
		t.Errorf("steady slow reader: got %q after %d dropped messages, want dropped messages then close 1008", st.end, st.dropped)
	}
	// Readers that stop altogether (the 1 line/s one drains a frame in
	// minutes) cannot be sent a close frame through a full socket; they
	// must be cut nonetheless, counted as slow.
	for name, how := range map[string]string{"never-reads": neverHow, "one-line-a-second": slowHow, "half-open": halfHow} {
		if how == "" || strings.Contains(how, "timeout") {
			t.Errorf("%s: got %q, want the server to have closed it", name, how)
		}
	}

	// A loose bound: this is a measurement on a shared machine (the
	// target, 2× the baseline, is recorded in docs/RELIABILITY.md).
	if p99d > max(10*p99b, 2*time.Second) {
		t.Errorf("healthy p99 with offenders %v, want within max(10×%v, 2s)", p99d, p99b)
	}
	if peak := peakRSS.Load(); peak > rss0+128<<10 {
		t.Errorf("server RSS peaked at %d KiB from %d KiB, want under 128 MiB of growth", peak, rss0)
	}
	if d2-d1 > d1-d0 {
		t.Errorf("healthy viewers were told of %d dropped entries with offenders, %d without: want no more", d2-d1, d1-d0)
	}
	for _, v := range vs {
		v.mu.Lock()
		if v.gaps != 0 || len(v.disconnects) != 0 {
			t.Errorf("%s: gap %d, disconnects %v: want none", v.name, v.gaps, v.disconnects)
		}
		v.mu.Unlock()
	}
}

// TestReliabilityDeadPeer leaves a half-open connection (it neither reads
// nor writes, and no entries flow to fill its buffers) on a real server: only
// the keepalive can find it, after 2× the 30s ping interval, which the
// command line does not shorten. Soak only (about 65s); the pusher's own
// tests cover the same path with a short interval in-process.
func TestReliabilityDeadPeer(t *testing.T) {
	if !soak() {
		t.Skip("takes over a minute: runs at TAILCAST_RELIABILITY_SCALE>=10 (make test-reliability)")
	}
	b := kafkatest.Start(t, "logs", 3)
	s := startServe(t, b.Addr(), 0)
	s.waitReady(t)
	live := startViewer(t, "live", client.Options{URL: s.url})
	wait.For(t, 10*time.Second, "live viewer connected", func() bool { h, _ := live.stats(); return h == 1 })
	dead := dialRaw(t, s.wsURL(), nil, nil)
	start := time.Now()
	wait.For(t, 90*time.Second, "the dead peer closed", func() bool {
		return s.metric(t, `tailcast_pusher_disconnects_total{reason="idle"}`) >= 1
	})
	took := time.Since(start)
	how := endOf(dead)
	hellos, disc := live.stats()
	t.Logf("RESULT dead-peer: closed after %v (%s); live viewer connections=%d disconnects=%d", took.Round(time.Second), how, hellos, len(disc))
	if took > 75*time.Second {
		t.Errorf("dead peer closed after %v, want within 2×30s plus a ping", took)
	}
	if hellos != 1 || len(disc) != 0 {
		t.Errorf("live viewer: got %d connections, disconnects %v; want it untouched (it answers pings)", hellos, disc)
	}
	if !strings.HasPrefix(how, "close ") && !strings.Contains(how, "EOF") && !strings.Contains(how, "reset") {
		t.Errorf("dead peer: got %q, want the connection closed", how)
	}
}
