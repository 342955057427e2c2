package genline

import (
	"bytes"
	"testing"
	"time"
)

func TestNewAtStartsAtStartAndAdvances(t *testing.T) {
	start := time.Date(2026, 12, 6, 6, 0, 0, 0, time.UTC)
	const n = 20000
	g := NewAt(7, start)
	var buf []byte
	prev := start
	for i := range n {
		buf = g.Line(buf[:0])
		if !bytes.HasSuffix(buf, []byte("\n")) {
			t.Fatalf("line %d: got %q, want a trailing newline", i, buf)
		}
		ts := g.Time()
		if ts.Before(prev) {
			t.Fatalf("line %d: time %v before the previous line's %v", i, ts, prev)
		}
		if ts.Sub(prev) >= maxStep {
			t.Fatalf("line %d: step %v, want < %v", i, ts.Sub(prev), maxStep)
		}
		prev = ts
	}
	// The mean step is MeanStep: over n lines the span is within 5% of n × MeanStep.
	want := time.Duration(n) * MeanStep
	if got := prev.Sub(start); got < want*95/100 || got > want*105/100 {
		t.Errorf("span of %d lines: got %v, want about %v", n, got, want)
	}
}

func TestNewAtMatchesNewLines(t *testing.T) {
	// Only the time differs: same seed, same shapes and values after it.
	a, b := New(3), NewAt(3, time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC))
	for i := range 100 {
		la, lb := a.Line(nil), b.Line(nil)
		if !bytes.Equal(la, lb) {
			t.Fatalf("line %d: NewAt gave %q, New gave %q", i, lb, la)
		}
	}
}
