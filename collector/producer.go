package collector

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"
	"go.uber.org/zap"
)

// producer owns the Kafka side: the sarama client and AsyncProducer, the
// largest record the topic takes, and the three loops that drain the
// producer's successes (acknowledging each record's window and releasing
// its budget), its errors (queueing the record again, cut if the broker
// refused its size) and that queue (retryLoop). Readers hand it records on
// input(). Stopped by close, after the readers.
type producer struct {
	client    sarama.Client
	async     sarama.AsyncProducer
	maxRecord int // largest record key plus value that fits the topic's limit
	budget    *budget
	stats     *counters
	log       *zap.Logger

	cancel context.CancelFunc
	wg     sync.WaitGroup // retry loop
	ackWG  sync.WaitGroup // successes and errors loops

	retryMu  sync.Mutex
	retryQ   []*sarama.ProducerMessage
	retrySig chan struct{}
}

// startProducer connects to Kafka, checks the topic, fits the batch size to
// its max.message.bytes and starts the loops. It fails when Kafka is
// unreachable or the topic does not exist. The retry loop outlives ctx's
// cancellation: it is stopped by close.
func startProducer(ctx context.Context, cfg *Config, b *budget, stats *counters) (*producer, error) {
	sc, err := saramaConfig(cfg)
	if err != nil {
		return nil, err
	}
	brokers := strings.Join(cfg.Kafka.Brokers, ",")
	client, err := sarama.NewClient(cfg.Kafka.Brokers, sc)
	if err != nil {
		return nil, fmt.Errorf("collector: connect to kafka %s: %w", brokers, err)
	}
	if _, err := client.Partitions(cfg.Topic); err != nil {
		client.Close()
		return nil, fmt.Errorf("collector: topic %q on %s: %w", cfg.Topic, brokers, err)
	}
	p := &producer{client: client, budget: b, stats: stats, log: cfg.Logger, retrySig: make(chan struct{}, 1)}
	// The producer is not created yet, so nothing reads sc.Producer while
	// it is set.
	brokerMax := topicMaxMessageBytes(client, cfg.Topic, cfg.Logger)
	sc.Producer.MaxMessageBytes, p.maxRecord = batchLimit(brokerMax)
	if p.maxRecord < minRecord {
		client.Close()
		return nil, fmt.Errorf("collector: topic %q: max.message.bytes %d is too small, want at least %d", cfg.Topic, brokerMax, minRecord+batchOverhead)
	}
	p.async, err = sarama.NewAsyncProducerFromClient(client)
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("collector: start producer: %w", err)
	}
	p.ackWG.Add(2)
	go p.successLoop()
	go p.errorLoop()
	pctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p.cancel = cancel
	p.wg.Add(1)
	go p.retryLoop(pctx)
	return p, nil
}

// input is where readers hand records over, in each file's read order.
func (p *producer) input() chan<- *sarama.ProducerMessage { return p.async.Input() }

// close stops the retry loop (records still queued there are not
// acknowledged, so they are read again after a restart), flushes and closes
// the producer, waits for its last results and closes the client.
func (p *producer) close() error {
	p.cancel()
	p.wg.Wait()
	p.async.AsyncClose()
	p.ackWG.Wait()
	if err := p.client.Close(); err != nil && !errors.Is(err, sarama.ErrClosedClient) {
		return fmt.Errorf("close kafka client: %w", err)
	}
	return nil
}

func (p *producer) successLoop() {
	defer p.ackWG.Done()
	applyAcks(p.async.Successes(), p.budget, p.stats)
}

// applyAcks applies the acknowledgements on succ in batches (ackBatch):
// each one that arrives, with those already queued behind it, never
// waiting for more. It returns when succ is closed.
func applyAcks(succ <-chan *sarama.ProducerMessage, bud *budget, st *counters) {
	var b ackBatch
	for msg := range succ {
		b.msgs = append(b.msgs, msg)
	drain:
		for len(b.msgs) < maxAckBatch {
			select {
			case msg, ok := <-succ:
				if !ok {
					break drain
				}
				b.msgs = append(b.msgs, msg)
			default:
				break drain
			}
		}
		b.apply(bud, st)
	}
}

func (p *producer) errorLoop() {
	defer p.ackWG.Done()
	var lastLog time.Time
	for perr := range p.async.Errors() {
		p.stats.producerErr.Add(1)
		if now := time.Now(); now.Sub(lastLog) >= time.Second { // an outage fails every record
			lastLog = now
			p.log.Warn("produce failed, retrying", zap.String("path", metaPath(perr.Msg)), zap.Error(perr.Err),
				zap.Int64("errors_total", p.stats.producerErr.Load()))
		}
		msg := perr.Msg
		// Batches are capped at the topic's limit and every record is cut to
		// fit it (send), so the broker refusing a size means its limit is
		// lower than the one read at start. Only a record that could not fit
		// a batch of half that limit is cut: the small records of a refused
		// batch are sent again as they are, never mutilated.
		if (errors.Is(perr.Err, sarama.ErrMessageSizeTooLarge) || errors.Is(perr.Err, sarama.ErrInvalidMessageSize)) &&
			msg.Value.Length() > p.maxRecord/2 {
			if !shrink(msg) {
				p.log.Error("entry cannot be made small enough for kafka", zap.String("path", metaPath(msg)))
			} else {
				p.stats.truncated.Add(1)
			}
		}
		msg.Metadata.(*msgMeta).retry.add()
		p.retryMu.Lock()
		p.retryQ = append(p.retryQ, msg)
		p.retryMu.Unlock()
		select {
		case p.retrySig <- struct{}{}:
		default:
		}
	}
}

// retryLoop re-enqueues records the producer gave up on, after a pause so an
// outage does not spin, each file's in read order; new records of a file
// wait until its retried ones are back in the producer (retries.wait).
// Records still queued when it stops are not acknowledged, so they are not
// checkpointed and are read again after a restart.
func (p *producer) retryLoop(ctx context.Context) {
	defer p.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.retrySig:
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
		p.retryMu.Lock()
		q := p.retryQ
		p.retryQ = nil
		p.retryMu.Unlock()
		orderRetries(q)
		for i, msg := range q {
			r := msg.Metadata.(*msgMeta).retry // msg is sarama's once sent
			select {
			case p.async.Input() <- msg:
				r.handedBack()
			case <-ctx.Done():
				p.retryMu.Lock()
				p.retryQ = append(q[i:], p.retryQ...)
				p.retryMu.Unlock()
				return
			}
		}
	}
}

// orderRetries puts each file's records back in read order, files in the
// order their first failure arrived.
func orderRetries(q []*sarama.ProducerMessage) {
	rank := map[*retries]int{}
	for _, m := range q {
		r := m.Metadata.(*msgMeta).retry
		if _, ok := rank[r]; !ok {
			rank[r] = len(rank)
		}
	}
	sort.SliceStable(q, func(i, j int) bool {
		a, b := q[i].Metadata.(*msgMeta), q[j].Metadata.(*msgMeta)
		if ra, rb := rank[a.retry], rank[b.retry]; ra != rb {
			return ra < rb
		}
		return a.gen < b.gen || a.gen == b.gen && a.seq < b.seq
	})
}

// retries counts one file's records that the producer gave up on and the
// retry loop has not handed back to it yet. The file's new records wait for
// them, so that its records reach Kafka in order.
type retries struct {
	n    atomic.Int64
	done chan struct{} // signalled when n drops to zero; capacity 1
}

func (r *retries) add() { r.n.Add(1) }

func (r *retries) handedBack() {
	if r.n.Add(-1) == 0 {
		select {
		case r.done <- struct{}{}:
		default:
		}
	}
}

// wait blocks while records of the file are still to be handed back to the
// producer: a new record sent before them could reach Kafka first. It
// reports false when ctx is done.
func (r *retries) wait(ctx context.Context) bool {
	for r.n.Load() > 0 {
		select {
		case <-ctx.Done():
			return false
		case <-r.done:
		}
	}
	return true
}

// SaramaConfig is the producer configuration a Collector built from cfg
// uses, for a topic with Kafka's default max.message.bytes (Start fits it to
// the topic). cfg.Inputs may be empty. It lets a benchmark run sarama alone
// exactly as the collector runs it (bench/cmd/saramaonly).
func SaramaConfig(cfg Config) (*sarama.Config, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	return saramaConfig(&cfg)
}

func saramaConfig(cfg *Config) (*sarama.Config, error) {
	sc, err := cfg.Kafka.Sarama()
	if err != nil {
		return nil, fmt.Errorf("collector: %w", err)
	}
	sc.Metadata.AllowAutoTopicCreation = false
	p := &sc.Producer
	p.Idempotent = true
	p.RequiredAcks = sarama.WaitForAll
	sc.Net.MaxOpenRequests = 1
	p.Return.Successes = true
	p.Return.Errors = true
	p.Flush.Frequency = cfg.Linger
	p.Flush.Bytes = 512 << 10
	// startProducer fits it to the topic's limit once connected.
	p.MaxMessageBytes, _ = batchLimit(defaultMaxMessageBytes)
	p.Compression, _ = compressionCodec(cfg.Compression)
	p.Partitioner = newFilePartitioner
	// sarama retries about 7s of outage itself, in order; after that the
	// collector re-enqueues the record (never dropping it) with its own
	// backoff. Keeping sarama's budget short bounds Close.
	p.Retry.Max = 10
	if cfg.producerRetries > 0 {
		p.Retry.Max = cfg.producerRetries
	}
	p.Retry.BackoffFunc = func(retries, _ int) time.Duration {
		return min(50*time.Millisecond<<min(retries, 5), time.Second)
	}
	sc.ChannelBufferSize = 4096
	return sc, nil
}

func compressionCodec(s string) (sarama.CompressionCodec, error) {
	switch strings.ToLower(s) {
	case "none":
		return sarama.CompressionNone, nil
	case "lz4":
		return sarama.CompressionLZ4, nil
	case "zstd":
		return sarama.CompressionZSTD, nil
	case "snappy":
		return sarama.CompressionSnappy, nil
	case "gzip":
		return sarama.CompressionGZIP, nil
	}
	return 0, fmt.Errorf("collector: compression %q: want none, lz4, zstd, snappy or gzip", s)
}

const (
	// defaultMaxMessageBytes is Kafka's default message.max.bytes, assumed
	// when the topic's max.message.bytes cannot be read.
	defaultMaxMessageBytes = 1048588
	// minRecord is the smallest room for a record that Start accepts.
	minRecord = 16 << 10
	// recordOverhead bounds a record's framing in a batch beside its key and
	// value: length, attributes, deltas, header count, and the content-type
	// header (sarama counts 5 varints + 1 + 10 per record).
	recordOverhead = 64 + 64
	// batchOverhead is a v2 record batch header (61 bytes) with margin.
	batchOverhead = 128
)

// topicMaxMessageBytes reads the topic's max.message.bytes: the largest
// record batch the broker accepts, compressed, for the topic.
func topicMaxMessageBytes(client sarama.Client, topic string, log *zap.Logger) int {
	// Close is never called on this admin: it would close the client.
	admin, err := sarama.NewClusterAdminFromClient(client)
	if err == nil {
		var entries []sarama.ConfigEntry
		entries, err = admin.DescribeConfig(sarama.ConfigResource{Type: sarama.TopicResource, Name: topic,
			ConfigNames: []string{"max.message.bytes"}})
		for _, e := range entries {
			if n, perr := strconv.Atoi(e.Value); e.Name == "max.message.bytes" && perr == nil && n > 0 {
				return n
			}
		}
	}
	log.Warn("topic max.message.bytes unknown, assuming Kafka's default", zap.String("topic", topic),
		zap.Int("bytes", defaultMaxMessageBytes), zap.Error(err))
	return defaultMaxMessageBytes
}

// batchLimit derives, from the broker's limit on a batch, sarama's
// Producer.MaxMessageBytes (which caps the uncompressed size of a
// partition's batch, as sarama counts it) and the largest record key plus
// value. Without compression a batch goes out at its uncompressed size, so
// an uncapped one is refused whole; compression can grow incompressible
// data by a fraction of a percent, hence the 1/64 margin.
func batchLimit(brokerMax int) (maxMessageBytes, maxRecord int) {
	maxMessageBytes = brokerMax - brokerMax/64 - batchOverhead
	return maxMessageBytes, maxMessageBytes - recordOverhead
}
