package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "kfakebroker:", err)
		os.Exit(1)
	}
}

func run() error {
	listen := flag.String("listen", "127.0.0.1:0", "TCP address to listen on (loopback only)")
	topic := flag.String("topic", "logs", "topic created at start")
	partitions := flag.Int("partitions", 3, "partitions of -topic")
	blackhole := flag.Bool("blackhole", false, "acknowledge produce requests without storing the records (offsets still advance)")
	addrFile := flag.String("addr-file", "", "also write the bootstrap address to this file (written atomically once listening)")
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	if *partitions < 1 {
		return fmt.Errorf("-partitions %d: want at least 1", *partitions)
	}
	host, _, err := net.SplitHostPort(*listen)
	if err != nil {
		return fmt.Errorf("-listen %q: %w", *listen, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-listen %q: benchmarks only listen on a loopback IP", *listen)
	}

	// Same options as internal/broker.Start, so the peers meet the broker
	// tailcast embeds; only BlackholeProduce is added on request.
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.ListenFn(func(network, _ string) (net.Listener, error) { return net.Listen(network, *listen) }),
		kfake.ClusterID("tailcast-bench"),
		kfake.DefaultNumPartitions(*partitions),
		kfake.AllowAutoTopicCreation(),
		kfake.SeedTopics(int32(*partitions), *topic),
		kfake.BrokerConfigs(map[string]string{
			"log.retention.bytes": strconv.FormatInt(1<<30, 10),
			"log.retention.ms":    strconv.FormatInt((24 * time.Hour).Milliseconds(), 10),
		}),
	}
	if *blackhole {
		opts = append(opts, kfake.BlackholeProduce())
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return fmt.Errorf("start kfake on %s: %w", *listen, err)
	}
	defer c.Close()
	addrs := c.ListenAddrs()
	if len(addrs) == 0 {
		return fmt.Errorf("start kfake: no listener")
	}
	addr := addrs[0]
	if *addrFile != "" {
		tmp := *addrFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(addr+"\n"), 0o644); err != nil {
			return fmt.Errorf("write address: %w", err)
		}
		if err := os.Rename(tmp, *addrFile); err != nil {
			return fmt.Errorf("write address: %w", err)
		}
	}
	fmt.Println(addr)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	<-ctx.Done()
	return nil
}
