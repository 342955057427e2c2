package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tailcast/tailcast/internal/wait"
)

// The real binary shuts down cleanly on SIGTERM and SIGINT: exit status 0,
// and the collector's positions saved up to the last line.
func TestGracefulShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "tailcast")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			logFile := filepath.Join(dir, "app.log")
			if err := os.WriteFile(logFile, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "run", "--listen", "127.0.0.1:0", "--kafka-listen", "127.0.0.1:0",
				"--data-dir", filepath.Join(dir, "data"), "--log-level", "warn", logFile)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill() })
			sc := bufio.NewScanner(stdout)
			var url string
			for sc.Scan() {
				if _, u, ok := strings.Cut(sc.Text(), "viewer at "); ok {
					url = strings.TrimSpace(u)
					break
				}
			}
			go func() { // keep draining so the process never blocks on stdout
				for sc.Scan() {
				}
			}()

			var body strings.Builder
			for i := 0; i < 50; i++ {
				body.WriteString("2026-11-22 10:00:00,000 INFO app - line\n")
			}
			f, err := os.OpenFile(logFile, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.WriteString(body.String()); err != nil {
				t.Fatal(err)
			}
			f.Close()

			// Positions are saved periodically; wait until the lines are
			// read, then signal and check the final save.
			positions := filepath.Join(dir, "data", "positions.json")
			size := int64(body.Len())
			wait.For(t, 30*time.Second, fmt.Sprintf("positions to reach %d", size), func() bool { return offsetOf(t, positions) == size })
			// A hang-up reloads certificates; it must not end the process.
			if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
				t.Fatal(err)
			}
			for i := range 3 { // a few answers: a dying process would stop answering
				if code := healthz(t, url); code != http.StatusOK {
					t.Fatalf("/healthz after SIGHUP (%d): got %d, want 200", i, code)
				}
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("exit after %v: %v, want status 0", sig, err)
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("no exit within 30s of %v", sig)
			}
			if got := offsetOf(t, positions); got != size {
				t.Errorf("saved offset: got %d, want %d", got, size)
			}
		})
	}
}

// offsetOf reads the offset of the only file in a positions file; -1 when
// there is none yet.
func offsetOf(t *testing.T, path string) int64 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		return -1
	}
	var pf struct {
		Files []struct {
			Offset int64 `json:"offset"`
		} `json:"files"`
	}
	if err := json.Unmarshal(data, &pf); err != nil || len(pf.Files) != 1 {
		return -1
	}
	return pf.Files[0].Offset
}

func healthz(t *testing.T, base string) int {
	t.Helper()
	resp, err := http.Get(strings.TrimSuffix(base, "/") + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
