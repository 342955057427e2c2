package kafkatest

import (
	"testing"

	"github.com/tailcast/tailcast/internal/broker"
)

// Start runs a single-node broker on an ephemeral 127.0.0.1 port with topic
// created with the given partitions, and returns it. The test plays the
// operator: admin requests over the wire are accepted (AllowAdmin).
func Start(t testing.TB, topic string, partitions int32) *broker.Broker {
	t.Helper()
	return StartConfig(t, broker.Config{Topic: topic, Partitions: partitions, AllowAdmin: true})
}

// StartConfig is Start with full control; Listen defaults to 127.0.0.1:0.
func StartConfig(t testing.TB, cfg broker.Config) *broker.Broker {
	t.Helper()
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	b, err := broker.Start(cfg)
	if err != nil {
		t.Fatalf("start broker: %v", err)
	}
	t.Cleanup(b.Close)
	return b
}
