package consumer

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/tailcast/tailcast/proto/logpb"
)

// TestDecodeV1Records decodes records written by the collector before the
// value became the line: testdata/v1records.json was dumped from the topic
// of a collector of that version (a serialized LogEntry per record, header
// content-type: application/x-protobuf, Raw only for invalid UTF-8).
func TestDecodeV1Records(t *testing.T) {
	data, err := os.ReadFile("testdata/v1records.json")
	if err != nil {
		t.Fatal(err)
	}
	var recs []struct {
		Key       string
		Headers   []struct{ Key, Value string }
		Value     []byte
		Timestamp time.Time
	}
	if err := json.Unmarshal(data, &recs); err != nil {
		t.Fatal(err)
	}
	ts := func(s string) int64 {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixNano()
	}
	want := []struct {
		level  logpb.Level
		time   int64
		msg    string
		raw    string
		trunc  bool
		fields string
	}{
		{logpb.Level_LEVEL_INFO, ts("2024-03-01T12:00:00.123Z"), "[main] com.example.App - started in 1.2s", "", false, "env=prod team=pay"},
		{logpb.Level_LEVEL_WARN, ts("2024-03-01T12:00:01Z"), "slow query", "", false, "ms=812 db=orders env=prod team=pay"},
		{logpb.Level_LEVEL_ERROR, ts("2024-03-01T12:00:02Z"), "payment failed", "", false, "order=42 env=prod team=pay"},
		{logpb.Level_LEVEL_ERROR, ts("2024-03-01T12:00:03.456Z"), "[http-nio-8080-exec-1] c.e.Svc - boom", "", false, "env=prod team=pay"},
		{logpb.Level_LEVEL_UNKNOWN, 0, "java.lang.IllegalStateException: bad\n\tat com.example.Svc.run(Svc.java:10)", "", false, "env=prod team=pay"},
		{logpb.Level_LEVEL_UNKNOWN, 0, "\tat java.base/java.lang.Thread.run(Thread.java:833)", "", false, "env=prod team=pay"},
		{logpb.Level_LEVEL_UNKNOWN, 0, "plain line with invalid utf-8 \uFFFD here", "plain line with invalid utf-8 \xff\xfe here", false, "env=prod team=pay"},
		{logpb.Level_LEVEL_INFO, ts("2008-11-09T20:36:15Z"), "dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_388650490641396", "", true, "thread=148 env=prod team=pay"},
		{logpb.Level_LEVEL_UNKNOWN, 0, strings.Repeat("x", 100), "", true, "env=prod team=pay"},
	}
	if len(recs) != len(want) {
		t.Fatalf("got %d records in testdata, want %d", len(recs), len(want))
	}
	for i, r := range recs {
		msg := &sarama.ConsumerMessage{Topic: "logs", Key: []byte(r.Key), Value: r.Value, Timestamp: r.Timestamp}
		for _, h := range r.Headers {
			msg.Headers = append(msg.Headers, &sarama.RecordHeader{Key: []byte(h.Key), Value: []byte(h.Value)})
		}
		e, err := Decode(msg)
		if err != nil {
			t.Fatalf("record %d: got error %v, want none", i, err)
		}
		w := want[i]
		if !strings.HasSuffix(r.Key, "/app.log") || e.Service != "app" || e.Host != "testhost" || e.Source != strings.TrimPrefix(r.Key, "testhost:") {
			t.Errorf("record %d: got service %q host %q source %q, want app, testhost and the key's path", i, e.Service, e.Host, e.Source)
		}
		if e.Level != w.level || e.TimeUnixNano != w.time || e.Message != w.msg || e.Truncated != w.trunc {
			t.Errorf("record %d: got level %v time %d message %q truncated %v, want %v %d %q %v",
				i, e.Level, e.TimeUnixNano, e.Message, e.Truncated, w.level, w.time, w.msg, w.trunc)
		}
		wantRaw := w.raw
		if wantRaw == "" {
			wantRaw = w.msg // Raw was left out for valid UTF-8: Decode gives the message
		}
		if string(e.Raw) != wantRaw {
			t.Errorf("record %d: got raw %q, want %q", i, e.Raw, wantRaw)
		}
		var fs []string
		for _, f := range e.Fields {
			fs = append(fs, f.Key+"="+f.Value)
		}
		if got := strings.Join(fs, " "); got != w.fields {
			t.Errorf("record %d: got fields %q, want %q", i, got, w.fields)
		}
		if e.ReadTimeUnixNano == 0 || e.FileId == "" {
			t.Errorf("record %d: got read time %d file id %q, want both set", i, e.ReadTimeUnixNano, e.FileId)
		}
	}
}
