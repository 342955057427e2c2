package collector

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/IBM/sarama"

	"github.com/tailcast/tailcast/internal/kafkatest"
	"github.com/tailcast/tailcast/proto/logpb"
)

func TestFit(t *testing.T) {
	long := strings.Repeat("é", 3000)   // 6000 bytes
	medium := strings.Repeat("é", 1500) // 3000 bytes
	bad := "\xff" + long                // invalid UTF-8: Raw must stay
	tests := []struct {
		name      string
		raw, msg  string
		fields    int // parsed fields of 100 bytes each
		max       int
		wantOK    bool
		wantTrunc bool
		wantRaw   bool // Raw kept (whole or cut)
		wantField bool
	}{
		{"fits untouched", "short", "short", 1, 1000, true, false, true, true},
		{"raw left out, line whole", medium, medium, 0, 4000, true, false, false, false},
		{"message cut without splitting a rune", long, long, 0, 4000, true, true, false, false},
		{"invalid UTF-8: raw and message cut", bad, strings.ToValidUTF8(bad, "\uFFFD"), 0, 4000, true, true, true, false},
		{"fields dropped when they leave no room", long, long, 50, 4000, true, true, false, false},
		{"labels alone too large", long, long, 0, 10, false, true, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &logpb.LogEntry{Host: "h", Source: "/var/log/app.log", Raw: []byte(tt.raw), Message: tt.msg}
			for i := range tt.fields {
				e.Fields = append(e.Fields, &logpb.Field{Key: "k" + strconv.Itoa(i), Value: strings.Repeat("v", 100)})
			}
			labels := []logpb.Field{{Key: "env", Value: "prod"}}
			ok := fit(e, labels, tt.max)
			if ok != tt.wantOK {
				t.Fatalf("got ok %v, want %v", ok, tt.wantOK)
			}
			if !ok {
				return
			}
			if n := entrySize(e, labels); n > tt.max {
				t.Errorf("got %d bytes, want at most %d", n, tt.max)
			}
			if e.Truncated != tt.wantTrunc {
				t.Errorf("got truncated %v, want %v", e.Truncated, tt.wantTrunc)
			}
			if got := len(e.Raw) > 0; got != tt.wantRaw {
				t.Errorf("got raw of %d bytes, want it kept %v", len(e.Raw), tt.wantRaw)
			}
			if !strings.HasPrefix(tt.raw, string(e.Raw)) || !strings.HasPrefix(tt.msg, e.Message) || !utf8.ValidString(e.Message) {
				t.Errorf("got raw %.20q message %.20q, want prefixes of the line, the message valid UTF-8", e.Raw, e.Message)
			}
			switch {
			case !tt.wantTrunc && e.Message != tt.msg:
				t.Errorf("got message of %d bytes, want the whole %d", len(e.Message), len(tt.msg))
			case tt.wantTrunc && tt.wantRaw && (len(e.Raw) < tt.max/3 || len(e.Message) < tt.max/3):
				t.Errorf("got raw %d bytes, message %d bytes, want about %d each", len(e.Raw), len(e.Message), tt.max/2)
			case tt.wantTrunc && !tt.wantRaw && len(e.Message) < tt.max*2/3:
				t.Errorf("got message of %d bytes, want nearly %d", len(e.Message), tt.max)
			}
			if got := len(e.Fields) > 0; got != tt.wantField {
				t.Errorf("got fields kept %v, want %v", got, tt.wantField)
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
	if !cut.Truncated || len(cut.Raw) != 0 || len(cut.Message) < limit*3/4 || len(cut.Message) > limit || !strings.HasPrefix(huge, cut.Message) {
		t.Errorf("record 1: got truncated %v, raw of %d bytes, message of %d, want a marked prefix of %d to %d bytes in the message alone",
			cut.Truncated, len(cut.Raw), len(cut.Message), limit*3/4, limit)
	}
	if whole := recs[2].e; whole.Truncated || len(whole.Raw) != 0 || whole.Message != large {
		t.Errorf("record 2: got truncated %v, raw of %d bytes, message of %d, want the whole %d-byte line in the message",
			whole.Truncated, len(whole.Raw), len(whole.Message), len(large))
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
// invalid bytes is sanitised in Source and Service (the record key keeps the
// bytes); its lines are not lost to a marshal error.
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
	if want := "testhost:" + path; rec.key != want {
		t.Errorf("got key %q, want %q", rec.key, want)
	}
}
