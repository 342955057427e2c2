package patterns

import (
	"syscall"
	"testing"
	"time"

	"github.com/tailcast/tailcast/internal/loghub"
	"github.com/tailcast/tailcast/internal/parse"
	"github.com/tailcast/tailcast/proto/logpb"
)

// benchMessages returns the messages of every loghub line, as the server
// would mine them: parsed first, the miner seeing only the message.
func benchMessages(b *testing.B) []string {
	var msgs []string
	var e logpb.LogEntry
	for _, name := range loghub.Datasets {
		for _, l := range loghub.First(b, name, -1) {
			parse.Into(&e, []byte(l))
			msgs = append(msgs, e.Message)
		}
	}
	return msgs
}

// BenchmarkAdd mines the 18,000 loghub messages in a cycle, one miner for
// all (so with nine datasets' patterns at once, more than a service has),
// and reports lines per second and per CPU second. The first pass warms the
// miner; the budget is 500k lines/s on one core with at most one
// allocation per line.
func BenchmarkAdd(b *testing.B) { benchMine(b, benchMessages(b)) }

// BenchmarkAddPerDataset mines each dataset with its own miner, as the
// server mines each service.
func BenchmarkAddPerDataset(b *testing.B) {
	for _, name := range loghub.Datasets {
		b.Run(name, func(b *testing.B) {
			var msgs []string
			var e logpb.LogEntry
			for _, l := range loghub.First(b, name, -1) {
				parse.Into(&e, []byte(l))
				msgs = append(msgs, e.Message)
			}
			benchMine(b, msgs)
		})
	}
}

func benchMine(b *testing.B, msgs []string) {
	m := New(Config{})
	for _, msg := range msgs {
		m.Add(msg)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuUsed()
	for i := 0; i < b.N; i++ {
		m.Add(msgs[i%len(msgs)])
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	// On a shared machine the wall clock counts the other processes' turns
	// too; lines per CPU second is what the miner itself costs.
	if used := cpuUsed() - cpu; used > 0 {
		b.ReportMetric(float64(b.N)/used.Seconds(), "lines/cpu-s")
	}
}

// cpuUsed is the process's user and system CPU time so far.
func cpuUsed() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
