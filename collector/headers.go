package collector

import (
	"unicode/utf8"

	"github.com/IBM/sarama"

	"github.com/tailcast/tailcast/proto/logpb"
)

// Record headers are the same for every line of a file, so each file builds
// its two header lists once (one with the cut mark) and every record points
// at one of them: no allocation per line. The value is the line itself; see
// proto/logpb/headers.go for the names.

var (
	hService = []byte(logpb.HeaderService)
	hHost    = []byte(logpb.HeaderHost)
	hPath    = []byte(logpb.HeaderPath)
	hCut     = sarama.RecordHeader{Key: []byte(logpb.HeaderCut), Value: []byte("1")}
)

// fileHeaders returns a file's headers, and the same followed by the cut
// mark. labels are the input's, as sorted "label.K" headers.
func fileHeaders(service, host, path string, labels []sarama.RecordHeader) (hdrs, cut []sarama.RecordHeader) {
	cut = make([]sarama.RecordHeader, 0, 4+len(labels))
	cut = append(cut,
		sarama.RecordHeader{Key: hService, Value: []byte(service)},
		sarama.RecordHeader{Key: hHost, Value: []byte(host)},
		sarama.RecordHeader{Key: hPath, Value: []byte(path)})
	cut = append(cut, labels...)
	cut = append(cut, hCut)
	// One array for both lists; hdrs has no spare capacity, so nothing
	// appended to it can overwrite the cut mark.
	return cut[: len(cut)-1 : len(cut)-1], cut
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
