package consumer

import (
	"context"
	"errors"
	"time"

	"github.com/IBM/sarama"
	"go.uber.org/zap"
)

// watchTopic asks the brokers every TopicCheck whether the topic exists,
// until ctx ends. A running group session does not notice a deleted topic
// for up to sarama's metadata refresh (10 minutes): its fetches fail and are
// retried while the consumer still looks ready. When the topic goes the
// watch marks the consumer not ready, ends the session, and forgets the
// delivered offsets (a topic created again under the same name is a new log
// whose offsets start over); consumeLoop then retries until the topic is
// back, and the next session makes the consumer ready again.
func (c *Consumer) watchTopic(ctx context.Context) {
	t := time.NewTicker(c.cfg.TopicCheck)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		gone, err := c.topicMissing()
		if err != nil {
			continue // an outage; the session reports it
		}
		switch was := c.topicGone.Swap(gone); {
		case gone && !was:
			c.log.Error("topic disappeared; not ready until it is back", zap.String("topic", c.cfg.Topic))
			c.forget.Store(true)
			c.sessMu.Lock()
			if c.sessCancel != nil {
				c.sessCancel()
			}
			c.sessMu.Unlock()
		case !gone && was:
			c.log.Info("topic is back", zap.String("topic", c.cfg.Topic))
		}
	}
}

// topicMissing refreshes the topic's metadata and reports whether the
// brokers say it does not exist; err is any other failure.
func (c *Consumer) topicMissing() (bool, error) {
	err := c.client.RefreshMetadata(c.cfg.Topic)
	if errors.Is(err, sarama.ErrUnknownTopicOrPartition) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	parts, err := c.client.Partitions(c.cfg.Topic)
	if errors.Is(err, sarama.ErrUnknownTopicOrPartition) || (err == nil && len(parts) == 0) {
		return true, nil
	}
	return false, err
}
