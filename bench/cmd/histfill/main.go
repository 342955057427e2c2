package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tailcast/tailcast/internal/genline"
	"github.com/tailcast/tailcast/proto/logpb"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "histfill:", err)
		os.Exit(1)
	}
}

func run() error {
	brokers := flag.String("brokers", "", "bootstrap broker host:port (required)")
	topic := flag.String("topic", "logs", "topic to fill (must exist)")
	n := flag.Int64("n", 1_000_000, "lines to produce")
	files := flag.Int("files", 12, "files the lines are spread over")
	partitions := flag.Int("partitions", 3, "partitions of -topic")
	marker := flag.String("marker", "histmark7q", "text put into every -every-th line")
	every := flag.Int64("every", 1000, "mark one line in this many")
	endS := flag.String("end", "", "time of the last line, RFC 3339 (default: now)")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if *brokers == "" || *n < 1 || *files < 1 || *partitions < 1 || *every < 1 || *marker == "" {
		return errors.New("want -brokers, and -n, -files, -partitions, -every >= 1 and a -marker")
	}
	end := time.Now()
	if *endS != "" {
		var err error
		if end, err = time.Parse(time.RFC3339Nano, *endS); err != nil {
			return fmt.Errorf("parse -end: %w", err)
		}
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(*brokers), kgo.DefaultProduceTopic(*topic),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerBatchCompression(kgo.Lz4Compression()),
		kgo.ProducerLinger(2*time.Millisecond),
		kgo.MaxBufferedRecords(100_000))
	if err != nil {
		return fmt.Errorf("kafka client: %w", err)
	}
	defer cl.Close()

	type file struct {
		headers []kgo.RecordHeader
		part    int32
	}
	services := []string{"checkout", "orders", "payments", "inventory", "auth", "search"}
	fs := make([]file, *files)
	for i := range fs {
		host := "web-" + strconv.Itoa(1+i%4)
		svc := services[i%len(services)]
		path := "/var/log/" + svc + "-" + strconv.Itoa(i) + ".log"
		// As the collector writes them: no key, one meta header (service,
		// host, path separated by NUL bytes).
		meta := []byte(svc + "\x00" + host + "\x00" + path)
		fs[i] = file{
			headers: []kgo.RecordHeader{{Key: logpb.HeaderMeta, Value: meta}},
			part:    int32(i % *partitions),
		}
	}

	start := end.Add(-time.Duration(*n) * genline.MeanStep)
	g := genline.NewAt(*seed, start)
	ctx := context.Background()
	var (
		failed   atomic.Int64
		firstErr error
		mu       sync.Mutex
	)
	done := func(_ *kgo.Record, err error) {
		if err != nil && failed.Add(1) == 1 {
			mu.Lock()
			firstErr = err
			mu.Unlock()
		}
	}
	jsonTag := []byte(`,"tag":"` + *marker + `"}`)
	plainTag := []byte(" tag=" + *marker)
	var bytesOut, marked int64
	var first, last time.Time
	t0 := time.Now()
	var buf []byte
	for i := int64(0); i < *n; i++ {
		buf = g.Line(buf[:0])
		line := buf[:len(buf)-1]
		if (i+1)%*every == 0 {
			if bytes.HasSuffix(line, []byte("}")) {
				line = append(line[:len(line)-1], jsonTag...)
			} else {
				line = append(line, plainTag...)
			}
			marked++
		}
		ts := g.Time()
		if i == 0 {
			first = ts
		}
		last = ts
		f := &fs[i%int64(len(fs))]
		val := append([]byte(nil), line...)
		bytesOut += int64(len(val))
		cl.Produce(ctx, &kgo.Record{Value: val, Headers: f.headers, Partition: f.part, Timestamp: ts}, done)
		buf = line
	}
	if err := cl.Flush(ctx); err != nil {
		return fmt.Errorf("flush: %w", err)
	}
	if k := failed.Load(); k > 0 {
		return fmt.Errorf("%d records failed, first: %w", k, firstErr)
	}
	fmt.Printf("lines=%d bytes=%d marked=%d first_ts=%s last_ts=%s elapsed_s=%.3f\n", *n, bytesOut, marked,
		first.UTC().Format(time.RFC3339Nano), last.UTC().Format(time.RFC3339Nano), time.Since(t0).Seconds())
	return nil
}
