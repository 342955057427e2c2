package reliability

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/tailcast/tailcast/internal/client"
	"github.com/tailcast/tailcast/internal/kafkaconf"
)

// producer writes numbered JSON records straight to the topic (the shape
// other services produce), each stamped with its send time so that viewers
// can measure latency. Keys cycle over three values, so the records spread
// over the partitions and seq%3 orders them within one.
type producer struct {
	p    sarama.SyncProducer
	next atomic.Int64
	pad  string
}

func newProducer(t testing.TB, addr string, padBytes int) *producer {
	t.Helper()
	sc, err := kafkaconf.Config{Brokers: []string{addr}}.Sarama()
	if err != nil {
		t.Fatal(err)
	}
	sc.Producer.Return.Successes = true
	sc.Producer.RequiredAcks = sarama.WaitForAll
	sc.Producer.Retry.Max = 100
	sc.Producer.Retry.Backoff = 50 * time.Millisecond
	sp, err := sarama.NewSyncProducer([]string{addr}, sc)
	if err != nil {
		t.Fatalf("producer: %v", err)
	}
	t.Cleanup(func() { sp.Close() })
	return &producer{p: sp, pad: strings.Repeat("x", padBytes)}
}

// send produces n records in one batch.
func (p *producer) send(n int) error {
	msgs := make([]*sarama.ProducerMessage, 0, n)
	now := time.Now().UTC().Format(time.RFC3339Nano)
	for range n {
		i := int(p.next.Add(1) - 1)
		v := fmt.Sprintf(`{"time":%q,"level":"info","service":"rel","host":"h","msg":"seq=%08d request handled %s"}`, now, i, p.pad)
		msgs = append(msgs, &sarama.ProducerMessage{Topic: "logs", Key: sarama.StringEncoder(fmt.Sprintf("k%d", i%3)), Value: sarama.StringEncoder(v)})
	}
	return p.p.SendMessages(msgs)
}

// stream sends at rate records/s until stop is closed or total is reached.
func (p *producer) stream(t testing.TB, rate, total int, stop <-chan struct{}) {
	per := max(1, rate/100)
	tk := time.NewTicker(10 * time.Millisecond)
	defer tk.Stop()
	for total <= 0 || int(p.next.Load()) < total {
		select {
		case <-stop:
			return
		case <-tk.C:
		}
		n := per
		if total > 0 {
			n = min(n, total-int(p.next.Load()))
		}
		if err := p.send(n); err != nil {
			t.Errorf("produce: %v", err)
			return
		}
	}
}

// viewer follows a server with internal/client (Reconnect on) and checks
// every entry: no duplicate, per key order, no gap message.
type viewer struct {
	name        string
	got         *tally
	mu          sync.Mutex
	last        [3]int // last seq per key class
	regressions int    // an entry at or before the last of its key: a duplicate or reordering
	gaps        int64  // gap messages' missed counts
	dropped     int64
	disconnects []string
	lat         []time.Duration
	hellos      int
	unordered   bool // skip the per-key order check (set before entries arrive)
	err         error
	done        chan struct{}
}

// startViewer follows opts.URL until the test ends.
func startViewer(t testing.TB, name string, opts client.Options) *viewer {
	v := &viewer{name: name, got: newTally(), last: [3]int{-1, -1, -1}, done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	opts.Reconnect = true
	if opts.MaxBackoff == 0 {
		opts.MaxBackoff = 500 * time.Millisecond
	}
	opts.OnDisconnect = func(err error, _ time.Duration) {
		v.mu.Lock()
		v.disconnects = append(v.disconnects, err.Error())
		v.mu.Unlock()
	}
	go func() {
		defer close(v.done)
		err := client.Follow(ctx, opts, func(m client.Message) error {
			v.mu.Lock()
			defer v.mu.Unlock()
			switch m.Type {
			case client.TypeHello:
				v.hellos++
			case client.TypeGap:
				v.gaps += m.Missed
			case client.TypeDropped:
				v.dropped += m.Count
			case client.TypeEntry:
				if !m.TS.IsZero() {
					v.lat = append(v.lat, time.Since(m.TS))
				}
				seq := seqOf([]byte(m.Msg))
				v.got.add(seq)
				if seq >= 0 && !v.unordered {
					if seq <= v.last[seq%3] {
						v.regressions++
					}
					v.last[seq%3] = seq
				}
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			v.err = err
		}
	}()
	t.Cleanup(func() { cancel(); <-v.done })
	return v
}

// startProcViewer is startViewer in a process of its own
// (internal/reliability/viewer, built without -race): a viewer that reads
// at a real client's speed, where what is measured is whether the server
// keeps up with a fast reader. The same viewer methods apply.
func startProcViewer(t testing.TB, name, url string) *viewer {
	t.Helper()
	v := &viewer{name: name, got: newTally(), last: [3]int{-1, -1, -1}, done: make(chan struct{})}
	cmd := exec.Command(binary(t, "viewer"), "-url", url)
	cmd.SysProcAttr = orphanKill()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		defer close(v.done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			kind, rest, _ := strings.Cut(sc.Text(), " ")
			v.mu.Lock()
			switch kind {
			case "hello":
				v.hellos++
			case "gap":
				n, _ := strconv.ParseInt(rest, 10, 64)
				v.gaps += n
			case "dropped":
				n, _ := strconv.ParseInt(rest, 10, 64)
				v.dropped += n
			case "disconnect":
				v.disconnects = append(v.disconnects, rest)
			case "entry":
				s, ts, _ := strings.Cut(rest, " ")
				seq, _ := strconv.Atoi(s)
				if ns, _ := strconv.ParseInt(ts, 10, 64); ns > 0 {
					v.lat = append(v.lat, time.Since(time.Unix(0, ns)))
				}
				v.got.add(seq)
				if seq >= 0 && !v.unordered {
					if seq <= v.last[seq%3] {
						v.regressions++
					}
					v.last[seq%3] = seq
				}
			}
			v.mu.Unlock()
		}
		if err := cmd.Wait(); err != nil && !strings.Contains(err.Error(), "signal: terminated") {
			v.mu.Lock()
			v.err = fmt.Errorf("%w: %s", err, stderr.String())
			v.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-v.done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-v.done
		}
	})
	return v
}

// check asserts the viewer saw each of [0, n) exactly want(seq) times.
func (v *viewer) check(t testing.TB, n int, want func(seq int) int) {
	t.Helper()
	v.mu.Lock()
	defer v.mu.Unlock()
	wrong, first := 0, -1
	for i := range n {
		if got, w := v.got.count(i), want(i); got != w {
			if first < 0 {
				first = i
				t.Errorf("%s: seq %d: got %d copies, want %d", v.name, i, got, w)
			}
			wrong++
		}
	}
	if wrong > 0 {
		t.Errorf("%s: %d of %d seqs with the wrong number of copies", v.name, wrong, n)
	}
	if v.regressions != 0 {
		t.Errorf("%s: got %d entries out of order or repeated, want 0", v.name, v.regressions)
	}
	if v.gaps != 0 || v.dropped != 0 {
		t.Errorf("%s: got gap %d, dropped %d, want none", v.name, v.gaps, v.dropped)
	}
	if v.err != nil {
		t.Errorf("%s: follow ended with %v", v.name, v.err)
	}
}

func (v *viewer) latencies() []time.Duration {
	v.mu.Lock()
	defer v.mu.Unlock()
	l := slices.Clone(v.lat)
	slices.Sort(l)
	return l
}

func (v *viewer) stats() (hellos int, disconnects []string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.hellos, slices.Clone(v.disconnects)
}

// waitCaughtUp waits until v has seen every seq of [0, total), failing with
// what it misses, how its connections ended and the server's log.
func (v *viewer) waitCaughtUp(t testing.TB, total int, d time.Duration, s *server) {
	t.Helper()
	end := time.Now().Add(d)
	for v.got.firstMissing(total) >= 0 {
		if time.Now().After(end) {
			missing, _, _ := v.got.summary(total)
			var ranges []string
			for i := 0; i < total && len(ranges) < 10; i++ {
				if v.got.count(i) == 0 {
					j := i
					for j+1 < total && v.got.count(j+1) == 0 {
						j++
					}
					ranges = append(ranges, fmt.Sprintf("%d-%d", i, j))
					i = j
				}
			}
			v.mu.Lock()
			defer v.mu.Unlock()
			t.Fatalf("%s: after %v, %d of %d missing (ranges %v); %d entries seen, hellos %d, gap %d, dropped %d, disconnects %q\nserver log:\n%s",
				v.name, d, missing, total, ranges, v.got.records, v.hellos, v.gaps, v.dropped, v.disconnects, s.logTail())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
