package consumer

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/IBM/sarama"
	"go.uber.org/zap"
)

// handler is the sarama.ConsumerGroupHandler of a Consumer.
type handler struct{ c *Consumer }

// Setup runs before the claims start. Partitions the group has no usable
// committed offset for are moved to the warmup start, so the claims open
// there.
func (h *handler) Setup(sess sarama.ConsumerGroupSession) error {
	c := h.c
	parts := sess.Claims()[c.cfg.Topic]
	c.claimMu.Lock()
	c.expected, c.running = len(parts), 0
	if c.forget.Swap(false) {
		clear(c.delivered)
	}
	c.claimMu.Unlock()
	c.ready.Store(false)
	c.sessErr.Store(nil)
	c.m.sessions.Inc()
	c.m.assigned.Set(float64(len(parts)))

	committed, err := c.committed(sess.Context(), parts)
	if err != nil {
		return err
	}
	for _, p := range parts {
		oldest, newest, err := bounds(c.client, c.cfg.Topic, p)
		if err != nil {
			return err
		}
		off, ok := committed[p]
		if !ok {
			off = -1 // what sarama's offset manager holds then
		}
		c.claimMu.Lock()
		done, seen := c.delivered[p]
		c.claimMu.Unlock()
		if !seen {
			done = -1
		}
		start, reason := startOffset(off, done, oldest, newest, c.cfg.Warmup)
		if reason == "" {
			continue
		}
		c.log.Info("consumer start offset", zap.Int32("partition", p), zap.String("reason", reason),
			zap.Int64("committed", off), zap.Int64("oldest", oldest), zap.Int64("newest", newest), zap.Int64("start", start))
		// MarkOffset only moves forward and ResetOffset only back; the
		// partition offset manager holds -1 when nothing was committed.
		if start > off {
			sess.MarkOffset(c.cfg.Topic, p, start, "")
		} else {
			sess.ResetOffset(c.cfg.Topic, p, start, "")
		}
	}
	return nil
}

// startOffset decides where a partition starts from the committed offset and
// the next offset this process already delivered to the sink (both -1 when
// unknown), bounded by the oldest and newest offsets Kafka holds. reason is
// empty when the committed offset stands.
func startOffset(committed, delivered, oldest, newest, warmup int64) (start int64, reason string) {
	warm := newest
	if warmup > 0 {
		warm = max(oldest, newest-warmup)
	}
	switch {
	case delivered > committed && delivered >= oldest && delivered <= newest:
		// After a rebalance or an outage, commits lag what the sink has:
		// continue where it is rather than hand it records twice.
		return delivered, "continue after records already delivered"
	case committed < 0:
		return warm, "no committed offset: warmup"
	case committed > newest:
		return warm, "committed offset beyond the log end: warmup"
	case committed < oldest:
		return oldest, "committed offset deleted by retention: oldest"
	case committed > warm && delivered < 0:
		// A restarted server should serve backfill at once: re-read the
		// warmup window into the history even though it was committed.
		return warm, "rewind to warm the history"
	}
	return committed, ""
}

// committed fetches the group's committed offsets of parts; a partition
// without one is absent from the result.
func (c *Consumer) committed(ctx context.Context, parts []int32) (map[int32]int64, error) {
	req := sarama.NewOffsetFetchRequest(c.sc.Version, c.cfg.Group, map[string][]int32{c.cfg.Topic: parts})
	var lastErr error
	for attempt := 0; attempt <= 3; attempt++ {
		if attempt > 0 {
			t := time.NewTimer(time.Duration(attempt) * 100 * time.Millisecond)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, ctx.Err()
			case <-t.C:
			}
			_ = c.client.RefreshCoordinator(c.cfg.Group)
		}
		coord, err := c.client.Coordinator(c.cfg.Group)
		if err != nil {
			lastErr = err
			continue
		}
		resp, err := coord.FetchOffset(req)
		if err != nil {
			lastErr = err
			continue
		}
		if gerr := resp.GroupError(); gerr != sarama.ErrNoError {
			lastErr = gerr
			continue
		}
		out := make(map[int32]int64, len(parts))
		for _, p := range parts {
			b := resp.GetBlock(c.cfg.Topic, p)
			if b == nil {
				continue
			}
			if b.Err != sarama.ErrNoError {
				lastErr = b.Err
				out = nil
				break
			}
			if b.Offset >= 0 {
				out[p] = b.Offset
			}
		}
		if out != nil {
			return out, nil
		}
	}
	return nil, fmt.Errorf("committed offsets of group %q: %w", c.cfg.Group, lastErr)
}

// Cleanup runs after every claim has returned.
func (h *handler) Cleanup(sess sarama.ConsumerGroupSession) error {
	c := h.c
	c.ready.Store(false)
	c.m.assigned.Set(0)
	for _, p := range sess.Claims()[c.cfg.Topic] {
		c.m.lag.DeleteLabelValues(strconv.Itoa(int(p)))
	}
	return nil
}

// ConsumeClaim feeds one partition to the sink until the session ends.
func (h *handler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	c := h.c
	p := claim.Partition()
	sink := c.cfg.Sink
	lag := c.m.lag.WithLabelValues(strconv.Itoa(int(p)))

	next := claim.InitialOffset()
	setLag := func() { lag.Set(float64(max(0, claim.HighWaterMarkOffset()-next))) }
	// A sentinel means sarama reset an out-of-range offset after Setup
	// (retention raced us); the first record tells where it landed.
	begun := next >= 0
	if begun {
		sink.Begin(p, next)
		setLag()
	}
	c.claimStarted()
	defer func() {
		if begun {
			c.claimMu.Lock()
			c.delivered[p] = next
			c.claimMu.Unlock()
		}
	}()

	publish := func(msg *sarama.ConsumerMessage) {
		if !begun {
			sink.Begin(p, msg.Offset)
			begun = true
		}
		e, err := Decode(msg)
		if err != nil {
			c.decodeError(err)
		}
		c.m.records.Inc()
		sink.Publish(p, msg.Offset, e)
		sess.MarkMessage(msg, "")
		next = msg.Offset + 1
	}
	tick := time.NewTicker(lagInterval)
	defer tick.Stop()
	done := sess.Context().Done()
	msgs := claim.Messages()
	for {
		select {
		case msg, ok := <-msgs:
			if !ok {
				return nil
			}
			publish(msg)
			// Take what sarama has buffered without the three-way select,
			// which cost about a tenth of a record's time. The session's
			// end waits for at most drainMax records.
		drain:
			for range drainMax {
				select {
				case msg, ok := <-msgs:
					if !ok {
						setLag()
						return nil
					}
					publish(msg)
				default:
					break drain
				}
			}
			setLag()
		case <-tick.C:
			if begun {
				setLag()
			}
		case <-done:
			return nil
		}
	}
}

// drainMax bounds the records ConsumeClaim takes in a row before it looks
// at the session's end and the lag ticker again.
const drainMax = 256

func (c *Consumer) claimStarted() {
	c.claimMu.Lock()
	defer c.claimMu.Unlock()
	c.running++
	if c.expected > 0 && c.running == c.expected {
		c.ready.Store(true)
	}
}

// decodeError counts an undecodable record and logs at most one per second,
// so a flood of poison records cannot flood the log too.
func (c *Consumer) decodeError(err error) {
	c.m.decodeErrors.Inc()
	now := time.Now().UnixNano()
	last := c.lastDecodeLog.Load()
	if now-last < int64(time.Second) || !c.lastDecodeLog.CompareAndSwap(last, now) {
		return
	}
	c.log.Warn("undecodable kafka record delivered as raw text", zap.Error(err))
}
