package wait

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestForHolds(t *testing.T) {
	var n atomic.Int32
	For(t, 5*time.Second, "three polls", func() bool { return n.Add(1) >= 3 })
	if got := n.Load(); got != 3 {
		t.Fatalf("polls: got %d, want 3", got)
	}
}

// fatalTB records Fatalf instead of stopping the test.
type fatalTB struct {
	testing.TB
	failed bool
}

func (f *fatalTB) Helper() {}
func (f *fatalTB) Fatalf(string, ...any) {
	f.failed = true
	panic(f)
}

func TestForTimesOut(t *testing.T) {
	tb := &fatalTB{TB: t}
	func() {
		defer func() {
			if r := recover(); r != nil && r != tb {
				panic(r)
			}
		}()
		For(tb, 30*time.Millisecond, "never", func() bool { return false })
	}()
	if !tb.failed {
		t.Fatal("For on a condition that never holds: got no failure, want one")
	}
}
