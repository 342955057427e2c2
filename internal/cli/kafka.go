package cli

import (
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/tailcast/tailcast/internal/config"
	"github.com/tailcast/tailcast/internal/kafkaconf"
)

// kafkaSettings are the Kafka client flags of run, collect and serve. The
// topic is not here: each command binds it to its own component.
type kafkaSettings struct {
	kafka       kafkaconf.Config
	partitions  int32
	createTopic bool
}

func (k *kafkaSettings) bind(s *config.Set, brokersUsage string) {
	k.kafka = kafkaconf.Config{}.WithDefaults()
	k.partitions = kafkaconf.DefaultPartitions
	k.createTopic = true
	s.Bind(&k.kafka.Brokers, "brokers", brokersUsage)
	s.Bind(&k.partitions, "partitions", "partitions of the topic when tailcast creates it")
	s.Bind(&k.createTopic, "create-topic", "create the topic when it is missing (false: refuse to start)")
	s.Bind(&k.kafka.ClientID, "client-id", "Kafka client id")
	s.Bind(&k.kafka.Version, "kafka-version", "Kafka protocol version to speak")
	s.Bind(&k.kafka.DialTimeout, "kafka-dial-timeout", "timeout for connecting to a broker")
	s.Bind(&k.kafka.SASL.Mechanism, "sasl-mechanism", "SASL mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (empty: no SASL)")
	s.Bind(&k.kafka.SASL.User, "sasl-user", "SASL user")
	s.Bind(&k.kafka.SASL.Password, "sasl-password", "SASL password (prefer the environment variable)")
	s.Bind(&k.kafka.TLS.Enable, "kafka-tls", "connect to Kafka over TLS")
	s.Bind(&k.kafka.TLS.CAFile, "kafka-ca", "CA certificate file that verifies the brokers")
	s.Bind(&k.kafka.TLS.CertFile, "kafka-cert", "client certificate file for Kafka TLS")
	s.Bind(&k.kafka.TLS.KeyFile, "kafka-key", "client key file for Kafka TLS")
	s.Bind(&k.kafka.TLS.InsecureSkipVerify, "kafka-tls-insecure", "skip verification of the brokers' certificates")
}

// validate checks the Kafka settings; required says the command has no
// embedded broker to fall back on.
func (k *kafkaSettings) validate(cmd string, required bool, topic string) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if required && len(k.kafka.Brokers) == 0 {
		bad("brokers: required for %s (host:port,…)", cmd)
	}
	for _, b := range k.kafka.Brokers {
		if _, _, err := net.SplitHostPort(b); err != nil {
			bad("brokers: %q is not host:port", b)
		}
	}
	if topic == "" {
		bad("topic: must not be empty")
	}
	if k.partitions < 1 {
		bad("partitions %d: must be at least 1", k.partitions)
	}
	switch strings.ToUpper(k.kafka.SASL.Mechanism) {
	case "", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
	default:
		bad("sasl-mechanism %q: want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", k.kafka.SASL.Mechanism)
	}
	if k.kafka.SASL.Mechanism != "" && k.kafka.SASL.User == "" {
		bad("sasl-user: required with sasl-mechanism")
	}
	t := k.kafka.TLS
	if (t.CertFile == "") != (t.KeyFile == "") {
		bad("kafka-cert and kafka-key: give both or neither")
	}
	for _, f := range []struct{ name, path string }{{"kafka-ca", t.CAFile}, {"kafka-cert", t.CertFile}, {"kafka-key", t.KeyFile}} {
		if f.path != "" {
			if _, err := os.Stat(f.path); err != nil {
				bad("%s: %v", f.name, err)
			}
		}
	}
	return errs
}

// ensureTopic fails fast with a clear error when Kafka is unreachable or the
// topic is missing and may not be created.
func (k *kafkaSettings) ensureTopic(topic string) error {
	sc, err := k.kafka.Sarama()
	if err != nil {
		return err
	}
	sc.Metadata.Retry.Max = 2
	_, err = kafkaconf.EnsureTopic(sc, k.kafka.Brokers, topic, k.partitions, k.createTopic)
	return err
}
