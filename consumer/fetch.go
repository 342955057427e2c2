package consumer

import (
	"context"
	"errors"
	"fmt"

	"github.com/IBM/sarama"

	"github.com/tailcast/tailcast/proto/logpb"
)

// Fetch reads offsets [from, to) of partition with a plain partition consumer
// (not the group, whose positions it leaves alone) and calls fn for each
// record in offset order. It returns logStart, the oldest offset Kafka still
// holds: when from < logStart the read starts at logStart, and the caller
// counts the gap. to is capped at the high watermark, so Fetch never waits for
// records that do not exist yet. An error from fn stops the read and is
// returned. Fetch is bounded by Config.FetchTimeout and by ctx. Undecodable
// records are passed to fn as raw text and counted, like in the group.
func (c *Consumer) Fetch(ctx context.Context, partition int32, from, to int64, fn func(offset int64, e *logpb.LogEntry) error) (logStart int64, err error) {
	c.mu.Lock()
	switch c.state {
	case stateNew:
		c.mu.Unlock()
		return 0, ErrNotStarted
	case stateClosed:
		c.mu.Unlock()
		return 0, ErrClosed
	}
	client, life := c.client, c.ctx
	c.fetchWG.Add(1)
	c.mu.Unlock()
	defer c.fetchWG.Done()
	if testHookFetching != nil {
		testHookFetching()
	}

	topic := c.cfg.Topic
	ctx, cancel := context.WithTimeoutCause(ctx, c.cfg.FetchTimeout, fmt.Errorf("fetch took longer than %v: %w", c.cfg.FetchTimeout, context.DeadlineExceeded))
	defer cancel()
	ctx, closed := context.WithCancelCause(ctx)
	defer closed(nil)
	stop := context.AfterFunc(life, func() { closed(ErrClosed) }) // Close ends a Fetch in flight
	defer stop()

	logStart, hwm, err := bounds(client, topic, partition)
	if err != nil {
		return 0, err
	}
	from = max(from, logStart)
	to = min(to, hwm)
	if from >= to {
		return logStart, nil
	}

	cons, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		return logStart, fmt.Errorf("fetch %s/%d: %w", topic, partition, err)
	}
	defer cons.Close()
	pc, err := cons.ConsumePartition(topic, partition, from)
	if errors.Is(err, sarama.ErrOffsetOutOfRange) {
		// Retention moved the log start since we asked.
		if logStart, _, err = bounds(client, topic, partition); err != nil {
			return 0, err
		}
		if from = max(from, logStart); from >= to {
			return logStart, nil
		}
		pc, err = cons.ConsumePartition(topic, partition, from)
	}
	if err != nil {
		return logStart, fmt.Errorf("fetch %s/%d from %d: %w", topic, partition, from, err)
	}
	defer func() { _ = pc.Close() }() // waits for the child's goroutines

	perrs := pc.Errors()
	for {
		select {
		case <-ctx.Done():
			return logStart, fmt.Errorf("fetch %s/%d [%d,%d): %w", topic, partition, from, to, context.Cause(ctx))
		case cerr, ok := <-perrs:
			if !ok {
				perrs = nil // Messages closes too; report it there
				continue
			}
			return logStart, fmt.Errorf("fetch %s/%d [%d,%d): %w", topic, partition, from, to, cerr)
		case msg, ok := <-pc.Messages():
			if !ok {
				return logStart, fmt.Errorf("fetch %s/%d [%d,%d): partition consumer closed", topic, partition, from, to)
			}
			if msg.Offset >= to {
				return logStart, nil
			}
			e, derr := Decode(msg)
			if derr != nil {
				c.decodeError(derr)
			}
			c.m.fetched.Inc()
			if err := fn(msg.Offset, e); err != nil {
				return logStart, err
			}
			if ctx.Err() != nil { // select picks at random among ready cases
				return logStart, fmt.Errorf("fetch %s/%d [%d,%d): %w", topic, partition, from, to, context.Cause(ctx))
			}
			if msg.Offset+1 >= to {
				return logStart, nil
			}
		}
	}
}

// testHookFetching, when set by a test, runs once a Fetch is in flight.
var testHookFetching func()

// bounds returns the oldest offset and the high watermark of a partition.
func bounds(client sarama.Client, topic string, partition int32) (oldest, hwm int64, err error) {
	oldest, err = client.GetOffset(topic, partition, sarama.OffsetOldest)
	if err != nil {
		return 0, 0, fmt.Errorf("oldest offset of %s/%d: %w", topic, partition, err)
	}
	hwm, err = client.GetOffset(topic, partition, sarama.OffsetNewest)
	if err != nil {
		return 0, 0, fmt.Errorf("newest offset of %s/%d: %w", topic, partition, err)
	}
	return oldest, hwm, nil
}
