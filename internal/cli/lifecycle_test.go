package cli

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// When the collector cannot start, `run` returns its error and releases
// the listen address: a restart (or the next command) can bind it.
func TestRunReleasesListenerWhenCollectorFails(t *testing.T) {
	dir := t.TempDir()
	positions := filepath.Join(dir, "positions.json")
	if err := os.WriteFile(positions, []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	var out bytes.Buffer
	err = Run(t.Context(), []string{"run", "--listen", addr, "--kafka-listen", "127.0.0.1:0",
		"--data-dir", filepath.Join(dir, "data"), "--positions", positions, "--log-level", "error",
		filepath.Join(dir, "*.log")}, Env{Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }})
	if err == nil || !strings.Contains(err.Error(), "parse positions") {
		t.Fatalf("got %v, want the collector's positions error\n%s", err, out.String())
	}
	again, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s after run failed: %v, want the address free", addr, err)
	}
	again.Close()
}
