// Package kafkatest starts real in-process Kafka brokers (kfake) on loopback
// for tests. Every helper registers cleanup with t, so callers never close
// anything themselves. The helpers are safe to call from parallel tests.
package kafkatest
