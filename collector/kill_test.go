package collector

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/tailcast/tailcast/internal/kafkaconf"
	"github.com/tailcast/tailcast/internal/kafkatest"
	"github.com/tailcast/tailcast/internal/wait"
)

// TestMain lets the kill -9 test run a collector in a child process: the
// test binary re-executes itself with TAILCAST_COLLECTOR_CHILD set.
func TestMain(m *testing.M) {
	if os.Getenv("TAILCAST_COLLECTOR_CHILD") == "1" {
		os.Exit(runChild())
	}
	os.Exit(m.Run())
}

func runChild() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	c, err := New(Config{
		Inputs:            []Input{{Pattern: os.Getenv("TAILCAST_COLLECTOR_PATTERN")}},
		Kafka:             kafkaconf.Config{Brokers: []string{os.Getenv("TAILCAST_COLLECTOR_BROKER")}},
		Host:              "child",
		KeepRaw:           true, // seqOf reads the line from Raw
		PositionsFile:     os.Getenv("TAILCAST_COLLECTOR_POSITIONS"),
		PositionsInterval: 20 * time.Millisecond,
		FromStart:         true,
		RescanInterval:    50 * time.Millisecond,
		FlushTimeout:      100 * time.Millisecond,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if err := c.Start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	<-ctx.Done()
	if err := c.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func startChild(t *testing.T, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, "TAILCAST_COLLECTOR_CHILD=1")...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

func TestKill9AndRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes")
	}
	const total = 20000
	b := kafkatest.Start(t, "logs", 3)
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	posFile := filepath.Join(dir, "positions.json")
	env := []string{
		"TAILCAST_COLLECTOR_BROKER=" + b.Addr(),
		"TAILCAST_COLLECTOR_PATTERN=" + path,
		"TAILCAST_COLLECTOR_POSITIONS=" + posFile,
	}
	w := newWriter(t, path)
	w.lines(0, 1000)

	done := make(chan struct{})
	go func() { // the stream goes on while the collector dies and restarts
		defer close(done)
		for i := 1000; i < total; i += 100 {
			w.lines(i, i+100)
			time.Sleep(time.Millisecond) // pacing, not synchronisation
		}
	}()
	child := startChild(t, env...)
	wait.For(t, 20*time.Second, "a checkpoint mid-stream", func() bool {
		ps, _, err := loadPositions(posFile)
		if err != nil {
			return false
		}
		for _, p := range ps {
			if p.Offset > 100*84 {
				return true
			}
		}
		return false
	})
	if err := child.Process.Kill(); err != nil { // SIGKILL: no Close, no final checkpoint
		t.Fatal(err)
	}
	_ = child.Wait()
	child = startChild(t, env...)
	t.Cleanup(func() {
		_ = child.Process.Signal(syscall.SIGTERM)
		_ = child.Wait()
	})
	<-done
	r := readTopic(t, b.Addr(), "logs")
	recs := r.wait(t, 60*time.Second, "every line", func(rs []record) bool { return len(missing(numbered(rs), 0, total-1)) == 0 })
	dups := 0
	for _, n := range numbered(recs) {
		dups += n - 1
	}
	t.Logf("%d lines, %d records, %d sent twice", total, len(recs), dups)
	if dups > total/2 {
		t.Fatalf("got %d duplicates, want the unacknowledged batch at most", dups)
	}
}
