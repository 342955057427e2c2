package reliability

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tailcast/tailcast/internal/wait"
)

// logWriter appends numbered lines like a service, and rotates by renaming
// the file to a unique name (dateext style) and recreating it. It keeps
// writing a few lines to the renamed file first, as a service does until it
// reopens its log.
type logWriter struct {
	t    testing.TB
	path string
	f    *os.File
	next atomic.Int64 // lines written so far
	rot  int
	buf  []byte
}

func newLogWriter(t testing.TB, path string) *logWriter {
	w := &logWriter{t: t, path: path}
	w.open()
	t.Cleanup(func() { w.f.Close() })
	return w
}

func (w *logWriter) open() {
	f, err := os.OpenFile(w.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		w.t.Error(err)
		return
	}
	w.f = f
}

// write appends n lines (about 130 bytes each) in one write.
func (w *logWriter) write(n int) {
	w.buf = w.buf[:0]
	from := int(w.next.Load())
	for i := from; i < from+n; i++ {
		w.buf = fmt.Appendf(w.buf, "2026-01-02 15:04:05,%03d INFO api.handler request handled seq=%08d path=/api/v1/items/%d status=200 bytes=%d\n",
			i%1000, i, i%977, 100+i%9000)
	}
	if _, err := w.f.Write(w.buf); err != nil {
		w.t.Errorf("append: %v", err)
	}
	w.next.Add(int64(n))
}

// rotate renames the file away, writes tail lines to it, then recreates it.
func (w *logWriter) rotate(tail int) {
	w.rot++
	if err := os.Rename(w.path, fmt.Sprintf("%s.%04d", w.path, w.rot)); err != nil {
		w.t.Errorf("rotate: %v", err)
		return
	}
	w.write(tail)
	w.f.Close()
	w.open()
}

// stream writes total lines at rate lines/s, rotating every rotateEvery
// lines, and returns when done. Pacing only: nothing waits on it.
func (w *logWriter) stream(total, rate, rotateEvery int, stop <-chan struct{}) {
	const tick = 10 * time.Millisecond
	per := max(1, rate/100)
	sinceRot := 0
	t := time.NewTicker(tick)
	defer t.Stop()
	for int(w.next.Load()) < total {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		n := min(per, total-int(w.next.Load()))
		w.write(n)
		sinceRot += n
		if sinceRot >= rotateEvery && int(w.next.Load()) < total {
			w.rotate(min(20, total-int(w.next.Load())))
			sinceRot = 0
		}
	}
}

func collectArgs(brokers, positions, pattern string) []string {
	return []string{"collect", "--brokers", brokers, "--positions", positions, "--from-start",
		"--rescan", "100ms", "--flush-timeout", "100ms", "--host", "rel", "--service", "rel",
		"--log-level", "warn", pattern}
}

// TestReliabilityCollectorKill9 kills `tailcast collect` with SIGKILL at
// random points of a stream with rename-rotations, restarts it each time,
// and counts every line on the topic with kcat.
func TestReliabilityCollectorKill9(t *testing.T) {
	total := scaled(100_000, 1_000_000)
	kills := scaled(5, 20)
	rate := scaled(10_000, 20_000)
	rotateEvery := scaled(7_000, 50_000)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("TAILCAST_RELIABILITY_SEED"); s != "" {
		fmt.Sscan(s, &seed)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	t.Logf("lines=%d kills=%d rate=%d/s rotate every %d lines; TAILCAST_RELIABILITY_SEED=%d", total, kills, rate, rotateEvery, seed)

	addr := kfakeProc(t)
	dir := t.TempDir()
	logDir := filepath.Join(dir, "logs")
	if err := os.Mkdir(logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	w := newLogWriter(t, filepath.Join(logDir, "app.log"))
	args := collectArgs(addr, filepath.Join(dir, "positions.json"), filepath.Join(logDir, "app.log*"))
	topic := kcatStream(t, addr, "logs")

	// Kill points: random line counts within the stream.
	at := make([]int, kills)
	for i := range at {
		at[i] = total/20 + rng.IntN(total*17/20)
	}
	slices.Sort(at)

	col := startProc(t, "collect", binary(t, "tailcast"), args...)
	began := time.Now()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		w.stream(total, rate, rotateEvery, stop)
	}()
	t.Cleanup(func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	})
	deadline := time.Duration(total/rate)*time.Second*3 + time.Minute
	for i, n := range at {
		wait.For(t, deadline, fmt.Sprintf("the writer at line %d", n), func() bool {
			if col.exited() {
				t.Fatalf("collector exited by itself (%v); log:\n%s", col.err, col.logTail())
			}
			return int(w.next.Load()) >= n
		})
		col.kill9()
		t.Logf("kill %d at line %d (%v)", i+1, w.next.Load(), time.Since(began).Round(time.Millisecond))
		if col.err == nil {
			t.Fatalf("kill %d: collector exited cleanly, want killed", i+1)
		}
		// Down for a random moment while the writer goes on.
		pause := time.Duration(rng.IntN(300)) * time.Millisecond
		time.Sleep(pause) // the outage itself, not synchronisation
		col = startProc(t, "collect", binary(t, "tailcast"), args...)
	}
	wg.Wait()

	t.Logf("writer done: %d lines, %d rotations, after %v", w.next.Load(), w.rot, time.Since(began).Round(time.Millisecond))
	waitTopic(t, func() *tally { return topic }, total, col, deadline, dir)
	col.stop(t)

	final := kcatCount(t, addr, "logs")
	missing, dups, maxCopies := final.summary(total)
	t.Logf("RESULT collector-kill9: lines=%d kills=%d rotations=%d records=%d missing=%d duplicates=%d max-copies=%d other=%d",
		total, kills, w.rot, final.records, missing, dups, maxCopies, final.other)
	if missing != 0 {
		t.Errorf("got %d lines missing on the topic (first %d), want 0", missing, final.firstMissing(total))
	}
	if final.other != 0 {
		t.Errorf("got %d records without a seq, want 0", final.other)
	}
	// At-least-once bound: per kill, at most what was read but not yet
	// checkpointed: the positions interval (1s) plus the in-flight batch,
	// well under 2s of the stream.
	if bound := kills * 2 * rate; dups > bound {
		t.Errorf("got %d duplicates, want at most %d (2s of the stream per kill)", dups, bound)
	}
}

// waitTopic waits until read (kcat) has seen every line of [0, total), failing
// with what is missing, the files, the positions and the collector's log.
func waitTopic(t testing.TB, read func() *tally, total int, col *proc, d time.Duration, dir string) {
	t.Helper()
	end := time.Now().Add(d)
	for topic := read(); topic.firstMissing(total) >= 0; topic = read() {
		if col.exited() {
			t.Fatalf("collector exited by itself (%v); log:\n%s", col.err, col.logTail())
		}
		if time.Now().After(end) {
			pos, _ := os.ReadFile(filepath.Join(dir, "positions.json"))
			files, _ := filepath.Glob(filepath.Join(dir, "logs", "*"))
			var sizes []string
			for _, f := range files {
				if fi, err := os.Stat(f); err == nil {
					sizes = append(sizes, fmt.Sprintf("%s=%d", filepath.Base(f), fi.Size()))
				}
			}
			missing, _, _ := topic.summary(total)
			var ranges []string
			for i := 0; i < total && len(ranges) < 10; i++ {
				if topic.count(i) == 0 {
					j := i
					for j+1 < total && topic.count(j+1) == 0 {
						j++
					}
					ranges = append(ranges, fmt.Sprintf("%d-%d", i, j))
					i = j
				}
			}
			t.Fatalf("after %v: %d of %d lines missing on the topic (ranges %v; %d records seen)\nfiles: %v\npositions: %s\ncollector log:\n%s",
				d, missing, total, ranges, topic.records, sizes, pos, col.logTail())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
