package benchline

import (
	"bytes"
	"fmt"
	"testing"
	"time"
)

func TestAppend(t *testing.T) {
	ts := []byte("1800000000000000000")
	for _, size := range []int{MinSize, 130, 400} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			b := Append([]byte("x"), 42, "@@", ts, size)
			line := b[1:]
			if len(line) != size {
				t.Fatalf("length: got %d, want %d", len(line), size)
			}
			if !bytes.HasPrefix(line, []byte("tailcast-bench 0000000042 @@1800000000000000000")) || line[size-1] != '\n' {
				t.Errorf("got %q, want the sequence, the stamped marker and a newline", line)
			}
			if bytes.Count(line, []byte("\n")) != 1 || bytes.IndexByte(line, '=') >= 0 {
				t.Errorf("got %q, want one line without '='", line)
			}
		})
	}
}

func TestBucket(t *testing.T) {
	start := time.Unix(0, 0)
	tests := []struct {
		name        string
		rate        float64
		at          []time.Duration
		wantDue     []int64
		wantSkipped int64
	}{
		{"steady", 1000, []time.Duration{time.Millisecond, 2 * time.Millisecond, 10 * time.Millisecond}, []int64{1, 1, 8}, 0},
		{"nothing due yet", 100, []time.Duration{time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond}, []int64{0, 0, 1}, 0},
		{"stall caught up by a tenth of a second", 1000, []time.Duration{time.Second}, []int64{100}, 900},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBucket(tt.rate, start)
			for i, d := range tt.at {
				if got := b.Due(start.Add(d)); got != tt.wantDue[i] {
					t.Errorf("Due at %v: got %d, want %d", d, got, tt.wantDue[i])
				}
			}
			if b.Skipped() != tt.wantSkipped {
				t.Errorf("skipped: got %d, want %d", b.Skipped(), tt.wantSkipped)
			}
		})
	}
}
