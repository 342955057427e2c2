package collector

import (
	"github.com/IBM/sarama"
)

// shrink halves a record Kafka refused as too large and marks it cut, so it
// is cut rather than dropped. It reports whether it could. Rare: send
// already cuts every line to the limit read at start, so this runs only
// when the topic's limit was lowered since.
func shrink(msg *sarama.ProducerMessage) bool {
	b, err := msg.Value.Encode()
	if err != nil {
		return false
	}
	n := len(b) / 2
	if n == 0 {
		return false
	}
	msg.Value = sarama.ByteEncoder(cutRunes(b, n))
	for _, h := range msg.Headers {
		if string(h.Key) == string(hCut.Key) {
			return true
		}
	}
	msg.Headers = append(msg.Headers[:len(msg.Headers):len(msg.Headers)], hCut)
	return true
}
