package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tailcast/tailcast/bench/internal/cpuprofile"
	"github.com/tailcast/tailcast/bench/internal/selfcpu"
	"github.com/tailcast/tailcast/collector"
	"github.com/tailcast/tailcast/internal/kafkaconf"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "saramaonly:", err)
		fmt.Println("status=failed")
		os.Exit(1)
	}
}

func run() error {
	brokers := flag.String("brokers", "", "bootstrap broker host:port (required)")
	topic := flag.String("topic", "logs", "topic")
	lines := flag.String("lines", "", "produce this file's lines")
	records := flag.String("records", "", "produce the records of this dump")
	dump := flag.String("dump", "", "write the topic's first -n records to this file")
	n := flag.Int("n", 0, "records to dump")
	linger := flag.Duration("linger", 2*time.Millisecond, "producer linger (tailcast collect's default)")
	compression := flag.String("compression", "lz4", "producer compression (tailcast collect's default)")
	timeout := flag.Duration("timeout", 5*time.Minute, "give up after this long")
	profilePath := flag.String("cpuprofile", "", "write a CPU profile of the timed span here")
	flag.Parse()
	modes := 0
	for _, s := range []string{*lines, *records, *dump} {
		if s != "" {
			modes++
		}
	}
	if *brokers == "" || modes != 1 || flag.NArg() > 0 || (*dump != "") != (*n > 0) {
		return errors.New("usage: saramaonly -brokers ADDR (-lines FILE | -records DUMP | -dump DUMP -n N)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if *dump != "" {
		return dumpTopic(ctx, *brokers, *topic, *dump, *n)
	}

	var msgs []sarama.ProducerMessage
	var err error
	if *lines != "" {
		msgs, err = readLines(*lines)
	} else {
		msgs, err = readDump(*records)
	}
	if err != nil {
		return err
	}
	sc, err := collector.SaramaConfig(collector.Config{
		Kafka:       kafkaconf.Config{Brokers: strings.Split(*brokers, ",")},
		Topic:       *topic,
		Linger:      *linger,
		Compression: *compression,
	})
	if err != nil {
		return err
	}
	stopProfile, err := cpuprofile.Start(*profilePath)
	if err != nil {
		return err
	}
	defer stopProfile()
	return produce(ctx, strings.Split(*brokers, ","), sc, *topic, msgs)
}

// produce connects, sends msgs and waits for every acknowledgement. The
// clock starts before it connects: `tailcast collect`, timed from its
// start, connects and reads the topic's metadata within its time too.
func produce(ctx context.Context, brokers []string, sc *sarama.Config, topic string, msgs []sarama.ProducerMessage) error {
	now := time.Now()
	for i := range msgs {
		msgs[i].Topic, msgs[i].Timestamp, msgs[i].Partition = topic, now, 0
	}
	cpu0 := selfcpu.Used()
	start := time.Now()
	sc.Producer.Partitioner = sarama.NewManualPartitioner
	p, err := sarama.NewAsyncProducer(brokers, sc)
	if err != nil {
		return fmt.Errorf("start producer: %w", err)
	}
	defer p.Close()
	acked := make(chan error, 1)
	go func() {
		n := 0
		for n < len(msgs) {
			select {
			case <-p.Successes():
				n++
			case e := <-p.Errors():
				acked <- fmt.Errorf("record %d: %w", n, e.Err)
				return
			case <-ctx.Done():
				acked <- fmt.Errorf("%d of %d records acknowledged: %w", n, len(msgs), ctx.Err())
				return
			}
		}
		acked <- nil
	}()

	for i := range msgs {
		select {
		case p.Input() <- &msgs[i]:
		case err := <-acked:
			return err
		}
	}
	if err := <-acked; err != nil {
		return err
	}
	elapsed, cpu := time.Since(start), selfcpu.Used()-cpu0
	fmt.Printf("status=ok count=%d elapsed_s=%.4f cpu_s=%.3f lines_per_s=%.0f\n",
		len(msgs), elapsed.Seconds(), cpu.Seconds(), float64(len(msgs))/elapsed.Seconds())
	return nil
}

// key stands for a file's record key, as collectors before the meta header
// sent one; kept so that the -lines bound stays comparable across runs.
var key = sarama.StringEncoder("bench /var/log/app.log")

func readLines(path string) ([]sarama.ProducerMessage, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read lines: %w", err)
	}
	var msgs []sarama.ProducerMessage
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		msgs = append(msgs, sarama.ProducerMessage{Key: key, Value: sarama.ByteEncoder(line)})
	}
	return msgs, nil
}

// A dump is a sequence of records, each: key, value, header count, then
// each header's key and value. Byte strings and the count are preceded by,
// or are, a uvarint.

func dumpTopic(ctx context.Context, brokers, topic, path string, n int) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(brokers, ",")...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return fmt.Errorf("dump: %w", err)
	}
	defer cl.Close()
	var buf []byte
	for got := 0; got < n; {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			return fmt.Errorf("dump: %d of %d records: %w", got, n, err)
		}
		for it := fs.RecordIter(); !it.Done() && got < n; got++ {
			r := it.Next()
			hs := make([]sarama.RecordHeader, len(r.Headers))
			for i, h := range r.Headers {
				hs[i] = sarama.RecordHeader{Key: []byte(h.Key), Value: h.Value}
			}
			buf = appendRecord(buf, r.Key, r.Value, hs)
		}
	}
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		return fmt.Errorf("dump: %w", err)
	}
	return nil
}

// appendRecord appends one record to a dump.
func appendRecord(buf, key, value []byte, headers []sarama.RecordHeader) []byte {
	put := func(b []byte) { buf = append(binary.AppendUvarint(buf, uint64(len(b))), b...) }
	put(key)
	put(value)
	buf = binary.AppendUvarint(buf, uint64(len(headers)))
	for _, h := range headers {
		put(h.Key)
		put(h.Value)
	}
	return buf
}

func readDump(path string) ([]sarama.ProducerMessage, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read dump: %w", err)
	}
	msgs, err := parseDump(data)
	if err != nil {
		return nil, fmt.Errorf("read dump %s: %w", path, err)
	}
	return msgs, nil
}

// parseDump decodes a dump; the messages alias data.
func parseDump(data []byte) ([]sarama.ProducerMessage, error) {
	bad := io.ErrUnexpectedEOF
	uvarint := func() (int, bool) {
		v, k := binary.Uvarint(data)
		if k <= 0 || v > uint64(len(data)) {
			return 0, false
		}
		data = data[k:]
		return int(v), true
	}
	bytesOf := func() ([]byte, bool) {
		l, ok := uvarint()
		if !ok || l > len(data) {
			return nil, false
		}
		b := data[:l:l]
		data = data[l:]
		return b, true
	}
	var msgs []sarama.ProducerMessage
	for len(data) > 0 {
		k, ok1 := bytesOf()
		v, ok2 := bytesOf()
		nh, ok3 := uvarint()
		if !ok1 || !ok2 || !ok3 {
			return nil, bad
		}
		m := sarama.ProducerMessage{Value: sarama.ByteEncoder(v)}
		if len(k) > 0 { // a keyless record stays keyless (a key of 0 bytes costs the same)
			m.Key = sarama.ByteEncoder(k)
		}
		for range nh {
			hk, ok1 := bytesOf()
			hv, ok2 := bytesOf()
			if !ok1 || !ok2 {
				return nil, bad
			}
			m.Headers = append(m.Headers, sarama.RecordHeader{Key: hk, Value: hv})
		}
		msgs = append(msgs, m)
	}
	return msgs, nil
}
