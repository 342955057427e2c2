//go:build linux

package httpserve

import (
	"bufio"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// childEnv runs TestFDReserveChild as the server under a low fd limit.
const childEnv = "HTTPSERVE_FD_CHILD"

const (
	childFDLimit = 256
	flood        = 1000 // connections opened against the child
)

// TestFDReserveChild is the server half of TestFDReserve, run in its own
// process so that its RLIMIT_NOFILE is the only one that counts. With
// mode "capped" it serves through Server; with "uncapped" through a bare
// http.Server, the way tailcast did before the cap. It prints its address,
// then on "files" opens files (as the collector would) until the limit
// refuses one, and prints how many it got.
func TestFDReserveChild(t *testing.T) {
	mode := os.Getenv(childEnv)
	if mode == "" {
		t.Skip("run by TestFDReserve")
	}
	lim := syscall.Rlimit{Cur: childFDLimit, Max: childFDLimit}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	var addr string
	var limits Limits
	if mode == "capped" {
		s, err := New(Config{Listen: "127.0.0.1:0", Handler: okMux(), IdleTimeout: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		go s.Serve() //nolint:errcheck // the process ends with the test
		addr, limits = s.Addr().String(), s.Limits()
	} else {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: okMux(), ReadHeaderTimeout: 10 * time.Second,
			ErrorLog: log.New(io.Discard, "", 0)} // a retry line per failed accept
		go srv.Serve(ln) //nolint:errcheck // the process ends with the test
		addr = ln.Addr().String()
	}
	fmt.Printf("addr %s max %d reserve %d\n", addr, limits.MaxConns, limits.FDReserve)
	in := bufio.NewScanner(os.Stdin)
	dir := t.TempDir()
	for in.Scan() {
		if in.Text() != "files" {
			continue
		}
		var files []*os.File
		for len(files) < 2000 {
			f, err := os.Create(filepath.Join(dir, fmt.Sprintf("f%d", len(files))))
			if err != nil {
				break
			}
			files = append(files, f)
		}
		fmt.Printf("files %d\n", len(files))
		for _, f := range files {
			f.Close()
		}
	}
}

type child struct {
	cmd  *exec.Cmd
	in   *os.File
	out  *bufio.Scanner
	addr string
	max  int
	res  int
}

func startChild(t *testing.T, mode string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestFDReserveChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+mode)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	c := &child{cmd: cmd, in: stdin.(*os.File), out: bufio.NewScanner(stdout)}
	if !c.out.Scan() {
		t.Fatalf("child %s printed nothing", mode)
	}
	if _, err := fmt.Sscanf(c.out.Text(), "addr %s max %d reserve %d", &c.addr, &c.max, &c.res); err != nil {
		t.Fatalf("child said %q: %v", c.out.Text(), err)
	}
	return c
}

func (c *child) openFiles(t *testing.T) int {
	t.Helper()
	if _, err := fmt.Fprintln(c.in, "files"); err != nil {
		t.Fatal(err)
	}
	if !c.out.Scan() {
		t.Fatal("child did not answer files")
	}
	var n int
	if _, err := fmt.Sscanf(c.out.Text(), "files %d", &n); err != nil {
		t.Fatalf("child said %q: %v", c.out.Text(), err)
	}
	return n
}

// fdOutcome is what the flood left the server able to do.
type fdOutcome struct {
	refused   int  // flood connections answered 503 or closed
	files     int  // files the server process could still open
	oldHealth bool // /healthz on a keep-alive connection opened before the flood
	newHealth string
}

func floodChild(t *testing.T, c *child) fdOutcome {
	t.Helper()
	var o fdOutcome
	before := dial(t, c.addr)
	if code, _, err := before.get("/healthz", c.addr); err != nil || code != 200 {
		t.Fatalf("healthz before the flood: %d %v", code, err)
	}
	conns := make([]net.Conn, 0, flood)
	for range flood {
		nc, err := net.DialTimeout("tcp", c.addr, 2*time.Second)
		if err != nil {
			break // the child's backlog is full
		}
		conns = append(conns, nc)
		fmt.Fprintf(nc, "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", c.addr)
	}
	defer func() {
		for _, nc := range conns {
			nc.Close()
		}
	}()
	// Every flood connection either gets its 200 (it fit under the cap),
	// a 503 or EOF (refused), or nothing (the server stopped accepting).
	deadline := time.Now().Add(5 * time.Second) // one for all: unanswered ones cost 5s in total
	for _, nc := range conns {
		_ = nc.SetReadDeadline(deadline)
		resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
		switch {
		case err == nil && resp.StatusCode == http.StatusServiceUnavailable:
			o.refused++
		case err != nil && !isTimeout(err):
			o.refused++
		}
		if resp != nil {
			resp.Body.Close()
		}
	}
	o.files = c.openFiles(t)
	code, _, err := before.get("/healthz", c.addr)
	o.oldHealth = err == nil && code == 200
	k, err := net.DialTimeout("tcp", c.addr, 2*time.Second)
	if err != nil {
		o.newHealth = "dial: " + err.Error()
		return o
	}
	defer k.Close()
	ka := &keepAlive{c: k, r: bufio.NewReader(k)}
	code, body, err := ka.get("/healthz", c.addr)
	switch {
	case err != nil && isTimeout(err):
		o.newHealth = "timeout"
	case err != nil:
		o.newHealth = "closed"
	default:
		o.newHealth = fmt.Sprintf("%d %s", code, strings.TrimSpace(body))
	}
	return o
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error) //nolint:errorlint // net errors are not wrapped here
	return ok && ne.Timeout()
}

// TestFDReserve floods a server whose RLIMIT_NOFILE is 256 with 1,000 idle
// connections. Without the cap the process runs out of descriptors: it
// cannot open a file and a new /healthz gets no answer. With it, the
// connections over the cap are refused, files still open (the reserve), and
// /healthz answers on old connections and says 503 on new ones.
func TestFDReserve(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two processes")
	}
	for _, mode := range []string{"uncapped", "capped"} {
		t.Run(mode, func(t *testing.T) {
			c := startChild(t, mode)
			o := floodChild(t, c)
			t.Logf("RLIMIT_NOFILE %d, cap %d, reserve %d: %d of %d connections refused, %d files opened after the flood, "+
				"/healthz on an old connection ok=%v, on a new one: %s",
				childFDLimit, c.max, c.res, o.refused, flood, o.files, o.oldHealth, o.newHealth)
			if mode == "uncapped" {
				if o.files > 10 {
					t.Logf("uncapped: %d files opened; the baseline did not exhaust the limit", o.files)
				}
				return
			}
			if o.files < c.res/2 {
				t.Errorf("files opened after the flood: got %d, want at least half the reserve (%d)", o.files, c.res/2)
			}
			if !o.oldHealth {
				t.Error("/healthz on a keep-alive connection opened before the flood: failed, want 200")
			}
			if !strings.HasPrefix(o.newHealth, "503") {
				t.Errorf("/healthz on a new connection at the cap: got %q, want 503", o.newHealth)
			}
			if want := flood - c.max; o.refused < want-5 {
				t.Errorf("refused: got %d, want about %d (flood less the cap)", o.refused, want)
			}
		})
	}
}
