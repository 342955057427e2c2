package collector

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/tailcast/tailcast/internal/broker"
	"github.com/tailcast/tailcast/internal/kafkatest"
	"github.com/tailcast/tailcast/internal/wait"
)

// writer appends numbered lines to a file like a service would, keeping its
// descriptor open across a rename.
type writer struct {
	t    *testing.T
	path string
	f    *os.File
}

func newWriter(t *testing.T, path string) *writer {
	w := &writer{t: t, path: path}
	w.reopen()
	t.Cleanup(func() { w.f.Close() })
	return w
}

func (w *writer) reopen() {
	if w.f != nil {
		w.f.Close()
	}
	f, err := os.OpenFile(w.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		w.t.Fatal(err)
	}
	w.f = f
}

func (w *writer) lines(from, to int) {
	var sb strings.Builder
	for i := from; i < to; i++ {
		fmt.Fprintf(&sb, "2026-01-02 15:04:05,000 INFO request handled path=/api/v1/items status=200 seq=%d\n", i)
		if sb.Len() > 4096 || i == to-1 {
			if _, err := w.f.WriteString(sb.String()); err != nil {
				w.t.Fatal(err)
			}
			sb.Reset()
		}
	}
}

func copyFile(t *testing.T, from, to string) {
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRotationDuringStream(t *testing.T) {
	const total = 3000
	tests := []struct {
		name    string
		pattern string
		rotate  func(t *testing.T, w *writer, at int)
		maxDups int
	}{
		{
			name:    "rename and create",
			pattern: "app.log",
			rotate: func(t *testing.T, w *writer, at int) {
				if err := os.Rename(w.path+".1", w.path+".2"); err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				if err := os.Rename(w.path, w.path+".1"); err != nil {
					t.Fatal(err)
				}
				w.lines(at, at+50) // still written to the renamed file
				w.reopen()
			},
		},
		{
			name:    "copytruncate, copy matched by the pattern",
			pattern: "app.log*",
			rotate: func(t *testing.T, w *writer, at int) {
				if err := os.Rename(w.path+".1", w.path+".2"); err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				copyFile(t, w.path, w.path+".1")
				if err := os.Truncate(w.path, 0); err != nil {
					t.Fatal(err)
				}
				w.lines(at, at+50)
			},
			maxDups: 100,
		},
	}
	b := kafkatest.Start(t, "logs", 3)
	r := readTopic(t, b.Addr(), "logs")
	for i, tt := range tests {
		base := i * total
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "app.log")
			w := newWriter(t, path)
			cfg := testConfig(b.Addr(), Input{Pattern: filepath.Join(dir, tt.pattern)})
			cfg.Logger = zaptest.NewLogger(t, zaptest.Level(zap.InfoLevel))
			startWatching(t, cfg)
			next := 0
			for _, at := range []int{1000, 2000} {
				for next < at { // a stream, not one write
					w.lines(base+next, base+next+100)
					next += 100
				}
				tt.rotate(t, w, base+next)
				next += 50
				// Rotations are spaced like real ones: the scan sees each new
				// file before the next rotation moves it out of the pattern.
				w.lines(base+next, base+next+100)
				next += 100
				want := next
				r.wait(t, 30*time.Second, "lines before the next rotation", func(rs []record) bool {
					return len(missing(numbered(rs), base, base+want-1)) == 0
				})
			}
			w.lines(base+next, base+total)
			recs := r.wait(t, 20*time.Second, "every line", func(rs []record) bool {
				return len(missing(numbered(rs), base, base+total-1)) == 0
			})
			dups := 0
			for n, k := range numbered(recs) {
				if n >= base && n < base+total {
					dups += k - 1
				}
			}
			if dups > tt.maxDups {
				t.Fatalf("got %d duplicates, want at most %d", dups, tt.maxDups)
			}
			t.Logf("%d lines, %d duplicates", total, dups)
		})
	}
}

func TestBrokerDownThenUp(t *testing.T) {
	dataDir := t.TempDir()
	b1, err := broker.Start(broker.Config{Listen: "127.0.0.1:0", DataDir: dataDir, Partitions: 1})
	if err != nil {
		t.Fatal(err)
	}
	addr := b1.Addr()
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	w := newWriter(t, path)
	c := startWatching(t, testConfig(addr, Input{Pattern: path}))
	w.lines(0, 100)
	wait.For(t, 10*time.Second, "first lines acked", func() bool { return c.Stats().EntriesAcked == 100 })

	b1.Close()
	w.lines(100, 300)
	wait.For(t, 10*time.Second, "lines read while down", func() bool { return c.Stats().LinesRead == 300 })
	if got := c.Stats().EntriesAcked; got != 100 {
		t.Fatalf("got %d acked with the broker down, want 100", got)
	}

	b2 := kafkatest.StartConfig(t, broker.Config{Listen: addr, DataDir: dataDir, Partitions: 1})
	wait.For(t, 60*time.Second, "lines acked after the broker returned", func() bool { return c.Stats().EntriesAcked >= 300 })
	r := readTopic(t, b2.Addr(), "logs")
	recs := r.wait(t, 10*time.Second, "every line", func(rs []record) bool { return len(missing(numbered(rs), 0, 299)) == 0 })
	t.Logf("%d records for 300 lines, %d producer errors", len(recs), c.Stats().ProducerErrors)
}

func TestMultiline(t *testing.T) {
	trace := strings.Join([]string{
		"2026-01-02 15:04:05,000 ERROR request failed",
		"java.lang.IllegalStateException: boom",
		"\tat com.example.Foo.bar(Foo.java:10)",
		"\tat com.example.Main.main(Main.java:5)",
		"Caused by: java.io.IOException: disk full",
		"\t... 2 more",
	}, "\n")
	tests := []struct {
		name      string
		multiline string
		write     string
		want      []string
	}{
		{"custom start pattern", `^\d{4}-\d{2}-\d{2} `, trace + "\n2026-01-02 15:04:06,000 INFO next\n",
			[]string{trace, "2026-01-02 15:04:06,000 INFO next"}},
		{"built-in rules, flushed when quiet", "", "ERROR boom\n\tat a.B.c(B.java:1)\n\tat a.B.d(B.java:2)\nCaused by: x\n\t... 1 more\n",
			[]string{"ERROR boom\n\tat a.B.c(B.java:1)\n\tat a.B.d(B.java:2)\nCaused by: x\n\t... 1 more"}},
		{"built-in rules, go panic", "", "panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n\t/x/main.go:5 +0x1d\nINFO after\n",
			nil}, // shape checked below: the goroutine dump is not its own entry
	}
	b := kafkatest.Start(t, "logs", 1)
	r := readTopic(t, b.Addr(), "logs")
	have := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "app.log")
			appendFile(t, path, "")
			startWatching(t, testConfig(b.Addr(), Input{Pattern: path, Multiline: tt.multiline}))
			appendFile(t, path, tt.write)
			if tt.want == nil {
				// The last line is its own entry: once it is on the topic,
				// every entry before it is too.
				r.wait(t, 10*time.Second, "the last entry", func(rs []record) bool {
					return len(rs) > have && string(rs[len(rs)-1].e.Raw) == "INFO after"
				})
				recs := r.snapshot()[have:]
				have += len(recs)
				for _, rec := range recs {
					if strings.HasPrefix(string(rec.e.Raw), "goroutine 1 [") || strings.HasPrefix(string(rec.e.Raw), "\t/x/main.go") {
						t.Fatalf("got a continuation as its own entry: %q", raws(recs))
					}
				}
				return
			}
			recs := r.waitN(t, have+len(tt.want), 10*time.Second)[have:]
			have += len(tt.want)
			for i, rec := range recs {
				if got := string(rec.e.Raw); got != tt.want[i] {
					t.Errorf("entry %d: got %q, want %q", i, got, tt.want[i])
				}
			}
		})
	}
}

// TestMovedOutAndBack: a file renamed out of the pattern is released once
// read, and when renamed back it resumes where it was acknowledged.
func TestMovedOutAndBack(t *testing.T) {
	b := kafkatest.Start(t, "logs", 1)
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	appendFile(t, path, "")
	r := readTopic(t, b.Addr(), "logs")
	c := startWatching(t, testConfig(b.Addr(), Input{Pattern: path}))
	appendFile(t, path, "seq=0\nseq=1\n")
	r.waitN(t, 2, 10*time.Second)
	if err := os.Rename(path, path+".away"); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 10*time.Second, "file released", func() bool { return c.Stats().FilesWatched == 0 })
	appendFile(t, path+".away", "seq=2\n")
	if err := os.Rename(path+".away", path); err != nil {
		t.Fatal(err)
	}
	r.waitN(t, 3, 10*time.Second)
	// A wrong re-read would land before a marker written now.
	appendFile(t, path, "marker\n")
	r.waitN(t, 4, 10*time.Second)
	if got := raws(r.snapshot()); len(got) != 4 || got[2] != "seq=2" || got[3] != "marker" {
		t.Fatalf("got %q, want seq=0 seq=1 seq=2 once each, then the marker", got)
	}
}
