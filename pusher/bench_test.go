package pusher

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// countingSub reads server frames from a raw connection without allocating
// and counts NDJSON lines: the load generator must not be what is measured.
func countingSub(r io.Reader, got *atomic.Int64, done <-chan struct{}) error {
	br := bufio.NewReaderSize(r, 32<<10)
	var hdr [8]byte
	for {
		if _, err := io.ReadFull(br, hdr[:2]); err != nil {
			return err
		}
		text := hdr[0]&0x0f == 1
		n := int64(hdr[1] & 0x7f)
		switch n {
		case 126:
			if _, err := io.ReadFull(br, hdr[:2]); err != nil {
				return err
			}
			n = int64(binary.BigEndian.Uint16(hdr[:2]))
		case 127:
			if _, err := io.ReadFull(br, hdr[:8]); err != nil {
				return err
			}
			n = int64(binary.BigEndian.Uint64(hdr[:8]))
		}
		for n > 0 {
			p, err := br.Peek(int(min(n, int64(br.Size()))))
			if err != nil && len(p) == 0 {
				return err
			}
			if text {
				got.Add(int64(bytes.Count(p, []byte{'\n'})))
			}
			br.Discard(len(p))
			n -= int64(len(p))
		}
	}
}

// BenchmarkBroadcast publishes entries to N subscribers over real loopback
// websocket connections, each read by a goroutine, and reports deliveries/s
// and allocations per delivered entry (everything in the process, publish
// encoding included, divided by deliveries).
func BenchmarkBroadcast(b *testing.B) {
	for _, subs := range []int{100, 1000} {
		b.Run(fmt.Sprintf("subs=%d", subs), func(b *testing.B) {
			s, u := testServer(b, Config{MaxConnsPerIP: -1, QueueBytes: 64 << 20})
			s.Begin(0, 0)
			counts, stop := countingSubs(b, s, subs, func(int) string { return u })
			e := entry("api", "web-1", lInfo, `GET /api/v1/orders/12345 200 12.5ms user="alice" agent="Mozilla/5.0 (X11; Linux x86_64)"`)
			minCount := func() int64 {
				m := counts[0].Load()
				for i := range counts {
					m = min(m, counts[i].Load())
				}
				return m
			}
			const window = 20000
			var ms0, ms1 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms0)
			cpu0 := cpuTime()
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if i%1000 == 0 {
					for int64(i)-minCount() > window {
						runtime.Gosched()
					}
				}
				s.Publish(0, int64(i), e)
			}
			deadline := time.Now().Add(60 * time.Second)
			for minCount() < int64(b.N) {
				if time.Now().After(deadline) {
					b.Fatalf("subscribers stuck at %d of %d entries", minCount(), b.N)
				}
				time.Sleep(time.Millisecond)
			}
			elapsed := time.Since(start)
			cpu := cpuTime() - cpu0
			b.StopTimer()
			runtime.ReadMemStats(&ms1)
			deliveries := float64(b.N) * float64(subs)
			b.ReportMetric(deliveries/elapsed.Seconds(), "deliveries/s")
			// Less sensitive to a busy machine than the rate: the CPU the
			// process (server and readers) spent per delivery.
			b.ReportMetric(float64(cpu.Nanoseconds())/deliveries, "cpu-ns/delivery")
			b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/deliveries, "allocs/delivery")
			b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/deliveries, "B/delivery")
			// What remains once the per-entry encoding at Publish (shared by
			// every subscriber) is taken out: the fan-out itself.
			pub := publishAllocs(b)
			b.ReportMetric(max(0, float64(ms1.Mallocs-ms0.Mallocs)-pub*float64(b.N))/deliveries, "fanout-allocs/delivery")
			stop()
		})
	}
}

// countingSubs connects n subscribers to s, subscriber i at url(i), each
// counting the entries it reads into counts[i] on a goroutine of its own.
// stop closes s and waits for them.
func countingSubs(b *testing.B, s *Server, n int, url func(i int) string) (counts []atomic.Int64, stop func()) {
	counts = make([]atomic.Int64, n)
	var wg sync.WaitGroup
	done := make(chan struct{})
	for i := range n {
		c := dial(b, url(i))
		c.hello()
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.conn.SetReadDeadline(time.Time{})
			err := countingSub(c.rw, &counts[i], done)
			select {
			case <-done:
			default:
				b.Errorf("subscriber %d: %v", i, err)
			}
		}()
	}
	waitClients(b, s, n)
	return counts, func() {
		close(done)
		s.Close()
		wg.Wait()
	}
}

// cpuTime is the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// publishAllocs is the allocations of one Publish with no subscribers.
func publishAllocs(b *testing.B) float64 {
	s, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	s.Begin(0, 0)
	e := entry("api", "web-1", lInfo, `GET /api/v1/orders/12345 200 12.5ms`)
	off := int64(0)
	for ; off < 200_000; off++ { // past the ring's growth
		s.Publish(0, off, e)
	}
	return testing.AllocsPerRun(10000, func() {
		s.Publish(0, off, e)
		off++
	})
}

// BenchmarkIdleConn reports the memory of idle connections: heap growth
// and goroutines per connection, client side (gobwas dialer) included, so
// the server's share is lower than the figure.
func BenchmarkIdleConn(b *testing.B) {
	const n = 2000
	s, u := testServer(b, Config{MaxConnsPerIP: -1})
	// Measured once per invocation whatever b.N: the figure is per
	// connection, not per iteration.
	{
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		g0 := runtime.NumGoroutine()
		for range n {
			c := dial(b, u)
			c.hello()
		}
		waitClients(b, s, n)
		runtime.GC()
		runtime.ReadMemStats(&m1)
		b.ReportMetric(float64(int64(m1.HeapInuse+m1.StackInuse)-int64(m0.HeapInuse+m0.StackInuse))/n, "B/conn")
		b.ReportMetric(float64(runtime.NumGoroutine()-g0)/n, "goroutines/conn")
	}
}
