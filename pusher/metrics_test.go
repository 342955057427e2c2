package pusher

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tailcast/tailcast/internal/wait"
)

// TestFlushPassMetric: the passes that delivered an entry are timed.
func TestFlushPassMetric(t *testing.T) {
	reg := prometheus.NewRegistry()
	s, u := testServer(t, Config{Registerer: reg})
	s.Begin(0, 0)
	passes := func() uint64 {
		t.Helper()
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == "tailcast_pusher_flush_pass_seconds" {
				return mf.GetMetric()[0].GetHistogram().GetSampleCount()
			}
		}
		t.Fatal("no metric tailcast_pusher_flush_pass_seconds")
		return 0
	}
	c := dial(t, u)
	c.hello()
	waitClients(t, s, 1)
	before := passes()
	s.Publish(0, 0, entry("api", "h1", lInfo, "timed pass"))
	if m := c.next(); m.Type != "entry" || m.Msg != "timed pass" {
		t.Fatalf("got %s %q, want the entry", m.Type, m.Msg)
	}
	// The pass is timed once it has handed the frame over, which may be
	// after the client read it.
	wait.For(t, 5*time.Second, "the delivering pass to be timed", func() bool { return passes() > before })
}
