package collector

import (
	"github.com/IBM/sarama"
	"google.golang.org/protobuf/proto"

	"github.com/tailcast/tailcast/proto/logpb"
)

// shrink halves an entry Kafka refused as too large, marking it truncated,
// so it is cut rather than dropped. It reports whether it could.
func shrink(msg *sarama.ProducerMessage) bool {
	b, err := msg.Value.Encode()
	if err != nil {
		return false
	}
	var e logpb.LogEntry
	if err := proto.Unmarshal(b, &e); err != nil || len(e.Raw) < 2 {
		return false
	}
	e.Raw = e.Raw[:len(e.Raw)/2]
	if len(e.Message) > len(e.Raw) {
		e.Message = toValidUTF8Prefix(e.Message, len(e.Raw))
	}
	e.Truncated = true
	v, err := proto.Marshal(&e)
	if err != nil {
		return false
	}
	msg.Value = sarama.ByteEncoder(v)
	return true
}

// toValidUTF8Prefix cuts s to at most n bytes without splitting a rune.
func toValidUTF8Prefix(s string, n int) string {
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
