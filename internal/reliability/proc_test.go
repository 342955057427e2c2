package reliability

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tailcast/tailcast/internal/wait"
)

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
