package demo

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var (
	plainRe  = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL|CRITICAL) [\w.]+ - \S.*$`)
	accessRe = regexp.MustCompile(`^\d+\.\d+\.\d+\.\d+ - \S+ \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "[A-Z]+ \S+ HTTP/1\.1" (\d{3}) \d+ "[^"]*" "[^"]*" \d+\.\d{3}$`)
	nginxRe  = regexp.MustCompile(`^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[(debug|info|warn|error|crit)\] \d+#\d+: \*\d+ .+$`)
)

// normLevel maps the level words of every shape to the protocol's names.
var normLevel = map[string]string{
	"trace": "trace", "debug": "debug", "info": "info", "warn": "warn", "warning": "warn",
	"error": "error", "fatal": "fatal", "critical": "fatal", "crit": "fatal",
}

type entryStart struct {
	shape, level string
}

// classify recognises the first line of an entry; ok is false for a
// continuation line.
func classify(t *testing.T, line string) (entryStart, bool) {
	t.Helper()
	switch {
	case strings.HasPrefix(line, "{"):
		var obj struct {
			Level string `json:"level"`
			Msg   string `json:"msg"`
		}
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Errorf("invalid JSON line %q: %v", line, err)
		}
		if obj.Msg == "" {
			t.Errorf("JSON line without msg: %q", line)
		}
		return entryStart{"json", normLevel[obj.Level]}, true
	case plainRe.MatchString(line):
		return entryStart{"plain", normLevel[strings.ToLower(plainRe.FindStringSubmatch(line)[1])]}, true
	case accessRe.MatchString(line):
		return entryStart{"access", ""}, true
	case nginxRe.MatchString(line):
		return entryStart{"nginx-error", normLevel[nginxRe.FindStringSubmatch(line)[1]]}, true
	}
	return entryStart{}, false
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

func TestRunContent(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "logs")
	const n = 3000
	if err := Run(t.Context(), Config{Dir: dir, Rate: 1e6, Lines: n, Seed: 42}); err != nil {
		t.Fatal(err)
	}
	levels := map[string]int{}
	shapes := map[string]int{}
	traces := map[string]int{}
	entries := 0
	for _, svc := range DefaultServices {
		lines := readLines(t, filepath.Join(dir, svc+".log"))
		if len(lines) == 0 {
			t.Errorf("%s.log: got no lines, want some", svc)
			continue
		}
		var last entryStart
		for i, line := range lines {
			if start, ok := classify(t, line); ok {
				entries++
				levels[start.level]++
				shapes[start.shape]++
				last = start
				continue
			}
			if i == 0 {
				t.Fatalf("%s.log starts with continuation line %q", svc, line)
			}
			// A continuation: only a stack trace, only after an error.
			if last.level != "error" && last.level != "fatal" {
				t.Errorf("%s.log:%d: continuation %q after a %q entry, want only after error or fatal", svc, i+1, line, last.level)
			}
			switch {
			case strings.HasPrefix(line, "goroutine "):
				traces["go"]++
			case line == "Traceback (most recent call last):":
				traces["python"]++
			case strings.HasPrefix(line, "Caused by: "):
				traces["java"]++
			case strings.HasPrefix(line, "\t"), strings.HasPrefix(line, "  "), strings.Contains(line, "Error: "),
				strings.Contains(line, "Exception: "), strings.Contains(line, "("):
			default:
				t.Errorf("%s.log:%d: unrecognised line %q", svc, i+1, line)
			}
		}
	}
	if entries != n {
		t.Errorf("got %d entries, want %d", entries, n)
	}
	for _, l := range []string{"trace", "debug", "info", "warn", "error", "fatal"} {
		if levels[l] == 0 {
			t.Errorf("got no %s entries, want some (levels %v)", l, levels)
		}
	}
	if levels["info"] < levels["debug"] || levels["debug"] < levels["error"] || levels["error"] < levels["fatal"] {
		t.Errorf("got levels %v, want info > debug > error > fatal", levels)
	}
	for _, s := range []string{"json", "plain", "access", "nginx-error"} {
		if shapes[s] == 0 {
			t.Errorf("got no %s lines, want some (shapes %v)", s, shapes)
		}
	}
	for _, tr := range []string{"go", "python", "java"} {
		if traces[tr] == 0 {
			t.Errorf("got no %s stack trace, want at least one (traces %v)", tr, traces)
		}
	}
}

// TestRunAppendsAndStops: Run appends to what is there and returns nil soon
// after its context ends.
func TestRunAppendsAndStops(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "api.log")
	if err := os.WriteFile(path, []byte("existing line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, Config{Dir: dir, Rate: 200, Services: []string{"api"}}) }()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if st, err := os.Stat(path); err == nil && st.Size() > 1000 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("got %v, want nil after cancel", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run still running 5s after cancel")
	}
	lines := readLines(t, path)
	if len(lines) < 2 || lines[0] != "existing line" {
		t.Fatalf("got %d lines starting %q, want the existing line kept and more after it", len(lines), lines[0])
	}
	if _, ok := classify(t, lines[1]); !ok {
		t.Errorf("got %q after the existing line, want an entry", lines[1])
	}
}

func TestRunRotates(t *testing.T) {
	dir := t.TempDir()
	const limit = 4096
	if err := Run(t.Context(), Config{Dir: dir, Rate: 1e6, Lines: 400, Services: []string{"billing"}, RotateBytes: limit, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	old, err := os.Stat(filepath.Join(dir, "billing.log.1"))
	if err != nil {
		t.Fatalf("got %v, want a rotated billing.log.1", err)
	}
	if old.Size() < limit {
		t.Errorf("got billing.log.1 of %d bytes, want at least %d", old.Size(), limit)
	}
	for _, name := range []string{"billing.log", "billing.log.1"} {
		lines := readLines(t, filepath.Join(dir, name))
		if len(lines) == 0 {
			continue
		}
		if _, ok := classify(t, lines[0]); !ok {
			t.Errorf("%s starts with %q, want an entry's first line (entries never split)", name, lines[0])
		}
	}
	cur, err := os.Stat(filepath.Join(dir, "billing.log"))
	if err != nil {
		t.Fatal(err)
	}
	if cur.Size() >= limit {
		t.Errorf("got billing.log of %d bytes, want below the rotation size %d", cur.Size(), limit)
	}
}

func TestRunBadConfig(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no dir", Config{}},
		{"negative rate", Config{Dir: dir, Rate: -1}},
		{"infinite rate", Config{Dir: dir, Rate: posInf()}},
		{"negative lines", Config{Dir: dir, Lines: -1}},
		{"negative rotate", Config{Dir: dir, RotateBytes: -1}},
		{"path in service", Config{Dir: dir, Services: []string{"../etc"}}},
		{"empty service", Config{Dir: dir, Services: []string{""}}},
		{"duplicate service", Config{Dir: dir, Services: []string{"api", "api"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Run(t.Context(), tt.cfg); !errors.Is(err, ErrConfig) {
				t.Errorf("got %v, want ErrConfig", err)
			}
		})
	}
	t.Run("dir is a file", func(t *testing.T) {
		f := filepath.Join(dir, "file")
		os.WriteFile(f, nil, 0o644)
		if err := Run(t.Context(), Config{Dir: f, Lines: 1}); err == nil {
			t.Error("got nil, want an error")
		}
	})
}

func posInf() float64 { var z float64; return 1 / z }

// TestPacer: the count due follows rate × elapsed whatever the tick
// jitter, and a stall releases at most one second's worth.
func TestPacer(t *testing.T) {
	t0 := time.Unix(1000, 0)
	tests := []struct {
		name  string
		rate  float64
		ticks []time.Duration // offsets from the start
		want  int64
	}{
		{"regular", 10, steps(100*time.Millisecond, 100), 100},
		{"jittery", 10, ms(30, 170, 950, 951, 1700, 2600, 3050, 3900, 4800, 5500, 6300, 7200, 8100, 8900, 9500, 10000), 100},
		{"slow rate", 0.5, steps(100*time.Millisecond, 100), 5},
		{"fast rate, coarse ticks", 10000, steps(100*time.Millisecond, 30), 30000},
		{"stall releases one second", 10, []time.Duration{time.Second, 61 * time.Second}, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := pacer{rate: tt.rate, start: t0}
			var got int64
			for _, d := range tt.ticks {
				got += p.take(t0.Add(d))
			}
			if got != tt.want {
				t.Errorf("got %d entries, want %d", got, tt.want)
			}
		})
	}
}

func steps(d time.Duration, n int) []time.Duration {
	s := make([]time.Duration, n)
	for i := range s {
		s[i] = time.Duration(i+1) * d
	}
	return s
}

func ms(v ...int) []time.Duration {
	s := make([]time.Duration, len(v))
	for i, m := range v {
		s[i] = time.Duration(m) * time.Millisecond
	}
	return s
}
