package collector

import (
	"github.com/IBM/sarama"
	"google.golang.org/protobuf/proto"

	"github.com/tailcast/tailcast/proto/logpb"
)

// fit cuts e so that, with extra appended to its Fields, it marshals to at
// most max bytes, and marks it truncated: a line too large for one Kafka
// record is cut, never dropped. Raw and Message get equal shares of the room
// the other fields leave; when that is none, the parsed Fields go first. It
// reports false when even the rest does not fit.
func fit(e *logpb.LogEntry, extra []logpb.Field, max int) bool {
	if entrySize(e, extra) <= max {
		return true
	}
	raw, msg := e.Raw, e.Message
	e.Raw, e.Message, e.Truncated = nil, "", true
	const framing = 12 // two tags and two length prefixes of at most 5 bytes
	if entrySize(e, extra)+framing > max {
		e.Fields = nil
	}
	room := (max - entrySize(e, extra) - framing) / 2
	if room < 0 {
		return false
	}
	e.Raw = raw[:min(len(raw), room)]
	e.Message = toValidUTF8Prefix(msg, room)
	return true
}

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
	if n >= len(s) {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
