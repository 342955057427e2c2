package consumer

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/IBM/sarama"
	"google.golang.org/protobuf/proto"

	"github.com/tailcast/tailcast/internal/parse"
	"github.com/tailcast/tailcast/proto/logpb"
)

// MaxValueBytes bounds the text kept from one foreign record. Longer values
// are cut, marked Truncated and reported as ErrTooLarge, so one oversized
// record cannot blow up every viewer's history.
const MaxValueBytes = 1 << 20

// ContentTypeProtobuf is the content-type header value of records the
// collector produces.
const ContentTypeProtobuf = "application/x-protobuf"

// maxKeyService bounds a record key used as a service name: longer keys are
// identifiers of something else, not a service.
const maxKeyService = 128

// Decode turns a Kafka record into a LogEntry. It never returns a nil entry:
// when err is non-nil the entry holds the record as raw text (Message valid
// UTF-8) and err says why, for the caller to count.
//
// Protobuf records (header content-type: application/x-protobuf) are
// unmarshalled. Any other record is a foreign line, parsed with parse.Into;
// Service comes from the line, else a "service" header, else a printable
// record key, else "kafka"; Host from a "host" header; Source is
// "kafka:" + topic.
func Decode(msg *sarama.ConsumerMessage) (*logpb.LogEntry, error) {
	recTime := recordTime(msg)
	if len(msg.Value) == 0 {
		e := rawEntry(msg, recTime)
		return e, fmt.Errorf("decode %s: %w", where(msg), ErrEmptyRecord)
	}
	if isProtobuf(msg) {
		e := &logpb.LogEntry{}
		if err := proto.Unmarshal(msg.Value, e); err != nil {
			return rawEntry(msg, recTime), fmt.Errorf("decode %s: %w: %v", where(msg), ErrBadProtobuf, err)
		}
		if e.ReadTimeUnixNano == 0 {
			e.ReadTimeUnixNano = recTime
		}
		return e, nil
	}
	if err := checkText(msg.Value); err != nil {
		return rawEntry(msg, recTime), fmt.Errorf("decode %s: %w", where(msg), err)
	}

	e := &logpb.LogEntry{
		ReadTimeUnixNano: recTime,
		Host:             text(header(msg, "host")),
		Source:           "kafka:" + text(msg.Topic),
		Raw:              msg.Value,
	}
	parse.Into(e, trimEOL(msg.Value))
	if !utf8.ValidString(e.Message) { // parse promises this; viewers depend on it
		e.Message = strings.ToValidUTF8(e.Message, "\uFFFD")
	}
	if e.TimeUnixNano == 0 {
		e.TimeUnixNano = recTime
	}
	if e.Service == "" {
		e.Service = serviceOf(msg, e.Fields)
	}
	return e, nil
}

// checkText reports why a foreign value cannot be parsed as a log line.
func checkText(v []byte) error {
	if len(v) > MaxValueBytes {
		return fmt.Errorf("%w: %d bytes, kept %d", ErrTooLarge, len(v), len(cutUTF8(v, MaxValueBytes)))
	}
	if !utf8.Valid(v) || bytes.IndexByte(v, 0) >= 0 {
		return ErrBinary
	}
	return nil
}

// rawEntry is the record as unparsed text, with the source fields a foreign
// record gets, cut to MaxValueBytes.
func rawEntry(msg *sarama.ConsumerMessage, recTime int64) *logpb.LogEntry {
	v := msg.Value
	e := &logpb.LogEntry{
		TimeUnixNano:     recTime,
		ReadTimeUnixNano: recTime,
		Service:          serviceOf(msg, nil),
		Host:             text(header(msg, "host")),
		Source:           "kafka:" + text(msg.Topic),
	}
	if len(v) > MaxValueBytes {
		v = cutUTF8(v, MaxValueBytes)
		e.Truncated = true
	}
	e.Raw = v
	e.Message = strings.ToValidUTF8(string(v), "\uFFFD")
	return e
}

// serviceOf picks the service of a foreign record whose line named none.
func serviceOf(msg *sarama.ConsumerMessage, fields []*logpb.Field) string {
	for _, f := range fields {
		if f.Key == "service" && !f.Json && f.Value != "" {
			return f.Value
		}
	}
	if s := header(msg, "service"); s != "" {
		return text(s)
	}
	if printable(msg.Key) {
		return string(msg.Key)
	}
	return "kafka"
}

func isProtobuf(msg *sarama.ConsumerMessage) bool {
	ct := header(msg, "content-type")
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.EqualFold(strings.TrimSpace(ct), ContentTypeProtobuf)
}

// header returns the value of the first header named key, ignoring case.
func header(msg *sarama.ConsumerMessage, key string) string {
	for _, h := range msg.Headers {
		if h != nil && strings.EqualFold(string(h.Key), key) {
			return string(h.Value)
		}
	}
	return ""
}

// recordTime is the record's timestamp in Unix nanoseconds, or now when the
// record carries none (old message formats, producers that send -1).
func recordTime(msg *sarama.ConsumerMessage) int64 {
	if msg.Timestamp.IsZero() || msg.Timestamp.Unix() <= 0 {
		return time.Now().UnixNano()
	}
	return msg.Timestamp.UnixNano()
}

func printable(b []byte) bool {
	if len(b) == 0 || len(b) > maxKeyService || !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// text makes s safe for a protobuf string field.
func text(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// cutUTF8 returns at most n bytes of b without splitting a UTF-8 sequence.
func cutUTF8(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	cut := n
	for i := 0; i < utf8.UTFMax && cut > 0; i++ {
		if utf8.RuneStart(b[cut]) {
			break
		}
		cut--
	}
	if cut == 0 || !utf8.RuneStart(b[cut]) {
		cut = n // not UTF-8 anyway: cut where asked
	}
	return b[:cut]
}

func where(msg *sarama.ConsumerMessage) string {
	return fmt.Sprintf("%s/%d@%d", msg.Topic, msg.Partition, msg.Offset)
}
