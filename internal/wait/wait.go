package wait

import (
	"testing"
	"time"
)

// For polls cond until it holds, failing tb when it still does not after
// timeout. It polls often at first (1 ms) and backs off to every 20 ms, so a
// quick condition costs little latency and a slow one little CPU.
func For(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	pause := time.Millisecond
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(pause)
		pause = min(2*pause, 20*time.Millisecond)
	}
}
