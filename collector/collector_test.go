package collector

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tailcast/tailcast/internal/kafkaconf"
	"github.com/tailcast/tailcast/internal/kafkatest"
	"github.com/tailcast/tailcast/internal/loghub"
	"github.com/tailcast/tailcast/internal/wait"
)

func TestLinesReachTopicInOrder(t *testing.T) {
	b := kafkatest.Start(t, "logs", 3)
	dir := t.TempDir()
	path := filepath.Join(dir, "hdfs.log")
	appendFile(t, path, "present before start: must be skipped\n")
	r := readTopic(t, b.Addr(), "logs")
	cfg := testConfig(b.Addr(), Input{Pattern: filepath.Join(dir, "*.log"), Labels: map[string]string{"team": "storage", "env": "test"}})
	c := startWatching(t, cfg)

	lines := loghub.First(t, "HDFS", 2000)
	for i := 0; i < len(lines); i += 250 { // appended in bursts, as a service would
		appendFile(t, path, strings.Join(lines[i:i+250], "\n")+"\n")
	}
	recs := r.waitN(t, len(lines), 20*time.Second)
	if len(recs) != len(lines) {
		t.Fatalf("got %d records, want %d", len(recs), len(lines))
	}
	for i, rec := range recs {
		e := rec.e
		if got, want := string(rec.value), lines[i]; got != want {
			t.Fatalf("record %d: got value %q, want the line %q", i, got, want)
		}
		if got, want := string(e.Raw), lines[i]; got != want {
			t.Fatalf("record %d: got raw %q, want %q", i, got, want)
		}
		if rec.partition != recs[0].partition {
			t.Fatalf("record %d: got partition %d, want %d (one file, one partition)", i, rec.partition, recs[0].partition)
		}
		if rec.key != "" {
			t.Fatalf("got key %q, want none (the partition is the file's)", rec.key)
		}
		if want := wantPartition(t, "testhost:"+path, 3); rec.partition != want {
			t.Fatalf("record %d: got partition %d, want %d, where the key host:path put a file's records", i, rec.partition, want)
		}
		// The service, hdfs, is the path's default: left for the consumer
		// to derive.
		wantHdrs := map[string]string{"tc": "\x00testhost\x00" + path + "\x00env\x00test\x00team\x00storage"}
		if !maps.Equal(rec.headers, wantHdrs) {
			t.Fatalf("record %d: got headers %v, want %v", i, rec.headers, wantHdrs)
		}
		if e.Host != "testhost" || e.Source != path || e.Service != "hdfs" || e.ReadTimeUnixNano == 0 || e.Truncated {
			t.Fatalf("got host %q source %q service %q read time %d truncated %v", e.Host, e.Source, e.Service, e.ReadTimeUnixNano, e.Truncated)
		}
		if e.Message == "" {
			t.Fatalf("record %d: empty message", i)
		}
		n := len(e.Fields)
		if n < 2 || e.Fields[n-2].Key != "env" || e.Fields[n-2].Value != "test" || e.Fields[n-1].Key != "team" || e.Fields[n-1].Value != "storage" {
			t.Fatalf("record %d: got fields %v, want labels env=test team=storage last", i, e.Fields)
		}
	}
	wait.For(t, 5*time.Second, "all acked", func() bool { return c.Stats().EntriesAcked == int64(len(lines)) })
	if s := c.Stats(); s.LinesRead != int64(len(lines)) || s.BufferedBytes != 0 {
		t.Fatalf("got stats %+v, want %d lines read and nothing buffered", s, len(lines))
	}
}

func TestPositionsAdvanceOnlyAfterAck(t *testing.T) {
	b := kafkatest.Start(t, "logs", 1)
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	posFile := filepath.Join(dir, "positions.json")
	appendFile(t, path, "")

	allowProduce := refuseProduce(b)
	cfg := testConfig(b.Addr(), Input{Pattern: path})
	cfg.PositionsFile = posFile
	c := startWatching(t, cfg)
	var want int64
	for i := 0; i < 50; i++ {
		l := fmt.Sprintf("2026-01-02 15:04:05,000 INFO seq=%d\n", i)
		want += int64(len(l))
		appendFile(t, path, l)
	}
	wait.For(t, 5*time.Second, "lines read", func() bool { return c.Stats().LinesRead == 50 })
	wait.For(t, 5*time.Second, "positions written", func() bool { _, err := os.Stat(posFile); return err == nil })
	// While the broker refuses, several checkpoint intervals pass and the
	// position must stay at 0.
	deadline := time.Now().Add(500 * time.Millisecond)
	for time.Now().Before(deadline) {
		if got := readPositions(t, posFile)[path].Offset; got != 0 {
			t.Fatalf("got position %d while nothing was acknowledged, want 0", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if s := c.Stats(); s.EntriesAcked != 0 {
		t.Fatalf("got %d acked while the broker refuses, want 0", s.EntriesAcked)
	}
	allowProduce()
	wait.For(t, 20*time.Second, "position at end of file", func() bool { return readPositions(t, posFile)[path].Offset == want })
	r := readTopic(t, b.Addr(), "logs")
	seen := numbered(r.waitN(t, 50, 10*time.Second))
	if m := missing(seen, 0, 49); len(m) > 0 {
		t.Fatalf("missing seq %v", m)
	}
}

func TestRestartResumesFromPositions(t *testing.T) {
	b := kafkatest.Start(t, "logs", 3)
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	posFile := filepath.Join(dir, "positions.json")
	appendFile(t, path, "old line before the first start\n")
	cfg := testConfig(b.Addr(), Input{Pattern: path})
	cfg.PositionsFile = posFile

	c1, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c1.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 5*time.Second, "file watched", func() bool { return c1.Stats().FilesWatched == 1 })
	for i := 0; i < 300; i++ {
		appendFile(t, path, fmt.Sprintf("line seq=%d\n", i))
	}
	wait.For(t, 10*time.Second, "some acked", func() bool { return c1.Stats().EntriesAcked >= 100 })
	if err := c1.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := c1.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	// Written while the collector is down, then by a new collector.
	for i := 300; i < 600; i++ {
		appendFile(t, path, fmt.Sprintf("line seq=%d\n", i))
	}
	c2 := startCollector(t, cfg)
	for i := 600; i < 700; i++ {
		appendFile(t, path, fmt.Sprintf("line seq=%d\n", i))
	}
	r := readTopic(t, b.Addr(), "logs")
	recs := r.wait(t, 20*time.Second, "all 700 lines", func(rs []record) bool { return len(missing(numbered(rs), 0, 699)) == 0 })
	_ = c2
	dups := 0
	for _, n := range numbered(recs) {
		dups += n - 1
	}
	if dups != 0 { // a clean Close waits for every ack
		t.Fatalf("got %d duplicates after a clean restart, want 0", dups)
	}
	for _, rec := range recs {
		if strings.Contains(string(rec.e.Raw), "old line") {
			t.Fatalf("a line present before the first start was sent")
		}
	}
}

func TestTruncation(t *testing.T) {
	b := kafkatest.Start(t, "logs", 1)
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	appendFile(t, path, "")
	r := readTopic(t, b.Addr(), "logs")
	startWatching(t, testConfig(b.Addr(), Input{Pattern: path}))
	for i := 0; i < 20; i++ {
		appendFile(t, path, fmt.Sprintf("before truncation seq=%d\n", i))
	}
	r.waitN(t, 20, 10*time.Second)
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	for i := 20; i < 25; i++ {
		appendFile(t, path, fmt.Sprintf("after seq=%d\n", i))
	}
	recs := r.waitN(t, 25, 10*time.Second)
	if m := missing(numbered(recs), 0, 24); len(m) > 0 {
		t.Fatalf("missing seq %v", m)
	}
	if got := string(recs[20].e.Raw); got != "after seq=20" {
		t.Fatalf("first line after truncation: got %q, want %q (read from the start again)", got, "after seq=20")
	}
	// One file's records arrive in order, so a wrong re-read would land
	// before a marker written now.
	appendFile(t, path, "marker\n")
	recs = r.waitN(t, 26, 10*time.Second)
	if got := len(recs); got != 26 || string(recs[25].e.Raw) != "marker" {
		t.Fatalf("got %d records ending %q, want 25 lines then the marker (no duplicates)", got, recs[len(recs)-1].e.Raw)
	}
}

// TestTruncationRewrittenPastOffset covers copytruncate when the file grows
// past the old offset before the reader looks: only the fingerprint tells.
func TestTruncationRewrittenPastOffset(t *testing.T) {
	b := kafkatest.Start(t, "logs", 1)
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	appendFile(t, path, "")
	r := readTopic(t, b.Addr(), "logs")
	cfg := testConfig(b.Addr(), Input{Pattern: path})
	cfg.Poll = true // no inotify wake-up between truncate and rewrite
	cfg.PollInterval = time.Second
	startWatching(t, cfg)
	appendFile(t, path, "first generation seq=0\n")
	r.waitN(t, 1, 10*time.Second)
	var sb strings.Builder
	for i := 1; i <= 10; i++ {
		fmt.Fprintf(&sb, "second generation, longer than the first seq=%d\n", i)
	}
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil { // O_TRUNC, then write
		t.Fatal(err)
	}
	recs := r.waitN(t, 11, 10*time.Second)
	if m := missing(numbered(recs), 0, 10); len(m) > 0 {
		t.Fatalf("missing seq %v", m)
	}
}

func TestLineShapes(t *testing.T) {
	tests := []struct {
		name      string
		maxLine   int
		write     string
		wantRaw   []string
		wantTrunc []bool
	}{
		{"crlf", 0, "windows line\r\nnext\r\n", []string{"windows line", "next"}, []bool{false, false}},
		{"invalid utf-8 kept in raw", 0, "bad \xff\xfe bytes\n", []string{"bad \xff\xfe bytes"}, []bool{false}},
		{"huge line cut in one chunk", 1000, strings.Repeat("x", 5000) + "\nafter\n", []string{strings.Repeat("x", 1000), "after"}, []bool{true, false}},
		{"huge line across chunks", 200 << 10, strings.Repeat("y", 700<<10) + "\nafter\n", []string{strings.Repeat("y", 200<<10), "after"}, []bool{true, false}},
		{"line exactly at the limit", 10, "0123456789\n", []string{"0123456789"}, []bool{false}},
	}
	b := kafkatest.Start(t, "logs", 1)
	r := readTopic(t, b.Addr(), "logs")
	have := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "app.log")
			appendFile(t, path, "")
			cfg := testConfig(b.Addr(), Input{Pattern: path})
			cfg.MaxLineBytes = tt.maxLine
			c := startWatching(t, cfg)
			appendFile(t, path, tt.write)
			recs := r.waitN(t, have+len(tt.wantRaw), 10*time.Second)[have:]
			have += len(tt.wantRaw)
			for i, rec := range recs {
				if got := string(rec.e.Raw); got != tt.wantRaw[i] {
					t.Errorf("record %d: got raw of %d bytes %.40q, want %d bytes %.40q", i, len(got), got, len(tt.wantRaw[i]), tt.wantRaw[i])
				}
				if rec.e.Truncated != tt.wantTrunc[i] {
					t.Errorf("record %d: got truncated %v, want %v", i, rec.e.Truncated, tt.wantTrunc[i])
				}
				if !utf8.ValidString(rec.e.Message) {
					t.Errorf("record %d: message is not valid UTF-8", i)
				}
			}
			wantCut := 0
			for _, tr := range tt.wantTrunc {
				if tr {
					wantCut++
				}
			}
			if got := c.Stats().LinesTruncated; got != int64(wantCut) {
				t.Errorf("got %d lines truncated, want %d", got, wantCut)
			}
		})
	}
}

// TestValueIsTheLine: a record's value is the line as written, whatever
// its shape; parsing it is the consumer's work. KeepRaw changes nothing.
func TestValueIsTheLine(t *testing.T) {
	tests := []struct {
		name    string
		keepRaw bool
		line    string
		wantMsg string // as the consumer parses it
	}{
		{"plain line", false, "2026-01-02 15:04:05,000 WARN [main] disk almost full", "[main] disk almost full"},
		{"json line", false, `{"level":"error","msg":"boom","code":7}`, "boom"},
		{"invalid utf-8", false, "bad \xff\xfe bytes", "bad \uFFFD bytes"},
		{"trailing blanks", false, "INFO done \t ", "done"},
		{"keep raw is a no-op", true, "2026-01-02 15:04:05,000 WARN [main] disk almost full", "[main] disk almost full"},
	}
	b := kafkatest.Start(t, "logs", 1)
	r := readTopic(t, b.Addr(), "logs")
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "app.log")
			appendFile(t, path, "")
			cfg := testConfig(b.Addr(), Input{Pattern: path})
			cfg.KeepRaw = tt.keepRaw
			startWatching(t, cfg)
			appendFile(t, path, tt.line+"\n")
			rec := r.waitN(t, i+1, 10*time.Second)[i]
			if string(rec.value) != tt.line || string(rec.e.Raw) != tt.line {
				t.Errorf("got value %q raw %q, want the line %q", rec.value, rec.e.Raw, tt.line)
			}
			if rec.e.Message != tt.wantMsg {
				t.Errorf("got message %q, want %q", rec.e.Message, tt.wantMsg)
			}
		})
	}
}

// TestDeletedFileLastLine: a file deleted right after its last, unterminated
// line was written is still read to its end, that line included, before it
// is released.
func TestDeletedFileLastLine(t *testing.T) {
	b := kafkatest.Start(t, "logs", 1)
	r := readTopic(t, b.Addr(), "logs")
	for i := range 3 {
		path := filepath.Join(t.TempDir(), "app.log")
		appendFile(t, path, "")
		c := startWatching(t, testConfig(b.Addr(), Input{Pattern: path}))
		appendFile(t, path, fmt.Sprintf("first %d\nlast %d", i, i))
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		wait.For(t, 10*time.Second, "file released", func() bool { return c.Stats().FilesWatched == 0 })
		recs := r.waitN(t, 2*(i+1), 10*time.Second)
		if got, want := raws(recs[2*i:]), []string{fmt.Sprintf("first %d", i), fmt.Sprintf("last %d", i)}; !slices.Equal(got, want) {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
}

func TestLastLineWithoutNewline(t *testing.T) {
	b := kafkatest.Start(t, "logs", 1)
	dir := t.TempDir()
	path := filepath.Join(dir, "small.log")
	r := readTopic(t, b.Addr(), "logs")
	startCollector(t, testConfig(b.Addr(), Input{Pattern: path}))
	// Created after start: read from the beginning; tiny and no newline yet.
	appendFile(t, path, "hi")
	recs := r.waitN(t, 1, 10*time.Second)
	if got := string(recs[0].e.Raw); got != "hi" {
		t.Fatalf("got %q, want %q", got, "hi")
	}
	appendFile(t, path, " there\nnext\n")
	recs = r.waitN(t, 3, 10*time.Second)
	if got := raws(recs); got[1] != " there" || got[2] != "next" {
		t.Fatalf("got %q, want the rest of the line then next", got)
	}
}

func TestGlobRescan(t *testing.T) {
	b := kafkatest.Start(t, "logs", 3)
	dir := t.TempDir()
	r := readTopic(t, b.Addr(), "logs")
	c := startCollector(t, testConfig(b.Addr(),
		Input{Pattern: filepath.Join(dir, "**", "*.log"), Service: "web"}))
	files := []string{
		filepath.Join(dir, "top.log"),
		filepath.Join(dir, "a", "mid.log"),
		filepath.Join(dir, "a", "b", "c", "deep.log"),
	}
	ignored := filepath.Join(dir, "a", "notes.txt")
	for _, f := range append(files, ignored) {
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		appendFile(t, f, "line from "+f+"\n")
	}
	recs := r.waitN(t, len(files), 10*time.Second)
	got := map[string]bool{}
	for _, rec := range recs {
		got[rec.e.Source] = true
		if rec.e.Service != "web" {
			t.Errorf("got service %q, want web", rec.e.Service)
		}
	}
	for _, f := range files {
		if !got[f] {
			t.Errorf("no line from %s", f)
		}
	}
	if got[ignored] {
		t.Errorf("read %s, which the pattern does not match", ignored)
	}
	// A deleted file is released once read to its end.
	if err := os.Remove(files[0]); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 10*time.Second, "deleted file released", func() bool { return c.Stats().FilesWatched == 2 })
}

func TestStartErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  func(addr string) Config
		want string
	}{
		{"unreachable broker", func(string) Config {
			cfg := testConfig("127.0.0.1:1", Input{Pattern: "/nonexistent/*.log"})
			cfg.Kafka = kafkaconf.Config{Brokers: []string{"127.0.0.1:1"}, DialTimeout: 200 * time.Millisecond}
			return cfg
		}, "connect to kafka 127.0.0.1:1"},
		{"missing topic", func(addr string) Config {
			cfg := testConfig(addr, Input{Pattern: "/nonexistent/*.log"})
			cfg.Topic = "nope"
			return cfg
		}, `topic "nope"`},
	}
	b := kafkatest.Start(t, "logs", 1)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.cfg(b.Addr()))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			err = c.Start(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want error
		text string
	}{
		{"no inputs", Config{Kafka: kafkaconf.Config{Brokers: []string{"x:1"}}}, ErrNoInputs, ""},
		{"no brokers", Config{Inputs: []Input{{Pattern: "/x"}}}, nil, "no kafka brokers"},
		{"bad compression", Config{Inputs: []Input{{Pattern: "/x"}}, Kafka: kafkaconf.Config{Brokers: []string{"x:1"}}, Compression: "brotli"}, nil, "compression"},
		{"bad multiline", Config{Inputs: []Input{{Pattern: "/x", Multiline: "("}}, Kafka: kafkaconf.Config{Brokers: []string{"x:1"}}}, nil, "multiline pattern"},
		{"bad glob", Config{Inputs: []Input{{Pattern: "/x/[a"}}, Kafka: kafkaconf.Config{Brokers: []string{"x:1"}}}, nil, "pattern"},
		{"empty pattern", Config{Inputs: []Input{{Pattern: " "}}, Kafka: kafkaconf.Config{Brokers: []string{"x:1"}}}, nil, "empty pattern"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil {
				t.Fatal("got nil error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if tt.text != "" && !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("got %v, want it to mention %q", err, tt.text)
			}
		})
	}
}
