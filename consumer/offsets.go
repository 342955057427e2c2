package consumer

import (
	"context"
	"fmt"
	"time"
)

// OffsetForTime finds where t begins in partition with Kafka's
// offsets-for-times: off is the first offset whose record timestamp (for
// tailcast's collector, when the line was read) is at or after t, or the
// high watermark when there is none; never below logStart, the oldest
// offset Kafka still holds. Like the bounds Fetch asks for, the requests
// are bounded by the Kafka client's network timeouts, not by ctx, which is
// only checked first.
func (c *Consumer) OffsetForTime(ctx context.Context, partition int32, t time.Time) (off, logStart int64, err error) {
	c.mu.Lock()
	switch c.state {
	case stateNew:
		c.mu.Unlock()
		return 0, 0, ErrNotStarted
	case stateClosed:
		c.mu.Unlock()
		return 0, 0, ErrClosed
	}
	client := c.client
	c.fetchWG.Add(1)
	c.mu.Unlock()
	defer c.fetchWG.Done()
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	topic := c.cfg.Topic
	// The three requests at once: each may wait on the connection behind
	// a live fetch, and a range query waits for all of them.
	var hwm int64
	var berr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		logStart, hwm, berr = bounds(client, topic, partition)
	}()
	off, err = client.GetOffset(topic, partition, t.UnixMilli())
	<-done
	if berr != nil {
		return 0, 0, berr
	}
	if err != nil {
		return 0, 0, fmt.Errorf("offset for time %s of %s/%d: %w", t.UTC().Format(time.RFC3339Nano), topic, partition, err)
	}
	if off < 0 || off > hwm {
		off = hwm // no record at or after t
	}
	return max(off, logStart), logStart, nil
}
