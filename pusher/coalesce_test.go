package pusher

import (
	"testing"
	"time"

	"github.com/tailcast/tailcast/proto/logpb"
)

// TestHoldBack: a viewer is held back only when the server is busy, it got
// entries recently and few wait; never past coalesceHold flush intervals.
func TestHoldBack(t *testing.T) {
	const fi = 5 * time.Millisecond
	now := time.Now()
	tests := []struct {
		name       string
		lastActive int
		lastData   time.Duration // before now; 0: never
		waiting    int           // entries of its filter published since its position
		want       bool
	}{
		{"busy, recent, few waiting", coalesceFrames, fi, 3, true},
		{"busy, recent, one waiting", 10 * coalesceFrames, fi, 1, true},
		{"busy, held for two passes", coalesceFrames, (coalesceHold - 1) * fi, coalesceEntries - 1, true},
		{"few viewers with entries last pass", coalesceFrames - 1, fi, 3, false},
		{"held long enough", coalesceFrames, coalesceHold * fi, 3, false},
		{"never sent entries", coalesceFrames, 0, 3, false},
		{"many waiting", coalesceFrames, fi, coalesceEntries, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newMatchHarness(1000)
			h.s.cfg.FlushInterval = fi
			f, err := filterSpec{services: []string{"api"}}.compile()
			if err != nil {
				t.Fatal(err)
			}
			c := h.add(f, 0)
			for i := range 2 * coalesceEntries {
				svc := "other"
				if i < tt.waiting {
					svc = "api"
				}
				h.s.hub.Publish(0, int64(i), entry(svc, "h", logpb.Level_LEVEL_INFO, "m"))
			}
			tail := h.pass()
			defer h.done()
			h.s.lastActive = tt.lastActive
			if tt.lastData > 0 {
				c.lastData = now.Add(-tt.lastData)
			}
			if got := h.s.holdBack(c, f, tail, now); got != tt.want {
				t.Errorf("got hold back %v, want %v", got, tt.want)
			}
		})
	}
}
