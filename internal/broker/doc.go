// Package broker runs the embedded Kafka-compatible broker (kfake) that
// `tailcast run` uses when no external brokers are given. It listens on a TCP
// address so that any Kafka client (sarama, kcat, other services) can produce
// to it, persists to a data directory, and bounds retention by bytes and age.
// A Broker's methods are safe to call concurrently; Close is idempotent.
package broker
