package collector

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/tailcast/tailcast/internal/kafkatest"
	"github.com/tailcast/tailcast/internal/wait"
)

// TestDumpV1Records writes the records today's collector produces to
// $TAILCAST_DUMP_V1 (one-off: run before the value became the line).
func TestDumpV1Records(t *testing.T) {
	out := os.Getenv("TAILCAST_DUMP_V1")
	if out == "" {
		t.Skip("TAILCAST_DUMP_V1 not set")
	}
	b := kafkatest.Start(t, "logs", 1)
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	appendFile(t, path, "")
	cfg := testConfig(b.Addr(), Input{Pattern: filepath.Join(dir, "*.log"), Labels: map[string]string{"env": "prod", "team": "pay"}})
	cfg.KeepRaw = false
	cfg.MaxLineBytes = 100
	startWatching(t, cfg)
	lines := []string{
		"2024-03-01T12:00:00.123Z INFO  [main] com.example.App - started in 1.2s   ",
		`{"time":"2024-03-01T12:00:01Z","level":"warn","msg":"slow query","ms":812,"db":"orders"}`,
		"ts=2024-03-01T12:00:02Z level=error msg=\"payment failed\" order=42",
		"2024-03-01 12:00:03,456 ERROR [http-nio-8080-exec-1] c.e.Svc - boom\r",
		"java.lang.IllegalStateException: bad\n\tat com.example.Svc.run(Svc.java:10)\n\tat java.base/java.lang.Thread.run(Thread.java:833)",
		"plain line with invalid utf-8 \xff\xfe here",
		"081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating",
		strings.Repeat("x", 150),
	}
	appendFile(t, path, strings.Join(lines, "\n")+"\n")
	sc := sarama.NewConfig()
	cons, err := sarama.NewConsumer([]string{b.Addr()}, sc)
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Close()
	pc, err := cons.ConsumePartition("logs", 0, sarama.OffsetOldest)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	type hdr struct{ Key, Value string }
	type rec struct {
		Key       string
		Headers   []hdr
		Value     []byte
		Timestamp time.Time
	}
	var recs []rec
	wait.For(t, 10*time.Second, "records", func() bool {
		for {
			select {
			case m := <-pc.Messages():
				r := rec{Key: string(m.Key), Value: m.Value, Timestamp: m.Timestamp}
				for _, h := range m.Headers {
					r.Headers = append(r.Headers, hdr{string(h.Key), string(h.Value)})
				}
				recs = append(recs, r)
			default:
				return len(recs) >= 7
			}
		}
	})
	_ = context.Background
	data, err := json.MarshalIndent(recs, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, append(data, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}
