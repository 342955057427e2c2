package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/tailcast/tailcast/internal/client"
	"github.com/tailcast/tailcast/internal/kafkatest"
	"github.com/tailcast/tailcast/internal/loghub"
	"github.com/tailcast/tailcast/internal/wait"
)

// These tests run the real command in-process: real files, a real kfake
// broker on loopback, real websocket clients.

const waitFor = 30 * time.Second

// started is a running `tailcast` subcommand.
type started struct {
	url    string
	cancel context.CancelFunc
	done   chan struct{} // closed when Run returned, with err set
	err    error
	out    *syncBuffer
}

func (s *started) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	select {
	case <-s.done:
		if s.err != nil {
			t.Errorf("command returned %v, want nil after cancel", s.err)
		}
	case <-time.After(waitFor):
		t.Fatal("command did not stop")
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// start runs tailcast with args and, for servers, waits for its URL.
func start(t *testing.T, server bool, args ...string) *started {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &started{cancel: cancel, done: make(chan struct{}), out: &syncBuffer{}}
	ready := make(chan string, 1)
	env := Env{
		Stdout: s.out, Stderr: s.out,
		Getenv: func(string) string { return "" },
		Ready:  func(url string) { ready <- url },
	}
	go func() {
		s.err = Run(ctx, args, env)
		close(s.done)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(waitFor):
		}
	})
	if !server {
		return s
	}
	select {
	case s.url = <-ready:
	case <-s.done:
		t.Fatalf("tailcast %v exited: %v\n%s", args, s.err, s.out)
	case <-time.After(waitFor):
		t.Fatalf("tailcast %v: no URL within %v\n%s", args, waitFor, s.out)
	}
	// Lines written before the consumer holds its partitions could fall
	// before its start offset (with --warmup -1): wait for readiness.
	// A TLS server's certificate is the test's own, so readiness polling
	// does not verify it; the tail tests do.
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // test's own certificate
	wait.For(t, waitFor, fmt.Sprintf("tailcast %v to be ready", args), func() bool {
		resp, err := hc.Get(s.url + "readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return s
}

func appendLines(t *testing.T, path string, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, l := range lines {
		if _, err := f.WriteString(l + "\n"); err != nil {
			t.Fatal(err)
		}
	}
}

func dial(t *testing.T, url string, opts client.Options) *client.Conn {
	t.Helper()
	opts.URL = url
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	c, err := client.Dial(ctx, opts)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// collect reads entries until n arrived; it fails on timeout.
func collect(t *testing.T, c *client.Conn, n int) []client.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	var got []client.Message
	for len(got) < n {
		m, err := c.Next(ctx)
		if err != nil {
			t.Fatalf("after %d of %d entries: %v", len(got), n, err)
		}
		if m.Type == "entry" {
			got = append(got, m)
		}
	}
	return got
}

// quiet asserts that nothing but keepalives arrives for d.
func quiet(t *testing.T, c *client.Conn, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		m, err := c.Next(ctx)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
				return
			}
			t.Fatalf("waiting for silence: %v", err)
		}
		if m.Type == "entry" {
			t.Fatalf("got unexpected entry %q", m.Msg)
		}
	}
}

func msgs(ms []client.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Msg
	}
	return out
}

func runArgs(dir string, extra ...string) []string {
	return append([]string{"run",
		"--listen", "127.0.0.1:0", "--kafka-listen", "127.0.0.1:0",
		"--data-dir", filepath.Join(dir, "data"), "--host", "e2e-host",
		"--rescan", "100ms", "--log-level", "warn",
		filepath.Join(dir, "logs", "*.log"),
	}, extra...)
}

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

func msgsContaining(ms []client.Message) []string {
	out := msgs(ms)
	for i, m := range out {
		// Plain lines keep their logger name; compare by the message tail.
		if j := strings.Index(m, " - "); j >= 0 {
			out[i] = m[j+3:]
		}
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
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

// metric reads one unlabelled sample from the server's /metrics.
func metric(t *testing.T, base, name string) float64 {
	t.Helper()
	resp, err := http.Get(base + "metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			v, err := strconv.ParseFloat(rest, 64)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return v
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

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

func brokerFromOutput(t *testing.T, out string) string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(l, "tailcast: kafka broker at "); ok {
			return strings.Fields(rest)[0]
		}
	}
	t.Fatalf("no broker address in output:\n%s", out)
	return ""
}

func TestTailCommandPrintsEntries(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	srv := start(t, true, runArgs(dir)...)
	appendLines(t, filepath.Join(logs, "api.log"),
		`{"level":"info","msg":"first"}`, `{"level":"error","msg":"second"}`)

	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"-o", "raw", "--backfill", "2"}, []string{`{"level":"info","msg":"first"}` + "\n", `{"level":"error","msg":"second"}` + "\n"}},
		{[]string{"-o", "json", "--backfill", "2", "--level", "error"}, []string{`"msg":"second"`}},
		{[]string{"--backfill", "2", "--no-color"}, []string{"INFO", "api", "first", "ERROR", "second"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			tail := start(t, false, append([]string{"tail", srv.url}, tt.args...)...)
			wait.For(t, waitFor, fmt.Sprintf("tail output to contain %q", tt.want), func() bool {
				out := tail.out.String()
				for _, w := range tt.want {
					if !strings.Contains(out, w) {
						return false
					}
				}
				return true
			})
			if out := tail.out.String(); strings.Contains(out, "\x1b[") {
				t.Errorf("colour codes in non-TTY output: %q", out)
			}
			tail.stop(t)
		})
	}

	t.Run("unreachable server", func(t *testing.T) {
		err := Run(context.Background(), []string{"tail", "http://127.0.0.1:1"}, Env{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Getenv: func(string) string { return "" }})
		if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
			t.Errorf("got %v, want an error naming the server", err)
		}
	})
	srv.stop(t)
}

func TestCommandLineErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "no command"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"collect", "a.log"}, "brokers: required"},
		{[]string{"serve", "--brokers", "x"}, `"x" is not host:port`},
		{[]string{"run"}, "no paths to tail"},
		{[]string{"run", "--listen", "nope", "a.log"}, "listen"},
		{[]string{"tail"}, "server URL is required"},
		{[]string{"tail", "-o", "xml", "http://x"}, `output "xml"`},
		{[]string{"demo"}, "dir: required"},
		{[]string{"config", "check"}, "config check takes one FILE"},
		{[]string{"tail", "--host", "h", "http://x"}, "flag provided but not defined: -host"},
		{[]string{"tail", "--ca", "x.pem", "--insecure", "http://x"}, "ca and insecure"},
		{[]string{"collect", "--brokers", "k:1", "--backfill", "3", "a.log"}, "flag provided but not defined: -backfill"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out bytes.Buffer
			err := Run(context.Background(), tt.args, Env{Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
			if !errors.Is(err, ErrUsage) {
				t.Errorf("got %v, want a usage error", err)
			}
		})
	}

	t.Run("unreachable brokers", func(t *testing.T) {
		var out bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		defer cancel()
		err := Run(ctx, []string{"serve", "--brokers", "127.0.0.1:1", "--listen", "127.0.0.1:0", "--kafka-dial-timeout", "300ms"},
			Env{Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }})
		if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
			t.Errorf("got %v, want an error naming the broker", err)
		}
	})
}

func TestVersionAndHelp(t *testing.T) {
	var out bytes.Buffer
	if err := Run(context.Background(), []string{"version"}, Env{Stdout: &out}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "tailcast ") {
		t.Errorf("version: got %q", out.String())
	}
	for _, cmd := range []string{"run", "collect", "serve", "tail", "demo"} {
		out.Reset()
		if err := Run(context.Background(), []string{cmd, "--help"}, Env{Stdout: &out, Getenv: func(string) string { return "" }}); err != nil {
			t.Errorf("%s --help: %v", cmd, err)
		}
		if !strings.Contains(out.String(), "Usage: tailcast "+cmd) {
			t.Errorf("%s --help: got %q", cmd, out.String())
		}
	}
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

// kcatPath finds kcat, the independent Kafka client: CI installs it (make
// deps), so there its absence fails the test; elsewhere the test is skipped.
func kcatPath(t *testing.T) string {
	t.Helper()
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("kcat is not installed (make deps installs it)")
		}
		t.Skip("kcat not installed")
	}
	return kcat
}
