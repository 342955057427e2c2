package collector

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/tailcast/tailcast/internal/kafkatest"
)

func TestCutRunes(t *testing.T) {
	tests := []struct {
		name, in string
		n        int
		want     string
	}{
		{"short stays", "abc", 10, "abc"},
		{"ascii cut", "abcdef", 4, "abcd"},
		{"not inside a rune", "aé", 2, "a"},        // é is 2 bytes
		{"rune ending at the cut", "aéb", 3, "aé"}, // cut after é
		{"four-byte rune", "a\U0001F600b", 4, "a"}, // 😀 is 4 bytes
		{"invalid UTF-8 cut where asked", "\x80\x80\x80\x80\x80", 3, "\x80\x80\x80"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(cutRunes([]byte(tt.in), tt.n)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFileHeaders(t *testing.T) {
	tests := []struct {
		name    string
		service string
		labels  []string
		want    string
		wantLen int // key nil (1), 1 header (1), "tc" (1+2), value (1+len), without the cut mark
	}{
		{"no labels", "billing", nil, "billing\x00web-1\x00/var/log/api.log", 1 + 1 + 3 + 1 + 30},
		{"labels", "billing", []string{"env", "prod", "team", "x"}, "billing\x00web-1\x00/var/log/api.log\x00env\x00prod\x00team\x00x", 1 + 1 + 3 + 1 + 46},
		{"the path's default service left out", "api", nil, "\x00web-1\x00/var/log/api.log", 1 + 1 + 3 + 1 + 23},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdrs, cut := fileHeaders(tt.service, "web-1", "/var/log/api.log", tt.labels)
			if len(hdrs) != 1 || string(hdrs[0].Key) != "tc" || string(hdrs[0].Value) != tt.want {
				t.Fatalf("got headers %q, want one tc: %q", hdrs, tt.want)
			}
			if len(cut) != 2 || string(cut[1].Key) != "cut" || string(cut[1].Value) != "1" || &cut[0] != &hdrs[0] {
				t.Errorf("got cut headers %q, want the headers then cut: 1", cut)
			}
			if cap(hdrs) != len(hdrs) {
				t.Errorf("got headers with spare capacity %d: an append would write into the cut list", cap(hdrs)-len(hdrs))
			}
			if n := headersSize(0, hdrs); n != tt.wantLen {
				t.Errorf("got size %d, want %d", n, tt.wantLen)
			}
			if n, want := headersSize(0, cut), tt.wantLen+1+3+1+1; n != want {
				t.Errorf("got size with cut %d, want %d", n, want)
			}
			if got := metaPath(&sarama.ProducerMessage{Headers: cut}); got != "/var/log/api.log" {
				t.Errorf("got path %q from the meta header, want /var/log/api.log", got)
			}
		})
	}
}

// TestBatchesFitTheBroker: without compression, a backlog of MiBs goes out
// in batches the broker accepts; no record is cut or refused. sarama's
// default batch cap above the broker's limit had every record of a refused
// batch halved.
func TestBatchesFitTheBroker(t *testing.T) {
	b := kafkatest.Start(t, "logs", 1)
	r := readTopic(t, b.Addr(), "logs")
	path := filepath.Join(t.TempDir(), "app.log")
	const n = 3000
	var sb strings.Builder
	for i := range n {
		sb.WriteString(strconv.Itoa(i) + " " + strings.Repeat("x", 1500) + "\n")
	}
	appendFile(t, path, sb.String()) // 4.5 MB, read before the first send
	cfg := testConfig(b.Addr(), Input{Pattern: path})
	cfg.FromStart = true
	cfg.Compression = "none"
	cfg.Linger = 50 * time.Millisecond // batches as large as the cap allows
	c := startCollector(t, cfg)
	recs := r.waitN(t, n, 30*time.Second)
	for i, rec := range recs {
		if rec.e.Truncated || len(rec.e.Raw) < 1500 {
			t.Fatalf("record %d: got truncated %v, raw of %d bytes, want the whole line", i, rec.e.Truncated, len(rec.e.Raw))
		}
	}
	if s := c.Stats(); s.LinesTruncated != 0 || s.ProducerErrors != 0 {
		t.Errorf("got %d lines truncated, %d producer errors, want 0 and 0", s.LinesTruncated, s.ProducerErrors)
	}
}

// TestLineCutToTopicLimit: a line larger than the topic's max.message.bytes
// is cut to fit it and marked, and the lines after it go through whole.
func TestLineCutToTopicLimit(t *testing.T) {
	const limit = 64 << 10
	b := kafkatest.Start(t, "logs", 1)
	admin, err := sarama.NewClusterAdmin([]string{b.Addr()}, sarama.NewConfig())
	if err != nil {
		t.Fatal(err)
	}
	v := strconv.Itoa(limit)
	if err := admin.AlterConfig(sarama.TopicResource, "logs", map[string]*string{"max.message.bytes": &v}, false); err != nil {
		t.Fatalf("alter topic config: %v", err)
	}
	admin.Close()
	r := readTopic(t, b.Addr(), "logs")
	path := filepath.Join(t.TempDir(), "app.log")
	appendFile(t, path, "")
	c := startWatching(t, testConfig(b.Addr(), Input{Pattern: path}))
	huge := strings.Repeat("z", 200<<10)    // larger than the limit even once
	large := strings.Repeat("y", limit*3/4) // fits once, not twice
	appendFile(t, path, "before\n"+huge+"\n"+large+"\nafter\n")
	recs := r.waitN(t, 4, 10*time.Second)
	if got := string(recs[0].e.Raw); got != "before" || recs[0].e.Truncated {
		t.Errorf("record 0: got %q truncated %v, want %q whole", got, recs[0].e.Truncated, "before")
	}
	cut := recs[1].e
	if !cut.Truncated || recs[1].headers["cut"] != "1" || len(cut.Raw) < limit*3/4 || len(cut.Raw) > limit || !strings.HasPrefix(huge, string(cut.Raw)) {
		t.Errorf("record 1: got truncated %v (cut header %q), line of %d bytes, want a marked prefix of %d to %d bytes",
			cut.Truncated, recs[1].headers["cut"], len(cut.Raw), limit*3/4, limit)
	}
	if whole := recs[2].e; whole.Truncated || string(whole.Raw) != large {
		t.Errorf("record 2: got truncated %v, line of %d bytes, want the whole %d-byte line", whole.Truncated, len(whole.Raw), len(large))
	}
	if got := string(recs[3].e.Raw); got != "after" || recs[3].e.Truncated {
		t.Errorf("record 3: got %q truncated %v, want %q whole", got, recs[3].e.Truncated, "after")
	}
	if got := c.Stats().LinesTruncated; got != 1 {
		t.Errorf("got %d lines truncated, want 1", got)
	}
}

func TestBatchLimit(t *testing.T) {
	tests := []struct {
		brokerMax int
	}{{defaultMaxMessageBytes}, {64 << 10}, {8 << 20}}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.brokerMax), func(t *testing.T) {
			batch, rec := batchLimit(tt.brokerMax)
			// Worst case on the wire: lz4 grows incompressible data by
			// n/255 + 16 bytes, plus a 61-byte batch header.
			if wire := batch + batch/255 + 16 + 61; wire > tt.brokerMax {
				t.Errorf("got batch cap %d, up to %d bytes on the wire, want at most %d", batch, wire, tt.brokerMax)
			}
			if rec >= batch || rec < batch-256 {
				t.Errorf("got record cap %d for batch cap %d, want a little less", rec, batch)
			}
		})
	}
}

// TestInvalidUTF8Path: protobuf strings must be UTF-8, so a path with
// invalid bytes is sanitised in Source and Service (the meta header keeps
// the bytes); its lines are not lost to a marshal error.
func TestInvalidUTF8Path(t *testing.T) {
	b := kafkatest.Start(t, "logs", 1)
	r := readTopic(t, b.Addr(), "logs")
	dir := t.TempDir()
	path := filepath.Join(dir, "bad\xffname.log")
	appendFile(t, path, "")
	startWatching(t, testConfig(b.Addr(), Input{Pattern: filepath.Join(dir, "*.log")}))
	appendFile(t, path, "hello\n")
	rec := r.waitN(t, 1, 5*time.Second)[0]
	if want := filepath.Join(dir, "bad\uFFFDname.log"); rec.e.Source != want || rec.e.Service != "bad\uFFFDname" {
		t.Errorf("got source %q service %q, want %q and %q", rec.e.Source, rec.e.Service, want, "bad\uFFFDname")
	}
	if want := "\x00testhost\x00" + path; rec.headers["tc"] != want {
		t.Errorf("got meta header %q, want %q, the path's own bytes", rec.headers["tc"], want)
	}
}
