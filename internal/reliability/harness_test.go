package reliability

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tailcast/tailcast/internal/wait"
)

// The binaries under test are built once per test process, lazily, so that
// a fuzz run of this package does not pay for them.
var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
	bins      = map[string]string{} // name -> path
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// repoRoot walks up from the package directory to go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// binary returns the path of the real tailcast binary (or of
// bench/cmd/kfakebroker with name "kfakebroker", internal/reliability/viewer
// with "viewer"). They are built without -race, whatever the test process. TAILCAST_BIN points at a
// prebuilt tailcast (make test-reliability builds bin/tailcast first).
func binary(t testing.TB, name string) string {
	t.Helper()
	buildOnce.Do(func() {
		root, err := repoRoot()
		if err != nil {
			buildErr = err
			return
		}
		buildDir, err = os.MkdirTemp("", "tailcast-reliability-")
		if err != nil {
			buildErr = err
			return
		}
		goBin, err := exec.LookPath("go")
		if err != nil {
			buildErr = fmt.Errorf("find the go command: %w", err)
			return
		}
		pkgs := map[string]string{"kfakebroker": "./bench/cmd/kfakebroker", "viewer": "./internal/reliability/viewer"}
		if p := os.Getenv("TAILCAST_BIN"); p != "" {
			bins["tailcast"] = p
		} else {
			pkgs["tailcast"] = "./cmd/tailcast"
		}
		for n, pkg := range pkgs {
			out := filepath.Join(buildDir, n)
			cmd := exec.Command(goBin, "build", "-o", out, pkg)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			if b, err := cmd.CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
				return
			}
			bins[n] = out
		}
	})
	if buildErr != nil {
		t.Fatalf("build binaries: %v", buildErr)
	}
	return bins[name]
}

// scale is TAILCAST_RELIABILITY_SCALE, default defaultScale (1 in CI, 10
// under the reliability build tag).
func scale() float64 {
	if s := os.Getenv("TAILCAST_RELIABILITY_SCALE"); s != "" {
		if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 {
			return f
		}
	}
	return defaultScale
}

// scaled is ci at scale 1 and soak at scale 10, linear in between (and
// beyond), never below ci.
func scaled(ci, soak int) int {
	v := float64(ci) + (scale()-1)*float64(soak-ci)/9
	return max(ci, int(math.Round(v)))
}

// soak reports whether the long versions run.
func soak() bool { return scale() >= 10 }

// proc is a child process of the real binary; its stdout and stderr go to a
// log file that failure messages quote.
type proc struct {
	t    testing.TB
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error // valid after done
}

func startProc(t testing.TB, name, path string, args ...string) *proc {
	t.Helper()
	logf, err := os.CreateTemp(t.TempDir(), name+"-*.log")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = orphanKill()
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("start %s: %v", name, err)
	}
	p := &proc{t: t, name: name, cmd: cmd, log: logf.Name(), done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		if !p.exited() {
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// orphanKill makes a child die with the test process: an interrupted test
// (Ctrl-C, a CI timeout) runs no Cleanup, and its servers would keep their
// ports and CPUs.
func orphanKill() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill9 is a real SIGKILL: no Close, no final checkpoint.
func (p *proc) kill9() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop sends SIGTERM and waits for a clean exit.
func (p *proc) stop(t testing.TB) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("%s did not exit within 30s of SIGTERM; log:\n%s", p.name, p.logTail())
	}
	if p.err != nil {
		t.Errorf("%s exited with %v after SIGTERM; log:\n%s", p.name, p.err, p.logTail())
	}
}

func (p *proc) logTail() string {
	b, _ := os.ReadFile(p.log)
	if len(b) > 4096 {
		b = b[len(b)-4096:]
	}
	return string(b)
}

// waitLog polls the process log for re and returns its first submatch.
func (p *proc) waitLog(t testing.TB, d time.Duration, re *regexp.Regexp) string {
	t.Helper()
	var got string
	deadline := time.Now().Add(d)
	for {
		b, _ := os.ReadFile(p.log)
		if m := re.FindSubmatch(b); m != nil {
			got = string(m[1])
			return got
		}
		if p.exited() {
			t.Fatalf("%s exited (%v) before logging %s; log:\n%s", p.name, p.err, re, p.logTail())
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not log %s within %v; log:\n%s", p.name, re, d, p.logTail())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// status reads a /proc/PID/status field in kB (VmRSS, VmHWM).
func (p *proc) status(field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.pid()))
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, field+":"); ok {
			v, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return v
		}
	}
	return -1
}

// fds counts the process's open file descriptors.
func (p *proc) fds() int {
	es, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p.pid()))
	if err != nil {
		return -1
	}
	return len(es)
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// kfakeProc runs bench/cmd/kfakebroker, the broker tailcast embeds, as its
// own process: it keeps the broker's CPU out of this -race test binary.
func kfakeProc(t testing.TB) string {
	t.Helper()
	addrFile := filepath.Join(t.TempDir(), "addr")
	p := startProc(t, "kfakebroker", binary(t, "kfakebroker"), "-partitions", "3", "-addr-file", addrFile)
	var addr string
	wait.For(t, 20*time.Second, "kfakebroker's address", func() bool {
		if p.exited() {
			t.Fatalf("kfakebroker exited: %v\n%s", p.err, p.logTail())
		}
		b, err := os.ReadFile(addrFile)
		addr = strings.TrimSpace(string(b))
		return err == nil && addr != ""
	})
	t.Cleanup(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		<-p.done
	})
	return addr
}

// server is a running `tailcast serve`.
type server struct {
	*proc
	url  string // http(s)://127.0.0.1:PORT/
	port int
}

var viewerAt = regexp.MustCompile(`viewer at (\S+)`)

// startServe starts `tailcast serve` on port (0: ephemeral) and waits until
// it listens.
func startServe(t testing.TB, brokers string, port int, extra ...string) *server {
	t.Helper()
	args := append([]string{"serve", "--brokers", brokers, "--listen", fmt.Sprintf("127.0.0.1:%d", port), "--log-level", "warn"}, extra...)
	p := startProc(t, "serve", binary(t, "tailcast"), args...)
	u := p.waitLog(t, 30*time.Second, viewerAt)
	_, portStr, _ := net.SplitHostPort(strings.TrimSuffix(strings.SplitN(u, "://", 2)[1], "/"))
	n, _ := strconv.Atoi(portStr)
	return &server{proc: p, url: u, port: n}
}

func (s *server) wsURL() string {
	return strings.Replace(strings.Replace(s.url, "https://", "wss://", 1), "http://", "ws://", 1) + "ws"
}

func (s *server) addr() string { return fmt.Sprintf("127.0.0.1:%d", s.port) }

// get fetches a path of a plain-HTTP server.
func (s *server) get(t testing.TB, path string) (int, string) {
	t.Helper()
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(strings.TrimSuffix(s.url, "/") + path)
	if err != nil {
		t.Fatalf("GET %s: %v; server log:\n%s", path, err, s.logTail())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(b)
}

// metric sums the samples of a Prometheus metric whose line starts with
// prefix (name plus labels), from /metrics.
func (s *server) metric(t testing.TB, prefix string) float64 {
	t.Helper()
	_, body := s.get(t, "/metrics")
	var sum float64
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, prefix) && (len(l) == len(prefix) || l[len(prefix)] == ' ' || l[len(prefix)] == '{') {
			f := strings.Fields(l)
			v, err := strconv.ParseFloat(f[len(f)-1], 64)
			if err == nil {
				sum += v
			}
		}
	}
	return sum
}

// waitReady polls /readyz until the consumer owns every partition.
func (s *server) waitReady(t testing.TB) {
	t.Helper()
	wait.For(t, 30*time.Second, "serve /readyz", func() bool {
		if s.exited() {
			t.Fatalf("serve exited: %v\n%s", s.err, s.logTail())
		}
		code, _ := s.get(t, "/readyz")
		return code == http.StatusOK
	})
}

// seqOf extracts the number after "seq=" (8 digits) in b, or -1.
func seqOf(b []byte) int {
	i := bytes.Index(b, []byte("seq="))
	if i < 0 || len(b) < i+12 {
		return -1
	}
	n, err := strconv.Atoi(string(b[i+4 : i+12]))
	if err != nil {
		return -1
	}
	return n
}

// tally is a multiset of sequence numbers seen on the topic or by a viewer.
type tally struct {
	mu      sync.Mutex
	seen    map[int]int
	records int // every record, numbered or not
	other   int // records without a seq
}

func newTally() *tally { return &tally{seen: map[int]int{}} }

func (c *tally) add(seq int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.records++
	if seq < 0 {
		c.other++
		return
	}
	c.seen[seq]++
}

// summary over [0, n): how many are missing, the duplicates in total, and
// the most copies of one line.
func (c *tally) summary(n int) (missing, dups, maxCopies int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range n {
		k := c.seen[i]
		if k == 0 {
			missing++
			continue
		}
		dups += k - 1
		maxCopies = max(maxCopies, k)
	}
	return
}

func (c *tally) count(seq int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen[seq]
}

func (c *tally) firstMissing(n int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range n {
		if c.seen[i] == 0 {
			return i
		}
	}
	return -1
}

// kcatArgs read the whole topic; each record is printed as its length on a
// line, then exactly that many bytes, so binary (protobuf) values parse
// exactly.
func kcatArgs(addr, topic string, toEnd bool) []string {
	a := []string{"-C", "-b", addr, "-t", topic, "-o", "beginning", "-q", "-u", "-f", `%S\n%s`}
	if toEnd {
		a = append(a, "-e")
	}
	return a
}

func kcatPath(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("kcat")
	if err != nil {
		t.Fatalf("kcat (the independent consumer) is missing: run scripts/test-deps or apt-get install kcat")
	}
	return p
}

// parseKcat feeds every record of kcat's output to fn.
func parseKcat(r io.Reader, fn func(value []byte)) error {
	br := bufio.NewReaderSize(r, 1<<20)
	var buf []byte
	for {
		line, err := br.ReadString('\n')
		if err == io.EOF && line == "" {
			return nil
		}
		if err != nil {
			return fmt.Errorf("kcat output: %w", err)
		}
		n, err := strconv.Atoi(strings.TrimSpace(line))
		if err != nil {
			return fmt.Errorf("kcat output: bad length line %q", line)
		}
		if n < 0 { // null value
			fn(nil)
			continue
		}
		if cap(buf) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(br, buf); err != nil {
			return fmt.Errorf("kcat output: %w", err)
		}
		fn(buf)
	}
}

// kcatCount reads the whole topic once with kcat and tallies the seqs.
func kcatCount(t testing.TB, addr, topic string) *tally {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, kcatPath(t), kcatArgs(addr, topic, true)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start kcat: %v", err)
	}
	c := newTally()
	perr := parseKcat(out, func(v []byte) { c.add(seqOf(v)) })
	if err := cmd.Wait(); err != nil {
		t.Fatalf("kcat: %v: %s", err, stderr.String())
	}
	if perr != nil {
		t.Fatal(perr)
	}
	return c
}

// kcatStream follows the topic with kcat until the test ends, tallying as
// records arrive; the final count is kcatCount's.
func kcatStream(t testing.TB, addr, topic string) *tally {
	t.Helper()
	cmd := exec.Command(kcatPath(t), kcatArgs(addr, topic, false)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start kcat: %v", err)
	}
	c := newTally()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = parseKcat(out, func(v []byte) { c.add(seqOf(v)) })
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		_ = cmd.Wait()
	})
	return c
}

// percentile of sorted durations (p in 0..100).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
