package multiline

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// kept copies e's Data, which the Joiner reuses after the next call.
func kept(e Entry) Entry {
	e.Data = bytes.Clone(e.Data)
	return e
}

// feed runs lines through j as a file would: each line's end is one past
// its newline. It returns the entries emitted, the final flush included.
func feed(t testing.TB, j *Joiner, lines []string) []Entry {
	t.Helper()
	var out []Entry
	var off int64
	for _, l := range lines {
		end := off + int64(len(l)) + 1
		if e, ok := j.Add([]byte(l), off, end); ok {
			out = append(out, kept(e))
		}
		off = end
	}
	if e, ok := j.Flush(); ok {
		out = append(out, kept(e))
	}
	if j.Pending() {
		t.Fatal("Pending after Flush: got true, want false")
	}
	return out
}

// checkLossless verifies that entries are exactly lines, in order, with
// offsets that match a file holding them.
func checkLossless(t testing.TB, lines []string, entries []Entry) {
	t.Helper()
	var off int64
	next := 0
	for k, e := range entries {
		if e.Lines < 1 || next+e.Lines > len(lines) {
			t.Fatalf("entry %d: %d lines, %d of %d lines left", k, e.Lines, len(lines)-next, len(lines))
		}
		want := strings.Join(lines[next:next+e.Lines], "\n")
		if string(e.Data) != want {
			t.Fatalf("entry %d data:\ngot  %q\nwant %q", k, e.Data, want)
		}
		if e.Start != off {
			t.Fatalf("entry %d: got Start %d, want %d", k, e.Start, off)
		}
		for _, l := range lines[next : next+e.Lines] {
			off += int64(len(l)) + 1
		}
		if e.End != off {
			t.Fatalf("entry %d: got End %d, want %d", k, e.End, off)
		}
		next += e.Lines
	}
	if next != len(lines) {
		t.Fatalf("entries hold %d lines, want %d", next, len(lines))
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

type wantEntry struct {
	first string // first line's prefix
	lines int
}

func TestJoinerStackTraces(t *testing.T) {
	tests := []struct {
		file string
		want []wantEntry
	}{
		{"java.log", []wantEntry{
			{"2026-01-02 15:04:05,000 INFO", 1},
			{"2026-01-02 15:04:06,112 ERROR", 21},
			{"2026-01-02 15:04:06,250 WARN", 1},
			{`Exception in thread "main"`, 3},
			{"2026-01-02 15:04:07,001 INFO", 1},
		}},
		{"python.log", []wantEntry{
			{"2026-01-02 15:04:05,000 INFO", 1},
			{"2026-01-02 15:04:05,500 ERROR", 15},
			{"2026-01-02 15:04:06,000 INFO", 1},
			{"WARNING:root:fetch failed", 16},
			{"2026-01-02 15:04:07,000 INFO", 1},
		}},
		{"go.log", []wantEntry{
			{"2026/01/02 15:04:05 starting", 1},
			{"2026/01/02 15:04:05 worker 1", 1},
			{"panic: runtime error", 13},
			{"exit status 2", 1},
			{"2026/01/02 15:04:06 supervisor", 1},
			{"2026/01/02 15:04:07 recovered", 10},
			{"2026/01/02 15:04:07 listening", 1},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			lines := readLines(t, "testdata/"+tc.file)
			got := feed(t, New(Config{}), lines)
			checkLossless(t, lines, got)
			if len(got) != len(tc.want) {
				for _, e := range got {
					t.Logf("entry (%d lines): %.60q", e.Lines, e.Data)
				}
				t.Fatalf("got %d entries, want %d", len(got), len(tc.want))
			}
			for k, w := range tc.want {
				if !bytes.HasPrefix(got[k].Data, []byte(w.first)) || got[k].Lines != w.lines {
					t.Errorf("entry %d: got %d lines starting %.40q, want %d lines starting %q", k, got[k].Lines, got[k].Data, w.lines, w.first)
				}
			}
		})
	}
}

func TestJoinerRules(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  []int // lines per entry
	}{
		{"single lines", []string{"a", "b", "c"}, []int{1, 1, 1}},
		{"indented continues", []string{"a", " b", "\tc", "d"}, []int{3, 1}},
		{"blank line continues", []string{"a", "", "b"}, []int{2, 1}},
		{"first line indented", []string{"  x", "a"}, []int{1, 1}},
		{"unindented at and more", []string{"E", "at x.y(Z.java:1)", "... 3 more", "n"}, []int{3, 1}},
		{"not a more line", []string{"E", "... and then", "n"}, []int{1, 1, 1}},
		{"java exception header", []string{"ERROR failed", "com.example.FooError: x", "org.acme.Throwable", "n"}, []int{3, 1}},
		{"undotted exception is a new line outside a traceback", []string{"a", "KeyError: 'k'"}, []int{1, 1}},
		{"python exception line ends the traceback", []string{"Traceback (most recent call last):", `  File "x.py", line 1, in <module>`, "ValueError: bad", "next", "Other: x"}, []int{3, 1, 1}},
		{"bare exception name", []string{"err", "Traceback (most recent call last):", "  File \"x\"", "KeyboardInterrupt", "n"}, []int{4, 1}},
		{"prose after traceback frames starts an entry", []string{"Traceback (most recent call last):", "  File \"x\"", "2026-01-02 boom", "n"}, []int{2, 1, 1}},
		{"go frames only inside a dump", []string{"main.main()", "foo.bar()"}, []int{1, 1}},
		{"fatal error and goroutine", []string{"x", "fatal error: all goroutines are asleep - deadlock!", "", "goroutine 1 gp=0xc000002380 m=0 mp=0x5a9e20 [chan receive]:", "main.main()", "\t/a.go:3 +0x1", "n"}, []int{1, 5, 1}},
		{"signal line", []string{"panic: runtime error: invalid memory address or nil pointer dereference", "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x48f4a5]", "", "goroutine 1 [running]:", "main.main()", "...additional frames elided...", "n"}, []int{6, 1}},
		{"panic always starts an entry", []string{"a", "panic: x"}, []int{1, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := feed(t, New(Config{}), tc.lines)
			checkLossless(t, tc.lines, got)
			if g := lineCounts(got); fmt.Sprint(g) != fmt.Sprint(tc.want) {
				t.Errorf("got entries of %v lines, want %v", g, tc.want)
			}
		})
	}
}

func lineCounts(es []Entry) []int {
	n := make([]int, len(es))
	for i, e := range es {
		n[i] = e.Lines
	}
	return n
}

func TestJoinerStartPattern(t *testing.T) {
	lines := []string{"[1] a", "  b", "c", "[2] d", "[3] e", "f"}
	got := feed(t, New(Config{Start: regexp.MustCompile(`^\[\d+\]`)}), lines)
	checkLossless(t, lines, got)
	if g, want := fmt.Sprint(lineCounts(got)), "[3 1 2]"; g != want {
		t.Errorf("got entries of %s lines, want %s", g, want)
	}
	// Lines before the first match form an entry of their own.
	lines = []string{"orphan", "[1] a"}
	got = feed(t, New(Config{Start: regexp.MustCompile(`^\[`)}), lines)
	if g, want := fmt.Sprint(lineCounts(got)), "[1 1]"; g != want {
		t.Errorf("got entries of %s lines, want %s", g, want)
	}
}

func TestJoinerCaps(t *testing.T) {
	trace := []string{"ERROR x", "\tat a", "\tat b", "\tat c", "\tat d", "\tat e", "\tat f", "next"}
	tests := []struct {
		name string
		cfg  Config
		want []int
	}{
		{"default", Config{}, []int{7, 1}},
		{"max lines", Config{MaxLines: 3}, []int{3, 3, 1, 1}},
		{"max lines 1", Config{MaxLines: 1}, []int{1, 1, 1, 1, 1, 1, 1, 1}},
		// "ERROR x" is 7 bytes, each "\n\tat ?" adds 6.
		{"max bytes", Config{MaxBytes: 19}, []int{3, 3, 1, 1}},
		{"line longer than max bytes", Config{MaxBytes: 3}, []int{1, 1, 1, 1, 1, 1, 1, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := feed(t, New(tc.cfg), trace)
			checkLossless(t, trace, got)
			if g := lineCounts(got); fmt.Sprint(g) != fmt.Sprint(tc.want) {
				t.Errorf("got entries of %v lines, want %v", g, tc.want)
			}
			for _, e := range got {
				if tc.cfg.MaxBytes > 0 && e.Lines > 1 && len(e.Data) > tc.cfg.MaxBytes {
					t.Errorf("entry of %d bytes, cap %d", len(e.Data), tc.cfg.MaxBytes)
				}
			}
		})
	}
}

func TestJoinerDefaults(t *testing.T) {
	j := New(Config{})
	if j.cfg.MaxLines != 500 || j.cfg.MaxBytes != 1<<20 {
		t.Errorf("got MaxLines %d MaxBytes %d, want 500 and %d", j.cfg.MaxLines, j.cfg.MaxBytes, 1<<20)
	}
	lines := []string{"ERROR x"}
	for range 1200 {
		lines = append(lines, "\tat com.example.Deep.recurse(Deep.java:12)")
	}
	got := feed(t, j, lines)
	checkLossless(t, lines, got)
	if g, want := fmt.Sprint(lineCounts(got)), "[500 500 201]"; g != want {
		t.Errorf("got entries of %s lines, want %s", g, want)
	}
}

func TestJoinerFlushAndCopy(t *testing.T) {
	j := New(Config{})
	if _, ok := j.Flush(); ok {
		t.Fatal("Flush on empty Joiner: got ok, want none")
	}
	buf := []byte("first")
	if _, ok := j.Add(buf, 0, 6); ok {
		t.Fatal("first Add: got an entry, want none")
	}
	copy(buf, "XXXXX") // the caller reuses its buffer
	if !j.Pending() {
		t.Fatal("Pending: got false, want true")
	}
	e, ok := j.Flush()
	if !ok || string(e.Data) != "first" || e.Start != 0 || e.End != 6 || e.Lines != 1 {
		t.Fatalf("Flush: got %q %d-%d %d lines ok=%v, want \"first\" 0-6 1 line", e.Data, e.Start, e.End, e.Lines, ok)
	}
	// A continuation after a quiet-period flush starts its own entry.
	j.Add([]byte("\tat x"), 6, 12)
	if e, ok := j.Flush(); !ok || string(e.Data) != "\tat x" || e.Start != 6 {
		t.Fatalf("got %q at %d ok=%v, want the continuation alone at 6", e.Data, e.Start, ok)
	}
}

func FuzzJoiner(f *testing.F) {
	for _, name := range []string{"java.log", "python.log", "go.log"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(0), uint16(0), false)
		f.Add(b, uint8(3), uint16(80), false)
		f.Add(b, uint8(0), uint16(0), true)
	}
	f.Add([]byte("a\n\n\n b\nTraceback (most recent call last):\nX\n"), uint8(2), uint16(5), false)
	start := regexp.MustCompile(`^\d`)
	f.Fuzz(func(t *testing.T, data []byte, maxLines uint8, maxBytes uint16, useStart bool) {
		cfg := Config{MaxLines: int(maxLines % 16), MaxBytes: int(maxBytes % 512)}
		if useStart {
			cfg.Start = start
		}
		lines := strings.Split(string(data), "\n")
		j := New(cfg)
		var got []Entry
		var off int64
		for i, l := range lines {
			end := off + int64(len(l)) + 1
			if e, ok := j.Add([]byte(l), off, end); ok {
				got = append(got, kept(e))
			}
			if i%7 == 6 { // a quiet period now and then
				if e, ok := j.Flush(); ok {
					got = append(got, kept(e))
				}
			}
			off = end
		}
		if e, ok := j.Flush(); ok {
			got = append(got, kept(e))
		}
		checkLossless(t, lines, got)
		for _, e := range got {
			if e.Lines > j.cfg.MaxLines || (e.Lines > 1 && len(e.Data) > j.cfg.MaxBytes) {
				t.Fatalf("entry of %d lines / %d bytes over the caps %d / %d", e.Lines, len(e.Data), j.cfg.MaxLines, j.cfg.MaxBytes)
			}
		}
	})
}

func BenchmarkAdd(b *testing.B) {
	var lines [][]byte
	var size int64
	for _, name := range []string{"java.log", "python.log", "go.log"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			b.Fatal(err)
		}
		for _, l := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
			lines = append(lines, l)
			size += int64(len(l)) + 1
		}
	}
	j := New(Config{})
	b.SetBytes(size / int64(len(lines)))
	b.ReportAllocs()
	var off int64
	i := 0
	for b.Loop() {
		l := lines[i%len(lines)]
		i++
		end := off + int64(len(l)) + 1
		j.Add(l, off, end)
		off = end
	}
}

// TestAddReusesBuffers: once warm, joining single lines allocates nothing,
// and an entry returned by Add is intact until the next call.
func TestAddReusesBuffers(t *testing.T) {
	j := New(Config{})
	lines := [][]byte{[]byte("2026-01-02 15:04:05 INFO one"), []byte("2026-01-02 15:04:06 WARN two")}
	var off int64
	add := func(i int) (Entry, bool) {
		l := lines[i%2]
		e, ok := j.Add(l, off, off+int64(len(l))+1)
		off += int64(len(l)) + 1
		return e, ok
	}
	for i := range 4 {
		e, ok := add(i)
		if want := lines[(i+1)%2]; ok && !bytes.Equal(e.Data, want) {
			t.Fatalf("entry %d: got %q, want %q", i, e.Data, want)
		}
	}
	i := 0
	if got := testing.AllocsPerRun(1000, func() { add(i); i++ }); got != 0 {
		t.Errorf("allocations per Add: got %v, want 0", got)
	}
}

func TestCRLFKeptAndIgnored(t *testing.T) {
	j := New(Config{})
	var got []string
	for i, l := range []string{"Exception in thread \"main\" java.lang.Error: x\r", "\tat a.B.c(B.java:1)\r", "\r", "next\r"} {
		if e, ok := j.Add([]byte(l), int64(i), int64(i+1)); ok {
			got = append(got, string(e.Data))
		}
	}
	if e, ok := j.Flush(); ok {
		got = append(got, string(e.Data))
	}
	want := []string{"Exception in thread \"main\" java.lang.Error: x\r\n\tat a.B.c(B.java:1)\r\n\r", "next\r"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
