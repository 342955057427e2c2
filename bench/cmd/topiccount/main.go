package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func main() {
	code, err := run()
	if err != nil {
		fmt.Fprintln(os.Stderr, "topiccount:", err)
	}
	os.Exit(code)
}

func run() (int, error) {
	brokers := flag.String("brokers", "", "bootstrap broker host:port (required)")
	topic := flag.String("topic", "logs", "topic to count")
	want := flag.Int64("wait", 0, "records to wait for (0: print the count and exit)")
	timeout := flag.Duration("timeout", 2*time.Minute, "give up waiting after this long")
	interval := flag.Duration("interval", 5*time.Millisecond, "poll interval")
	grace := flag.Duration("grace", 15*time.Second, "how long CMD may take to exit after SIGTERM")
	letExit := flag.Bool("exit", false, "once N records are counted, let CMD exit by itself (up to -grace) before SIGTERM: for a command that times itself and prints its results at the end")
	flag.Parse()
	if *brokers == "" {
		return 2, errors.New("-brokers is required")
	}
	if *want < 0 || *interval <= 0 || *timeout <= 0 {
		return 2, errors.New("-wait must be >= 0, -interval and -timeout > 0")
	}
	if *want == 0 && flag.NArg() > 0 {
		return 2, errors.New("a command needs -wait N")
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	cl, err := kgo.NewClient(kgo.SeedBrokers(*brokers), kgo.DialTimeout(5*time.Second))
	if err != nil {
		return 1, fmt.Errorf("kafka client: %w", err)
	}
	defer cl.Close()
	c := &counter{cl: cl, topic: *topic}
	startCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	n, err := c.count(startCtx)
	cancel()
	if err != nil {
		return 1, err
	}
	if *want == 0 {
		fmt.Println(n)
		return 0, nil
	}
	if n != 0 {
		return 1, fmt.Errorf("topic %q already holds %d records; want a fresh broker", *topic, n)
	}
	return c.measure(ctx, *want, *timeout, *interval, *grace, *letExit, flag.Args())
}

type counter struct {
	cl         *kgo.Client
	topic      string
	partitions []int32
}

// count sums the high watermarks of every partition of the topic.
func (c *counter) count(ctx context.Context) (int64, error) {
	if c.partitions == nil {
		req := kmsg.NewPtrMetadataRequest()
		t := kmsg.NewMetadataRequestTopic()
		t.Topic = kmsg.StringPtr(c.topic)
		req.Topics = append(req.Topics, t)
		resp, err := req.RequestWith(ctx, c.cl)
		if err != nil {
			return 0, fmt.Errorf("metadata: %w", err)
		}
		if len(resp.Topics) != 1 {
			return 0, fmt.Errorf("metadata: got %d topics, want 1", len(resp.Topics))
		}
		if err := kerrOf(resp.Topics[0].ErrorCode); err != nil {
			return 0, fmt.Errorf("metadata of topic %q: %w", c.topic, err)
		}
		for _, p := range resp.Topics[0].Partitions {
			c.partitions = append(c.partitions, p.Partition)
		}
		if len(c.partitions) == 0 {
			return 0, fmt.Errorf("topic %q has no partitions", c.topic)
		}
	}
	req := kmsg.NewPtrListOffsetsRequest()
	req.ReplicaID = -1
	t := kmsg.NewListOffsetsRequestTopic()
	t.Topic = c.topic
	for _, p := range c.partitions {
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Partition = p
		rp.Timestamp = -1 // latest: the high watermark
		t.Partitions = append(t.Partitions, rp)
	}
	req.Topics = append(req.Topics, t)
	resp, err := req.RequestWith(ctx, c.cl)
	if err != nil {
		return 0, fmt.Errorf("list offsets: %w", err)
	}
	var sum int64
	seen := 0
	for _, rt := range resp.Topics {
		for _, rp := range rt.Partitions {
			if err := kerrOf(rp.ErrorCode); err != nil {
				return 0, fmt.Errorf("list offsets of %s/%d: %w", rt.Topic, rp.Partition, err)
			}
			sum += rp.Offset
			seen++
		}
	}
	if seen != len(c.partitions) {
		return 0, fmt.Errorf("list offsets: got %d partitions, want %d", seen, len(c.partitions))
	}
	return sum, nil
}

func kerrOf(code int16) error {
	if code == 0 {
		return nil
	}
	return fmt.Errorf("kafka error code %d", code)
}

type result struct {
	status       string
	count        int64
	elapsed      time.Duration
	elapsedLast1 time.Duration
}

func (c *counter) measure(ctx context.Context, want int64, timeout, interval, grace time.Duration, letExit bool, argv []string) (int, error) {
	var cmd *exec.Cmd
	exited := make(chan struct{})
	start := time.Now()
	if len(argv) > 0 {
		cmd = exec.Command(argv[0], argv[1:]...)
		cmd.Stdin = nil
		cmd.Stdout = os.Stderr
		cmd.Stderr = os.Stderr
		// The child must not outlive us if the harness kills us hard.
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		start = time.Now()
		if err := cmd.Start(); err != nil {
			return 1, fmt.Errorf("start %s: %w", argv[0], err)
		}
		go func() { _ = cmd.Wait(); close(exited) }()
	}

	res := result{status: "timeout"}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var exitedAt time.Time
	var pollErr error
poll:
	for {
		select {
		case <-ctx.Done():
			res.status = "interrupted"
			break poll
		case <-deadline.C:
			break poll
		case <-exited:
			// The command is done (kcat exits once everything is
			// delivered); its records may still be landing. Keep
			// polling briefly, then give up.
			exitedAt = time.Now()
			exited = nil
		case <-tick.C:
		}
		if !exitedAt.IsZero() && time.Since(exitedAt) > 3*time.Second {
			res.status = "exited"
			break poll
		}
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		n, err := c.count(pctx)
		cancel()
		now := time.Since(start)
		if err != nil {
			pollErr = err
			continue
		}
		res.count = n
		if n >= want-1 && res.elapsedLast1 == 0 {
			res.elapsedLast1 = now
		}
		if n >= want {
			res.elapsed = now
			res.status = "ok"
			break poll
		}
	}

	exitCode := -1
	var cpu time.Duration
	var maxrss, minflt int64
	if cmd != nil {
		if exited != nil && letExit && res.status == "ok" {
			select {
			case <-exited:
				exited = nil
			case <-time.After(grace):
				fmt.Fprintf(os.Stderr, "topiccount: %s did not exit by itself within %s; stopping it\n", argv[0], grace)
			}
		}
		if exited != nil {
			select {
			case <-exited:
			default:
				_ = cmd.Process.Signal(syscall.SIGTERM)
				select {
				case <-exited:
				case <-time.After(grace):
					fmt.Fprintf(os.Stderr, "topiccount: %s ignored SIGTERM for %s; killing it\n", argv[0], grace)
					_ = cmd.Process.Kill()
					<-exited
				}
			}
		}
		exitCode = cmd.ProcessState.ExitCode()
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			maxrss = ru.Maxrss // KiB on Linux
			minflt = ru.Minflt
		}
	}
	final := res.count
	fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	if n, err := c.count(fctx); err == nil {
		final = n
	}
	cancel()
	fmt.Printf("status=%s target=%d count=%d final_count=%d elapsed_s=%.4f elapsed_last1_s=%.4f cpu_s=%.3f maxrss_kib=%d minflt=%d exit=%d\n",
		res.status, want, res.count, final, res.elapsed.Seconds(), res.elapsedLast1.Seconds(), cpu.Seconds(), maxrss, minflt, exitCode)
	if res.status != "ok" {
		if pollErr != nil {
			return 1, fmt.Errorf("%s after %s with %d of %d records (last poll error: %v)", res.status, time.Since(start).Round(time.Millisecond), res.count, want, pollErr)
		}
		return 1, fmt.Errorf("%s after %s with %d of %d records", res.status, time.Since(start).Round(time.Millisecond), res.count, want)
	}
	return 0, nil
}
