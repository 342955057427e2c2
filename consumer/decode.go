package consumer

import (
	"bytes"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/IBM/sarama"
	"google.golang.org/protobuf/proto"

	"github.com/tailcast/tailcast/internal/parse"
	"github.com/tailcast/tailcast/proto/logpb"
)

// MaxValueBytes bounds the text kept from one record. Longer values are
// cut, marked Truncated and reported as ErrTooLarge, so one oversized
// record cannot blow up every viewer's history.
const MaxValueBytes = 1 << 20

// ContentTypeProtobuf is the content-type header value of records written
// by collectors before the value became the line.
const ContentTypeProtobuf = logpb.ContentTypeProtobuf

// maxKeyService bounds a record key used as a service name: longer keys are
// identifiers of something else, not a service.
const maxKeyService = 128

// Decode turns a Kafka record into a LogEntry. It never returns a nil entry:
// when err is non-nil the entry holds the record as raw text (Message valid
// UTF-8) and err says why, for the caller to count.
//
// A record's value is a log line (or a multiline entry), whoever produced
// it: tailcast's collector or another service writing to the topic
// directly. Every one is parsed the same way, with parse.Into, into time,
// level, message and fields; Raw is the value without a trailing line
// terminator, byte for byte. The headers the collector writes add what the
// line does not say: logpb.HeaderMeta ("tc": service, empty for the path's
// default, host, path and labels, NUL-separated) and "cut" (Truncated). The headers of earlier collectors
// are read too: "service", "host", "path" and "label.K". Labels are
// appended to Fields; Source is the path, else "kafka:" + topic. Service
// comes from a header, else from the line, else from a printable record
// key, else it is "kafka". TimeUnixNano is the line's own time, else the
// record timestamp, which is also ReadTimeUnixNano.
//
// Records of the earlier format (header content-type:
// application/x-protobuf, a serialized LogEntry) are unmarshalled as they
// are; when they carried no Raw, Raw is set to Message, the best text they
// kept.
//
// Strings of the entry may alias msg.Value and msg.Headers, which the
// caller must not modify afterwards.
func Decode(msg *sarama.ConsumerMessage) (*logpb.LogEntry, error) {
	recTime := recordTime(msg)
	if len(msg.Value) == 0 {
		e := rawEntry(msg, recTime)
		return e, fmt.Errorf("decode %s: %w", where(msg), ErrEmptyRecord)
	}
	var h headers
	h.read(msg.Headers)
	if h.protobuf {
		return decodeProtobuf(msg, recTime)
	}
	v := trimEOL(msg.Value)
	if isBinary(v) {
		return rawEntry(msg, recTime), fmt.Errorf("decode %s: %w", where(msg), ErrBinary)
	}
	var err error
	trunc := h.cut
	if len(v) > MaxValueBytes {
		kept := cutUTF8(v, MaxValueBytes)
		err = fmt.Errorf("decode %s: %w: %d bytes, kept %d", where(msg), ErrTooLarge, len(v), len(kept))
		v, trunc = kept, true
	}
	e := &logpb.LogEntry{
		ReadTimeUnixNano: recTime,
		Service:          text(h.service),
		Host:             text(h.host),
		Raw:              v,
		Truncated:        trunc,
	}
	if h.path != nil {
		e.Source = text(h.path)
		if h.metaDefault {
			e.Service = logpb.DefaultService(e.Source)
		}
	} else {
		e.Source = topicSource(msg.Topic)
	}
	// The value is the record's own and nobody writes to it: the parsed
	// strings may alias it, which saves copying every line.
	parse.IntoNoCopy(e, v)
	if e.TimeUnixNano == 0 {
		e.TimeUnixNano = recTime
	}
	if e.Service == "" {
		e.Service = keyService(msg)
	}
	if h.labels > 0 || h.metaLabels != nil {
		addLabels(e, msg.Headers, &h)
	}
	return e, err
}

// headers is what Decode reads from a record's headers, in one pass.
type headers struct {
	service, host, path []byte // nil: absent
	cut, protobuf       bool
	labels              int    // "label.K" headers
	metaLabels          []byte // the label pairs of a HeaderMeta; nil: none
	metaPairs           int
	metaDefault         bool // the HeaderMeta left the service out: the path's default
}

func (h *headers) read(hs []*sarama.RecordHeader) {
	for _, x := range hs {
		if x == nil {
			continue
		}
		switch k := x.Key; {
		case string(k) == logpb.HeaderMeta:
			h.meta(x.Value)
		case string(k) == logpb.HeaderService:
			h.service = nonNil(x.Value)
		case string(k) == logpb.HeaderHost:
			h.host = nonNil(x.Value)
		case string(k) == logpb.HeaderPath:
			h.path = nonNil(x.Value)
		case string(k) == logpb.HeaderCut:
			h.cut = true
		case bytes.HasPrefix(k, []byte(logpb.HeaderLabelPrefix)):
			h.labels++
		case len(k) == len(logpb.HeaderContentType) && strings.EqualFold(string(k), logpb.HeaderContentType):
			h.protobuf = isProtobuf(x.Value)
		case h.service == nil && strings.EqualFold(string(k), logpb.HeaderService):
			h.service = nonNil(x.Value) // other producers' spelling
		case h.host == nil && strings.EqualFold(string(k), logpb.HeaderHost):
			h.host = nonNil(x.Value)
		}
	}
}

// meta reads a HeaderMeta value: service, host, path, then label keys and
// values, separated by NUL bytes; an empty service is the path's
// logpb.DefaultService. A value of another shape (a foreign producer's
// header of the same name) is ignored.
func (h *headers) meta(v []byte) {
	i := bytes.IndexByte(v, logpb.MetaSep)
	if i < 0 {
		return
	}
	j := bytes.IndexByte(v[i+1:], logpb.MetaSep)
	if j < 0 {
		return
	}
	j += i + 1
	path, labels := v[j+1:], []byte(nil)
	pairs := 0
	if k := bytes.IndexByte(path, logpb.MetaSep); k >= 0 {
		path, labels = path[:k], path[k+1:]
		n := bytes.Count(labels, []byte{logpb.MetaSep}) + 1
		if n%2 != 0 {
			return
		}
		pairs = n / 2
	}
	h.service, h.host, h.path = v[:i:i], v[i+1:j:j], path
	h.metaLabels, h.metaPairs, h.metaDefault = labels, pairs, i == 0
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// eachLabel calls fn with each label's key and value: those of the meta
// header, then those of "label.K" headers (hs, which h was read from).
func (h *headers) eachLabel(hs []*sarama.RecordHeader, fn func(k, v []byte)) {
	rest := h.metaLabels
	for range h.metaPairs {
		k, after, _ := bytes.Cut(rest, []byte{logpb.MetaSep})
		v, after, _ := bytes.Cut(after, []byte{logpb.MetaSep})
		fn(k, v)
		rest = after
	}
	if h.labels == 0 {
		return
	}
	for _, x := range hs {
		if x != nil && bytes.HasPrefix(x.Key, []byte(logpb.HeaderLabelPrefix)) {
			fn(x.Key[len(logpb.HeaderLabelPrefix):], x.Value)
		}
	}
}

// addLabels appends the labels (of the meta header, then "label.K"
// headers) to e.Fields, after the line's own.
func addLabels(e *logpb.LogEntry, hs []*sarama.RecordHeader, h *headers) {
	slab := make([]logpb.Field, 0, h.metaPairs+h.labels)
	h.eachLabel(hs, func(k, v []byte) {
		slab = append(slab, logpb.Field{Key: text(k), Value: text(v)})
	})
	fs := e.Fields
	if cap(fs)-len(fs) < len(slab) {
		fs = append(make([]*logpb.Field, 0, len(fs)+len(slab)), fs...)
	}
	for i := range slab {
		fs = append(fs, &slab[i])
	}
	e.Fields = fs
}

func decodeProtobuf(msg *sarama.ConsumerMessage, recTime int64) (*logpb.LogEntry, error) {
	e := &logpb.LogEntry{}
	if err := proto.Unmarshal(msg.Value, e); err != nil {
		return rawEntry(msg, recTime), fmt.Errorf("decode %s: %w: %v", where(msg), ErrBadProtobuf, err)
	}
	if e.ReadTimeUnixNano == 0 {
		e.ReadTimeUnixNano = recTime
	}
	if len(e.Raw) == 0 {
		e.Raw = []byte(e.Message)
	}
	return e, nil
}

// isBinary reports a value that is not a log line: one with a NUL byte, or
// one where more than half the bytes are not UTF-8. A line with a stray
// invalid byte is still a line, shown with U+FFFD and kept as it is in Raw.
func isBinary(v []byte) bool {
	if bytes.IndexByte(v, 0) >= 0 {
		return true
	}
	if utf8.Valid(v) {
		return false
	}
	bad := 0
	for i := 0; i < len(v); {
		r, n := utf8.DecodeRune(v[i:])
		if r == utf8.RuneError && n == 1 {
			bad++
		}
		i += n
	}
	return bad*2 > len(v)
}

// rawEntry is the record as unparsed text, with the source fields a foreign
// record gets, cut to MaxValueBytes.
func rawEntry(msg *sarama.ConsumerMessage, recTime int64) *logpb.LogEntry {
	v := msg.Value
	e := &logpb.LogEntry{
		TimeUnixNano:     recTime,
		ReadTimeUnixNano: recTime,
		Service:          keyService(msg),
		Host:             text([]byte(header(msg, logpb.HeaderHost))),
		Source:           topicSource(msg.Topic),
	}
	if s := header(msg, logpb.HeaderService); s != "" {
		e.Service = text([]byte(s))
	}
	if len(v) > MaxValueBytes {
		v = cutUTF8(v, MaxValueBytes)
		e.Truncated = true
	}
	e.Raw = v
	e.Message = strings.ToValidUTF8(string(v), "\uFFFD")
	return e
}

// keyService is the service of a record that names none in a header or its
// line: its key when printable, else "kafka".
func keyService(msg *sarama.ConsumerMessage) string {
	if printable(msg.Key) {
		return string(msg.Key)
	}
	return "kafka"
}

// lastSource caches "kafka:" + topic: one topic is the rule, and building
// the string per record would cost an allocation each.
var lastSource atomic.Pointer[[2]string]

func topicSource(topic string) string {
	if p := lastSource.Load(); p != nil && p[0] == topic {
		return p[1]
	}
	s := "kafka:" + text([]byte(topic))
	lastSource.Store(&[2]string{topic, s})
	return s
}

func isProtobuf(v []byte) bool {
	ct := string(v)
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

// text makes b a string safe for a protobuf string field. Valid UTF-8 is
// not copied: the string aliases b, which belongs to a consumed record
// nobody modifies.
func text(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if utf8.Valid(b) {
		return unsafe.String(&b[0], len(b))
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// trimEOL removes one line terminator ("\n" or "\r\n"): it is not part of
// the line.
func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
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
