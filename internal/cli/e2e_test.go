package cli

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tailcast/tailcast/internal/client"
	"github.com/tailcast/tailcast/internal/kafkatest"
	"github.com/tailcast/tailcast/internal/loghub"
	"github.com/tailcast/tailcast/internal/wait"
)

// These tests run the real command in-process: real files, a real kfake
// broker on loopback, real websocket clients.

func TestEndToEndLoghub(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	srv := start(t, true, runArgs(dir)...)
	c := dial(t, srv.url, client.Options{})

	samples := []struct {
		file, service string
		level         string // level of the first sample line
	}{
		{"HDFS_2k.log", "hdfs", "info"},
		{"Apache_2k.log", "apache", "notice"},
		{"OpenSSH_2k.log", "openssh", ""},
		{"Spark_2k.log", "spark", "info"},
		{"Android_2k.log", "android", "debug"},
	}
	const n = 200
	want := map[string][]string{}
	for _, s := range samples {
		lines := loghub.First(t, s.file, n)
		path := filepath.Join(logs, s.service+".log")
		appendLines(t, path, lines...)
		want[s.service] = lines
	}
	got := collect(t, c, n*len(samples))
	bySvc := map[string][]client.Message{}
	for _, m := range got {
		bySvc[m.Service] = append(bySvc[m.Service], m)
	}
	for _, s := range samples {
		t.Run(s.service, func(t *testing.T) {
			ms := bySvc[s.service]
			if len(ms) != n {
				t.Fatalf("got %d entries, want %d", len(ms), n)
			}
			for i, m := range ms {
				// The message is the line minus the prefix the parser
				// understood, so each line must end with its message.
				if !strings.HasSuffix(strings.TrimSpace(want[s.service][i]), strings.TrimSpace(m.Msg)) || m.Msg == "" {
					t.Fatalf("entry %d out of order or wrong: got msg %q, want the end of %q", i, m.Msg, want[s.service][i])
				}
				if m.Host != "e2e-host" {
					t.Fatalf("entry %d: got host %q, want e2e-host", i, m.Host)
				}
				if m.Source != filepath.Join(logs, s.service+".log") {
					t.Fatalf("entry %d: got source %q", i, m.Source)
				}
				if m.Cursor == "" || m.TS.IsZero() {
					t.Fatalf("entry %d: missing cursor or ts: %+v", i, m)
				}
			}
			if s.level != "" {
				wantLevel := s.level
				if wantLevel == "notice" {
					wantLevel = "info"
				}
				if ms[0].Level != wantLevel {
					t.Errorf("first entry level: got %q, want %q", ms[0].Level, wantLevel)
				}
			}
		})
	}

	t.Run("operational endpoints", func(t *testing.T) {
		for _, path := range []string{"healthz", "readyz"} {
			resp, err := http.Get(srv.url + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("/%s: got %d, want 200", path, resp.StatusCode)
			}
		}
		// Every stage reports: the collector read and acknowledged, the
		// consumer consumed, the pusher delivered.
		want := float64(n * len(samples))
		for _, name := range []string{
			"tailcast_collector_entries_acked_total",
			"tailcast_consumer_records_total",
			"tailcast_pusher_published_total",
		} {
			// Acks may reach the collector after the viewer has the line.
			wait.For(t, waitFor, fmt.Sprintf("%s to be %v", name, want), func() bool { return metric(t, srv.url, name) == want })
		}
		if got := metric(t, srv.url, "tailcast_pusher_deliveries_total"); got < want {
			t.Errorf("tailcast_pusher_deliveries_total: got %v, want at least %v", got, want)
		}
	})
	srv.stop(t)
}

func TestFiltersAndBackfill(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	srv := start(t, true, runArgs(dir)...)

	lines := map[string][]string{
		"api": {
			`{"level":"info","msg":"GET /orders 200","latency_ms":12}`,
			`{"level":"warn","msg":"slow query on Orders table"}`,
			`{"level":"error","msg":"payment TIMEOUT for order 17"}`,
			`{"level":"debug","msg":"cache hit order 17"}`,
		},
		"worker": {
			`2026-11-22 10:00:00,001 INFO jobs - started job 42`,
			`2026-11-22 10:00:01,002 ERROR jobs - job 42 failed: timeout`,
			`2026-11-22 10:00:02,003 WARN jobs - retrying job 42`,
		},
	}
	tests := []struct {
		name string
		f    client.Filter
		want []string
	}{
		{"service", client.Filter{Service: []string{"worker"}}, []string{"started job 42", "job 42 failed: timeout", "retrying job 42"}},
		{"level", client.Filter{Level: "warn"}, []string{"slow query on Orders table", "payment TIMEOUT for order 17", "job 42 failed: timeout", "retrying job 42"}},
		{"text is case-insensitive", client.Filter{Query: "timeout"}, []string{"payment TIMEOUT for order 17", "job 42 failed: timeout"}},
		{"regex", client.Filter{Regex: `order \d+$`}, []string{"payment TIMEOUT for order 17", "cache hit order 17"}},
		{"host", client.Filter{Host: []string{"other-host"}}, nil},
		{"combined", client.Filter{Service: []string{"api"}, Level: "warn", Query: "timeout"}, []string{"payment TIMEOUT for order 17"}},
	}
	conns := make([]*client.Conn, len(tests))
	for i, tt := range tests {
		conns[i] = dial(t, srv.url, client.Options{Filter: tt.f})
	}
	// A sentinel that every filter above except host matches lets us know
	// each stream is complete without waiting on silence.
	appendLines(t, filepath.Join(logs, "api.log"), lines["api"]...)
	appendLines(t, filepath.Join(logs, "worker.log"), lines["worker"]...)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.want) == 0 {
				quiet(t, conns[i], 2*time.Second)
				return
			}
			got := collect(t, conns[i], len(tt.want))
			if g := msgsContaining(got); !sameSet(g, tt.want) {
				t.Errorf("got %q, want %q", g, tt.want)
			}
		})
	}

	t.Run("backfill", func(t *testing.T) {
		c := dial(t, srv.url, client.Options{Backfill: 2, Filter: client.Filter{Service: []string{"api"}}})
		got := collect(t, c, 2)
		want := []string{"payment TIMEOUT for order 17", "cache hit order 17"}
		if g := msgsContaining(got); !slices.Equal(g, want) {
			t.Errorf("got %q, want %q", g, want)
		}
	})
	t.Run("filter message", func(t *testing.T) {
		c := dial(t, srv.url, client.Options{Filter: client.Filter{Service: []string{"nothing"}}})
		if err := c.SetFilter(client.Filter{Service: []string{"api"}, Query: "late"}); err != nil {
			t.Fatal(err)
		}
		// Appending until the new filter is in force avoids racing the
		// filter message against the line.
		deadline := time.Now().Add(waitFor)
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		defer cancel()
		for i := 0; ; i++ {
			appendLines(t, filepath.Join(logs, "api.log"), fmt.Sprintf(`{"level":"info","msg":"late line %d"}`, i))
			wctx, wcancel := context.WithTimeout(ctx, 500*time.Millisecond)
			m, err := c.Next(wctx)
			wcancel()
			if err == nil && m.Type == "entry" {
				if !strings.HasPrefix(m.Msg, "late line") {
					t.Fatalf("got %q, want a late line", m.Msg)
				}
				return
			}
			if ctx.Err() != nil {
				t.Fatal("filter change never took effect")
			}
		}
	})
	srv.stop(t)
}

// A viewer resumes across a restart of `serve` with no duplicate and no gap,
// even for lines written while no server was running: from the restarted
// server's warm history, or, with warmup off, from Kafka by offset.
func TestResumeAcrossServeRestart(t *testing.T) {
	for _, warmup := range []string{"10000", "-1"} {
		t.Run("warmup="+warmup, func(t *testing.T) { testResumeAcrossServeRestart(t, warmup) })
	}
}

func testResumeAcrossServeRestart(t *testing.T, warmup string) {
	dir := t.TempDir()
	b := kafkatest.Start(t, "logs", 3)
	logFile := filepath.Join(dir, "app.log")
	appendLines(t, logFile) // create it so the collector reads it from the start

	col := start(t, false, "collect", "--brokers", b.Addr(), "--positions", filepath.Join(dir, "pos.json"),
		"--rescan", "100ms", "--log-level", "warn", "--from-start", logFile)
	serveArgs := []string{"serve", "--brokers", b.Addr(), "--listen", "127.0.0.1:0", "--group", "resume-test", "--log-level", "warn", "--warmup", warmup}
	srv := start(t, true, serveArgs...)

	c := dial(t, srv.url, client.Options{})
	var lines []string
	for i := 0; i < 300; i++ {
		lines = append(lines, fmt.Sprintf("2026-11-22 10:00:00,000 INFO app - line %04d", i))
	}
	appendLines(t, logFile, lines[:100]...)
	first := collect(t, c, 100)
	cursor := first[59].Cursor // the viewer processed 60 lines before the server went away
	srv.stop(t)

	appendLines(t, logFile, lines[100:200]...)
	srv2 := start(t, true, serveArgs...)
	appendLines(t, logFile, lines[200:]...)

	c2 := dial(t, srv2.url, client.Options{Since: cursor})
	got := collect(t, c2, 240)
	for i, m := range msgsContaining(got) {
		if want := fmt.Sprintf("line %04d", 60+i); m != want {
			t.Fatalf("entry %d after resume: got %q, want %q", i, m, want)
		}
	}
	quiet(t, c2, time.Second)
	// Which path served the resume: the warm history, or Kafka by offset.
	fetched := metric(t, srv2.url, "tailcast_consumer_fetched_records_total")
	if warm := warmup != "-1"; warm != (fetched == 0) {
		t.Errorf("records fetched from kafka for the resume: got %v with warmup %s", fetched, warmup)
	}
	srv2.stop(t)
	col.stop(t)
}
