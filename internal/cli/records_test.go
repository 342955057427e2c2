package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/tailcast/tailcast/internal/client"
	"github.com/tailcast/tailcast/internal/kafkatest"
)

// Records produced straight to the topic by an independent client (kcat)
// show up as entries.
func TestForeignRecordsFromKcat(t *testing.T) {
	kcat := kcatPath(t)
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	srv := start(t, true, runArgs(dir)...)
	brokerAddr := brokerFromOutput(t, srv.out.String())
	c := dial(t, srv.url, client.Options{Filter: client.Filter{Service: []string{"billing", "kcat"}}})

	input := strings.Join([]string{
		`{"level":"error","message":"card declined","service":"billing","@timestamp":"2026-11-22T10:00:00.5Z","order":"A-17"}`,
		`kcat:WARN plain text from a java service`,
	}, "\n") + "\n"
	cmd := exec.Command(kcat, "-P", "-b", brokerAddr, "-t", "logs", "-K", ":")
	cmd.Stdin = strings.NewReader(strings.Replace(input, `{"level"`, `billing:{"level"`, 1))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kcat: %v\n%s", err, out)
	}
	got := collect(t, c, 2)
	slices.SortFunc(got, func(a, b client.Message) int { return strings.Compare(a.Service, b.Service) })
	if got[0].Service != "billing" || got[0].Level != "error" || got[0].Msg != "card declined" {
		t.Errorf("json record: got %+v", got[0])
	}
	if want := time.Date(2026, 11, 22, 10, 0, 0, 5e8, time.UTC); !got[0].TS.Equal(want) {
		t.Errorf("json record ts: got %v, want %v", got[0].TS, want)
	}
	if string(got[0].Fields["order"]) != `"A-17"` {
		t.Errorf("json record fields: got %v", got[0].Fields)
	}
	if got[1].Service != "kcat" || got[1].Level != "warn" || !strings.Contains(got[1].Msg, "plain text from a java service") {
		t.Errorf("plain record: got %+v", got[1])
	}
	srv.stop(t)
}

// TestCollectRecordIsTheLine: every record's value is the line as written,
// valid UTF-8 or not; --keep-raw is accepted and changes nothing.
func TestCollectRecordIsTheLine(t *testing.T) {
	const valid, invalid = "2026-11-22 10:00:00,000 INFO app - valid line  ", "bad \xff bytes"
	for _, flags := range [][]string{nil, {"--keep-raw"}} {
		t.Run(strings.Join(append([]string{"flags"}, flags...), " "), func(t *testing.T) {
			dir := t.TempDir()
			b := kafkatest.Start(t, "logs", 1)
			logFile := filepath.Join(dir, "app.log")
			appendLines(t, logFile)
			args := append([]string{"collect", "--brokers", b.Addr(), "--positions", filepath.Join(dir, "pos.json"),
				"--rescan", "100ms", "--log-level", "warn", "--from-start"}, flags...)
			col := start(t, false, append(args, logFile)...)
			appendLines(t, logFile, valid, invalid)

			cons, err := sarama.NewConsumer([]string{b.Addr()}, sarama.NewConfig())
			if err != nil {
				t.Fatal(err)
			}
			defer cons.Close()
			pc, err := cons.ConsumePartition("logs", 0, sarama.OffsetOldest)
			if err != nil {
				t.Fatal(err)
			}
			defer pc.Close()
			for i, want := range []string{valid, invalid} {
				select {
				case msg := <-pc.Messages():
					if string(msg.Value) != want {
						t.Errorf("record %d: got value %q, want the line %q", i, msg.Value, want)
					}
				case <-time.After(waitFor):
					t.Fatalf("record %d: none within %v\n%s", i, waitFor, col.out)
				}
			}
		})
	}
}
