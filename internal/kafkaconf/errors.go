package kafkaconf

import "errors"

var (
	// ErrNoBrokers is returned by Config.Sarama, and by the components that
	// validate a Config, when Brokers is empty.
	ErrNoBrokers = errors.New("no kafka brokers given")
	// ErrTopicMissing is returned by EnsureTopic when the topic does not
	// exist and creating it was not allowed.
	ErrTopicMissing = errors.New("topic does not exist")
)
