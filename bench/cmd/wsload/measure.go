package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"github.com/tailcast/tailcast/bench/internal/selfcpu"
)

func (l *load) measure(ctx context.Context, res *results, conns []*conn, cmdArgs []string) (int, error) {
	o := l.o
	cmd := exec.Command(cmdArgs[0], cmdArgs[1:]...)
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		res.set("status", "publisher-failed")
		res.print(os.Stdout)
		return 1, fmt.Errorf("start publisher: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopCmd := func() {
		if cmd.ProcessState == nil {
			cmd.Process.Signal(syscall.SIGTERM)
		}
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}

	wait := func(d time.Duration) error {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case err := <-exited:
			exited <- err
			return fmt.Errorf("publisher exited early: %v", err)
		}
	}
	sum := func() (d, dr int64) {
		for _, c := range conns {
			d += c.delivered.Load()
			dr += c.dropped.Load()
		}
		return d, dr
	}

	if err := wait(o.warmup); err != nil {
		stopCmd()
		res.set("status", "failed")
		res.print(os.Stdout)
		return 1, err
	}
	disc0 := l.disc.Load()
	d0, dr0 := sum()
	cpu0, self0 := cpuSeconds(o.pid), selfcpu.Used().Seconds()
	l.recording.Store(true)
	start := time.Now()
	err := wait(o.duration)
	l.recording.Store(false)
	elapsed := time.Since(start).Seconds()
	d1, dr1 := sum()
	cpu1, self1 := cpuSeconds(o.pid), selfcpu.Used().Seconds()
	disc1 := l.disc.Load()
	stopCmd()
	if err != nil {
		res.set("status", "failed")
		res.print(os.Stdout)
		return 1, err
	}

	if o.mix != nil {
		l.drainMix(ctx, res, conns)
	}

	var h histogram
	for _, c := range conns {
		if c.sampling {
			c.mu.Lock()
			h.merge(&c.hist)
			c.mu.Unlock()
		}
	}
	res.add("window_s", fmt.Sprintf("%.3f", elapsed))
	res.add("delivered", d1-d0)
	res.add("deliveries_per_s", fmt.Sprintf("%.0f", float64(d1-d0)/elapsed))
	res.add("per_conn_per_s", fmt.Sprintf("%.0f", float64(d1-d0)/elapsed/float64(len(conns))))
	res.add("dropped", dr1-dr0)
	res.add("disconnects", disc1-disc0)
	res.add("samplers", countSampling(conns))
	res.add("lat_samples", h.n)
	res.add("p50_ms", ms(h.quantile(0.50)))
	res.add("p99_ms", ms(h.quantile(0.99)))
	res.add("max_ms", ms(h.max))
	if o.pid > 0 && cpu0 >= 0 && cpu1 >= 0 {
		res.add("server_cpu_pct", fmt.Sprintf("%.0f", (cpu1-cpu0)/elapsed*100))
	}
	res.add("wsload_cpu_pct", fmt.Sprintf("%.0f", (self1-self0)/elapsed*100))
	if why := l.firstDisconnect(); why != "" {
		res.add("first_disconnect", strconv.Quote(why))
	}
	res.print(os.Stdout)
	return 0, nil
}
