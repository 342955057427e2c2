package kafkaconf

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/IBM/sarama"
	"github.com/xdg-go/scram"
)

// Config holds the options every Kafka client of tailcast shares.
type Config struct {
	// Brokers to bootstrap from. Required.
	Brokers []string
	// ClientID sent to the brokers. Default "tailcast".
	ClientID string
	// Version of the Kafka protocol to speak. Default "3.6.0".
	Version string
	// DialTimeout for broker connections. Default 5s.
	DialTimeout time.Duration
	// SASL authentication. Zero value: none.
	SASL SASL
	// TLS for broker connections. Zero value: plaintext.
	TLS TLS
}

// SASL selects a SASL mechanism.
type SASL struct {
	// Mechanism is "", "PLAIN", "SCRAM-SHA-256" or "SCRAM-SHA-512".
	// Default "": no SASL.
	Mechanism string
	User      string
	Password  string
}

// TLS configures TLS to the brokers.
type TLS struct {
	// Enable turns TLS on. Default false. Setting any file turns it on too.
	Enable bool
	// CAFile verifies the brokers. Default "": the system pool.
	CAFile string
	// CertFile and KeyFile are the client certificate. Default "": none.
	CertFile string
	KeyFile  string
	// InsecureSkipVerify skips broker verification. Default false.
	InsecureSkipVerify bool
}

// Defaults every tailcast Kafka component shares: the topic the collector
// produces to, the consumer reads and the embedded broker creates, and the
// partition count of a topic tailcast creates (EnsureTopic, the embedded
// broker).
const (
	DefaultTopic      = "logs"
	DefaultPartitions = 3
)

// WithDefaults returns c with every zero field set to its default, so that
// a caller (tailcast's --help) shows the defaults without a second copy.
func (c Config) WithDefaults() Config {
	if c.ClientID == "" {
		c.ClientID = "tailcast"
	}
	if c.Version == "" {
		c.Version = "3.6.0"
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = 5 * time.Second
	}
	return c
}

// Sarama builds a sarama config from c. Producer and consumer specifics are
// left to the caller.
func (c Config) Sarama() (*sarama.Config, error) {
	if len(c.Brokers) == 0 {
		return nil, ErrNoBrokers
	}
	c = c.WithDefaults()
	sc := sarama.NewConfig()
	sc.ClientID = c.ClientID
	v, err := sarama.ParseKafkaVersion(c.Version)
	if err != nil {
		return nil, fmt.Errorf("kafka version %q: %w", c.Version, err)
	}
	sc.Version = v
	sc.Net.DialTimeout = c.DialTimeout
	sc.Metadata.Retry.Max = 5
	sc.Metadata.Retry.Backoff = 200 * time.Millisecond

	switch strings.ToUpper(c.SASL.Mechanism) {
	case "":
	case sarama.SASLTypePlaintext:
		sc.Net.SASL.Enable = true
		sc.Net.SASL.Mechanism = sarama.SASLTypePlaintext
	case sarama.SASLTypeSCRAMSHA256:
		sc.Net.SASL.Enable = true
		sc.Net.SASL.Mechanism = sarama.SASLTypeSCRAMSHA256
		sc.Net.SASL.SCRAMClientGeneratorFunc = func() sarama.SCRAMClient { return &scramClient{hash: scram.SHA256} }
	case sarama.SASLTypeSCRAMSHA512:
		sc.Net.SASL.Enable = true
		sc.Net.SASL.Mechanism = sarama.SASLTypeSCRAMSHA512
		sc.Net.SASL.SCRAMClientGeneratorFunc = func() sarama.SCRAMClient { return &scramClient{hash: scram.SHA512} }
	default:
		return nil, fmt.Errorf("sasl mechanism %q: want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", c.SASL.Mechanism)
	}
	if sc.Net.SASL.Enable {
		if c.SASL.User == "" {
			return nil, errors.New("sasl: user is required")
		}
		sc.Net.SASL.User = c.SASL.User
		sc.Net.SASL.Password = c.SASL.Password
		sc.Net.SASL.Handshake = true
	}

	if c.TLS.Enable || c.TLS.CAFile != "" || c.TLS.CertFile != "" || c.TLS.KeyFile != "" {
		tc, err := c.TLS.config()
		if err != nil {
			return nil, err
		}
		sc.Net.TLS.Enable = true
		sc.Net.TLS.Config = tc
	}
	return sc, nil
}

func (t TLS) config() (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: t.InsecureSkipVerify} //nolint:gosec // operator's explicit choice
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read kafka ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("kafka ca %s: no certificates found", t.CAFile)
		}
		tc.RootCAs = pool
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		return nil, errors.New("kafka tls: cert and key must be given together")
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("load kafka client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// scramClient adapts xdg-go/scram to sarama.SCRAMClient.
type scramClient struct {
	hash scram.HashGeneratorFcn
	conv *scram.ClientConversation
}

func (s *scramClient) Begin(user, password, authzID string) error {
	c, err := s.hash.NewClient(user, password, authzID)
	if err != nil {
		return fmt.Errorf("scram: %w", err)
	}
	s.conv = c.NewConversation()
	return nil
}

func (s *scramClient) Step(challenge string) (string, error) { return s.conv.Step(challenge) }
func (s *scramClient) Done() bool                            { return s.conv.Done() }

// EnsureTopic checks that topic exists, creating it with partitions when
// create is true, and returns its partition count.
func EnsureTopic(sc *sarama.Config, brokers []string, topic string, partitions int32, create bool) (int32, error) {
	admin, err := sarama.NewClusterAdmin(brokers, sc)
	if err != nil {
		return 0, fmt.Errorf("connect to kafka %s: %w", strings.Join(brokers, ","), err)
	}
	defer admin.Close()
	meta, err := admin.DescribeTopics([]string{topic})
	if err != nil {
		return 0, fmt.Errorf("describe topic %q: %w", topic, err)
	}
	if len(meta) == 1 && meta[0].Err == sarama.ErrNoError {
		return int32(len(meta[0].Partitions)), nil
	}
	if !create {
		return 0, fmt.Errorf("%w: %q (create it, or allow creation)", ErrTopicMissing, topic)
	}
	if partitions <= 0 {
		partitions = DefaultPartitions
	}
	err = admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: partitions, ReplicationFactor: -1}, false)
	if err != nil && !errors.Is(err, sarama.ErrTopicAlreadyExists) {
		return 0, fmt.Errorf("create topic %q: %w", topic, err)
	}
	return partitions, nil
}
