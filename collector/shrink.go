package collector

import (
	"unicode/utf8"

	"github.com/IBM/sarama"
	"google.golang.org/protobuf/proto"

	"github.com/tailcast/tailcast/proto/logpb"
)

// fit makes e, with extra appended to its Fields, marshal to at most max
// bytes: a line too large for one Kafka record is cut and marked truncated,
// never dropped. When the line is valid UTF-8, Raw only repeats what Message
// and Fields carry, so it is left out first, and the line is cut only if the
// entry still does not fit: with Kafka's default limit a line of up to about
// 1 MiB travels whole. Otherwise Raw and Message get equal shares of the
// room the other fields leave. The parsed Fields go when they leave no room
// at all. It reports false when even the rest does not fit.
func fit(e *logpb.LogEntry, extra []logpb.Field, max int) bool {
	if entrySize(e, extra) <= max {
		return true
	}
	raw, msg := e.Raw, e.Message
	e.Raw = nil
	keepRaw := !utf8.Valid(raw)
	if !keepRaw && entrySize(e, extra) <= max {
		return true
	}
	e.Message, e.Truncated = "", true
	const framing = 12 // two tags and two length prefixes of at most 5 bytes
	if entrySize(e, extra)+framing > max {
		e.Fields = nil
	}
	room := max - entrySize(e, extra) - framing
	if room < 0 {
		return false
	}
	if keepRaw {
		room /= 2
		e.Raw = raw[:min(len(raw), room)]
	}
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
	if err := proto.Unmarshal(b, &e); err != nil {
		return false
	}
	n := max(len(e.Raw), len(e.Message)) / 2
	if n == 0 {
		return false
	}
	e.Raw = e.Raw[:min(len(e.Raw), n)]
	e.Message = toValidUTF8Prefix(e.Message, n)
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
