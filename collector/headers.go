package collector

import (
	"bytes"
	"unicode/utf8"

	"github.com/IBM/sarama"

	"github.com/tailcast/tailcast/proto/logpb"
)

// Record headers are the same for every line of a file, so each file builds
// its two header lists once (one with the cut mark) and every record points
// at one of them: no allocation per line. The value is the line itself; what
// the collector knows about it is one logpb.HeaderMeta header, and the
// record has no key (the file's partition is chosen by filePartitioner).
// One header rather than one per field: every header is a key and a value
// to encode, compress and, on the consumer, to allocate and compare, on
// every record; see docs/ARCHITECTURE.md, "Record format".

var (
	hMeta = []byte(logpb.HeaderMeta)
	hCut  = sarama.RecordHeader{Key: []byte(logpb.HeaderCut), Value: []byte("1")}
)

// fileHeaders returns a file's headers, and the same followed by the cut
// mark. The service is left out when it is the path's default (most
// inputs name none). labels are the input's, key then value, sorted by
// key. None of the
// strings may hold a NUL byte (Config and compileInput refuse them; a path
// cannot).
func fileHeaders(service, host, path string, labels []string) (hdrs, cut []sarama.RecordHeader) {
	if service == logpb.DefaultService(path) {
		service = "" // the consumer derives it: bytes saved on every record
	}
	n := len(service) + len(host) + len(path) + 2
	for _, l := range labels {
		n += 1 + len(l)
	}
	meta := make([]byte, 0, n)
	meta = append(meta, service...)
	meta = append(append(meta, logpb.MetaSep), host...)
	meta = append(append(meta, logpb.MetaSep), path...)
	for _, l := range labels {
		meta = append(append(meta, logpb.MetaSep), l...)
	}
	cut = []sarama.RecordHeader{{Key: hMeta, Value: meta}, hCut}
	// One array for both lists; hdrs has no spare capacity, so nothing
	// appended to it can overwrite the cut mark.
	return cut[:1:1], cut
}

// metaPath is the file path in a record's meta header, for logs.
func metaPath(m *sarama.ProducerMessage) string {
	if m == nil {
		return ""
	}
	for _, h := range m.Headers {
		if string(h.Key) == logpb.HeaderMeta {
			f := bytes.SplitN(h.Value, []byte{logpb.MetaSep}, 4)
			if len(f) >= 3 {
				return string(f[2])
			}
		}
	}
	return ""
}

// headersSize is what key and headers add to a record in Kafka's record
// format v2 (length varints included), the room a line cannot use.
func headersSize(key int, hdrs []sarama.RecordHeader) int {
	n := varintLen(key) + key + varintLen(len(hdrs))
	for _, h := range hdrs {
		n += varintLen(len(h.Key)) + len(h.Key) + varintLen(len(h.Value)) + len(h.Value)
	}
	return n
}

// varintLen is the size of n as a zigzag varint, as Kafka writes lengths.
func varintLen(n int) int {
	u := uint64(n) << 1
	l := 1
	for u >= 0x80 {
		u >>= 7
		l++
	}
	return l
}

// cutRunes returns at most n bytes of b, not splitting a UTF-8 sequence
// when b is UTF-8 there.
func cutRunes(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	for i := n; i > 0 && i > n-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			return b[:i]
		}
	}
	return b[:n]
}
