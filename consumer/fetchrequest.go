package consumer

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"
)

// A read's first request asks for scanFirstBytes (the wire size,
// compressed), each next one for 4 times more, up to scanFetchBytes: a
// small read (a context, a resume) or a scan's first results cost the
// decoding of a few records, not of megabytes, and a long scan gets about
// ten thousand typical lines (lz4) per round trip. No more than that: a
// broker builds a response while live produce and fetch requests wait
// (kfake, the embedded broker, serves every request on one goroutine), so
// a scan's large responses showed up in live latency. With 2 MiB
// responses live p99 rose to 64-94 ms during a scan loop in `make
// bench-history`, with 512 KiB to 43-49 ms, at the same scan speed; 128 KiB
// was no better for live and slower to scan. A read holds at most
// three responses at once (one being read, one queued, one in flight), so
// this bounds its memory.
const (
	scanFirstBytes = 64 << 10
	scanFetchBytes = 512 << 10
)

// testScanBytes, when set by a test, replaces both, so that a read of a
// few records takes several requests.
var testScanBytes atomic.Int32

// scanRetryWait is the first wait before a failed request is retried; it
// doubles up to scanRetryMax.
const (
	scanRetryWait = 50 * time.Millisecond
	scanRetryMax  = time.Second
)

// scanResponse is one fetch response of a scan, or where it ends.
type scanResponse struct {
	block    *sarama.FetchResponseBlock // nil: none to read
	next     int64                      // where the read goes on: after the block's last batch, or the log start
	logStart int64                      // where the log starts (0: not known)
	done     bool                       // nothing is left to read after this
	err      error
}

// prefetch requests [from, to) of partition batch after batch, one
// response ahead of the reader, until to, an error, or ctx ends. pace,
// when not nil, is called after each response is handed on, before the
// next request.
func (c *Consumer) prefetch(ctx context.Context, client sarama.Client, partition int32, from, to int64, pace func(context.Context, time.Duration) error, out chan<- scanResponse) {
	send := func(r scanResponse) bool {
		select {
		case out <- r:
			return true
		case <-ctx.Done():
			return false
		}
	}
	size := int32(scanFirstBytes)
	for off := from; ; {
		began := time.Now()
		r := c.fetchAt(ctx, client, partition, off, to, size)
		took := time.Since(began)
		r.done = r.done || r.next >= to
		if !send(r) || r.err != nil || r.done {
			return
		}
		if pace != nil {
			if err := pace(ctx, took); err != nil {
				send(scanResponse{err: err})
				return
			}
		}
		off, size = r.next, min(4*size, scanFetchBytes)
	}
}

// fetchAt fetches what follows off, retrying what a retry may cure (a
// leader change, a lost connection, a broker error) until ctx ends.
func (c *Consumer) fetchAt(ctx context.Context, client sarama.Client, partition int32, off, to int64, size int32) scanResponse {
	topic := c.cfg.Topic
	wait := scanRetryWait
	var last error
	for {
		block, err := c.fetchOnce(client, partition, off, size)
		switch {
		case err == nil:
			// The block says where the log ends (and, from version 5,
			// where it starts): nothing is read past its end.
			logStart := max(block.LogStartOffset, 0)
			next, n := batchesEnd(block)
			if next > off {
				return scanResponse{block: block, next: next, logStart: logStart, done: next >= block.HighWaterMarkOffset}
			}
			if block.HighWaterMarkOffset <= off {
				return scanResponse{next: off, logStart: logStart, done: true}
			}
			if n == 0 && block.Partial && size < scanFetchBytes && testScanBytes.Load() == 0 {
				size = scanFetchBytes // a batch larger than a small request
				continue
			}
			if n == 0 && block.Partial {
				return scanResponse{err: fmt.Errorf("offset %d: a record batch is larger than the %d bytes a fetch may return", off, scanFetchBytes)}
			}
			last = fmt.Errorf("no records at offset %d, below the high watermark %d", off, block.HighWaterMarkOffset)
		case errors.Is(err, sarama.ErrOffsetOutOfRange):
			logStart, hwm, berr := bounds(client, topic, partition)
			switch {
			case berr != nil:
				last = berr
			case off >= hwm:
				return scanResponse{next: off, logStart: logStart, done: true}
			case off < logStart && logStart >= to:
				return scanResponse{next: logStart, logStart: logStart, done: true}
			case off < logStart:
				return scanResponse{logStart: logStart, next: logStart}
			default:
				last = err
			}
		default:
			last = err
			if retriable(err) {
				_ = client.RefreshMetadata(topic)
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return scanResponse{err: fmt.Errorf("%w (last error: %v)", context.Cause(ctx), last)}
		case <-t.C:
		}
		wait = min(2*wait, scanRetryMax)
	}
}

// fetchOnce sends one fetch request for off to the partition's leader.
func (c *Consumer) fetchOnce(client sarama.Client, partition int32, off int64, maxBytes int32) (*sarama.FetchResponseBlock, error) {
	topic := c.cfg.Topic
	if tb := testScanBytes.Load(); tb > 0 {
		maxBytes = tb
	}
	leader, err := client.Leader(topic, partition)
	if err != nil {
		return nil, fmt.Errorf("leader: %w", err)
	}
	conn, err := c.scanConns.get(leader)
	if err != nil {
		return nil, err
	}
	req := &sarama.FetchRequest{
		Version: fetchVersion(c.sc.Version),
		// The range ends at or below the high watermark: the broker
		// has the records and need not wait for more.
		MaxWaitTime: 0,
		MinBytes:    1,
		MaxBytes:    maxBytes,
		// As the group reads (sarama's default): every record, aborted
		// transactions' too, so no aborted list to apply.
		Isolation: sarama.ReadUncommitted,
	}
	if req.Version >= 7 {
		req.SessionID, req.SessionEpoch = 0, -1 // no fetch session
	}
	req.AddBlock(topic, partition, off, maxBytes, -1)
	resp, err := conn.Fetch(req)
	if err != nil {
		c.scanConns.drop(leader.ID(), conn)
		return nil, err
	}
	if resp.ErrorCode != 0 {
		return nil, sarama.KError(resp.ErrorCode)
	}
	block := resp.GetBlock(topic, partition)
	if block == nil {
		return nil, sarama.ErrIncompleteResponse
	}
	if !errors.Is(block.Err, sarama.ErrNoError) {
		return nil, block.Err
	}
	return block, nil
}

// retriable reports an error after which the partition may have moved to
// another leader.
func retriable(err error) bool {
	for _, e := range []error{sarama.ErrNotLeaderForPartition, sarama.ErrLeaderNotAvailable, sarama.ErrUnknownTopicOrPartition,
		sarama.ErrFencedLeaderEpoch, sarama.ErrUnknownLeaderEpoch, sarama.ErrReplicaNotAvailable, sarama.ErrBrokerNotAvailable} {
		if errors.Is(err, e) {
			return true
		}
	}
	var kerr sarama.KError
	return !errors.As(err, &kerr) // a network error: the connection was dropped
}

// batchesEnd returns the offset after the last complete batch of block,
// and how many complete batches it holds.
func batchesEnd(block *sarama.FetchResponseBlock) (next int64, n int) {
	next = -1
	for _, rs := range block.RecordsSet {
		switch {
		case rs.RecordBatch != nil:
			if rs.RecordBatch.PartialTrailingRecord {
				continue
			}
			next, n = max(next, rs.RecordBatch.LastOffset()+1), n+1
		case rs.MsgSet != nil:
			for _, mb := range rs.MsgSet.Messages {
				if mb != nil && mb.Msg != nil {
					next, n = max(next, mb.Offset+1), n+1
				}
			}
		}
	}
	return next, n
}

// eachRecord calls fn for each data record of block (control batches
// are skipped), with its offset and timestamp, in offset order.
func eachRecord(block *sarama.FetchResponseBlock, fn func(off int64, rec *sarama.Record, ts time.Time) error) error {
	for _, rs := range block.RecordsSet {
		switch {
		case rs.RecordBatch != nil:
			b := rs.RecordBatch
			if b.Control || b.PartialTrailingRecord {
				continue
			}
			for _, rec := range b.Records {
				ts := b.MaxTimestamp
				if !b.LogAppendTime {
					ts = b.FirstTimestamp.Add(rec.TimestampDelta)
				}
				if err := fn(b.FirstOffset+rec.OffsetDelta, rec, ts); err != nil {
					return err
				}
			}
		case rs.MsgSet != nil:
			if err := eachLegacy(rs.MsgSet, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// eachLegacy is eachRecord for the message sets of Kafka's message
// formats 0 and 1, as sarama's partition consumer reads them.
func eachLegacy(set *sarama.MessageSet, fn func(off int64, rec *sarama.Record, ts time.Time) error) error {
	var rec sarama.Record
	for _, mb := range set.Messages {
		if mb == nil || mb.Msg == nil {
			continue
		}
		inner := mb.Messages()
		for _, m := range inner {
			off, ts := m.Offset, m.Msg.Timestamp
			if m.Msg.Version >= 1 {
				off += mb.Offset - inner[len(inner)-1].Offset
				if m.Msg.LogAppendTime {
					ts = mb.Msg.Timestamp
				}
			}
			rec.Key, rec.Value, rec.Headers = m.Msg.Key, m.Msg.Value, nil
			if err := fn(off, &rec, ts); err != nil {
				return err
			}
		}
	}
	return nil
}

// fetchVersion is the highest fetch request version the configured Kafka
// version supports, as sarama's own consumer picks it.
func fetchVersion(v sarama.KafkaVersion) int16 {
	switch {
	case v.IsAtLeast(sarama.V2_7_0_0):
		return 12
	case v.IsAtLeast(sarama.V2_3_0_0):
		return 11
	case v.IsAtLeast(sarama.V2_1_0_0):
		return 10
	case v.IsAtLeast(sarama.V2_0_0_0):
		return 8
	case v.IsAtLeast(sarama.V1_1_0_0):
		return 7
	case v.IsAtLeast(sarama.V1_0_0_0):
		return 6
	case v.IsAtLeast(sarama.V0_11_0_0):
		return 5
	case v.IsAtLeast(sarama.V0_10_1_0):
		return 3
	case v.IsAtLeast(sarama.V0_10_0_0):
		return 2
	case v.IsAtLeast(sarama.V0_9_0_0):
		return 1
	}
	return 0
}

// bounds returns the oldest offset and the high watermark of a partition,
// asking for both at once.
func bounds(client sarama.Client, topic string, partition int32) (oldest, hwm int64, err error) {
	var herr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		hwm, herr = client.GetOffset(topic, partition, sarama.OffsetNewest)
	}()
	oldest, err = client.GetOffset(topic, partition, sarama.OffsetOldest)
	<-done
	if err != nil {
		return 0, 0, fmt.Errorf("oldest offset of %s/%d: %w", topic, partition, err)
	}
	if herr != nil {
		return 0, 0, fmt.Errorf("newest offset of %s/%d: %w", topic, partition, herr)
	}
	return oldest, hwm, nil
}
