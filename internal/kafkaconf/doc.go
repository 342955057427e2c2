// Package kafkaconf turns tailcast's Kafka options (brokers, SASL, TLS) into
// sarama configuration, and checks or creates the topic. Functions are safe to
// call concurrently; the returned sarama.Config belongs to the caller.
package kafkaconf
