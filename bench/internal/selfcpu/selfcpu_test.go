package selfcpu

import (
	"testing"
	"time"
)

// TestUsedGrowsWithWork: burning CPU shows in Used.
func TestUsedGrowsWithWork(t *testing.T) {
	before := Used()
	x := uint64(1)
	for start := time.Now(); time.Since(start) < 50*time.Millisecond; {
		x = x*6364136223846793005 + 1442695040888963407
	}
	if got := Used() - before; got < 10*time.Millisecond {
		t.Fatalf("got %v of CPU after 50 ms of work (%d), want at least 10ms", got, x&1)
	}
}
