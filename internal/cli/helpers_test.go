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

	"github.com/tailcast/tailcast/internal/client"
	"github.com/tailcast/tailcast/internal/wait"
)

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
