// Package broker runs the embedded Kafka-compatible broker (kfake) that
// `tailcast run` uses when no external brokers are given. It listens on a TCP
// address so that any Kafka client (sarama, kcat, other services) can produce
// to it, persists to a data directory, and bounds retention by bytes and age.
//
// The port is a door: by default anyone who reaches it may produce and
// consume. Config.SASL requires one account (tailcast's own, see
// Broker.Kafka) and Config.TLS encrypts. Admin requests (create, delete or
// alter topics, partitions, records, configs, ACLs, group offsets) are
// refused to every client unless Config.AllowAdmin is set: tailcast creates
// its topic through the cluster API at start, and puts it back at the next
// maintenance tick if it disappears anyway.
//
// A Broker's methods are safe to call concurrently; Close is idempotent.
package broker
