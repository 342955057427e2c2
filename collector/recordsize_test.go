package collector

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/IBM/sarama"
	"github.com/pierrec/lz4/v4"
	"google.golang.org/protobuf/proto"

	"github.com/tailcast/tailcast/internal/genline"
	"github.com/tailcast/tailcast/internal/parse"
	"github.com/tailcast/tailcast/proto/logpb"
)

// TestRecordNoBiggerThanV1 measures what a line costs on the topic, in
// Kafka's record format v2 (length, attributes, timestamp and offset
// deltas, key, value, headers), for the benchmark's lines
// (bench/cmd/genlines): the line with its meta header and no key against
// the protobuf entry of the earlier format (encoded as its collector did:
// parsed fields, Raw only for invalid UTF-8, a content-type header) and
// against the line with the first line format's key host:path and
// service/host/path headers, raw and lz4 compressed in batches as sarama
// compresses them. The line format must be no bigger than either on either
// count. go test -v prints the figures quoted in docs/ARCHITECTURE.md.
func TestRecordNoBiggerThanV1(t *testing.T) {
	const (
		n     = 20000
		batch = 500 // records per produce batch, a lingering producer's order of magnitude
		host  = "web-17"
		path  = "/var/log/checkout/checkout.log"
	)
	key := []byte(host + ":" + path)
	hdrs, _ := fileHeaders("checkout", host, path, nil)
	lineHdrs := []sarama.RecordHeader{ // the first line format's
		{Key: []byte(logpb.HeaderService), Value: []byte("checkout")},
		{Key: []byte(logpb.HeaderHost), Value: []byte(host)},
		{Key: []byte(logpb.HeaderPath), Value: []byte(path)},
	}
	v1Hdrs := []sarama.RecordHeader{{Key: []byte(logpb.HeaderContentType), Value: []byte(logpb.ContentTypeProtobuf)}}
	g := genline.New(1)
	read := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC).UnixNano()
	var (
		line                          []byte
		off                           int64
		rawNew, rawOld, rawKeyed      int
		lz4New, lz4Old, lz4Keyed      int
		batchNew, batchOld, batchKeyd []byte
	)
	flush := func() {
		lz4New += lz4Size(t, batchNew)
		lz4Old += lz4Size(t, batchOld)
		lz4Keyed += lz4Size(t, batchKeyd)
		batchNew, batchOld, batchKeyd = batchNew[:0], batchOld[:0], batchKeyd[:0]
	}
	for i := range n {
		line = g.Line(line[:0])
		text := bytes.TrimSuffix(line, []byte("\n"))
		read += int64(time.Duration(i%7) * time.Microsecond)
		e := &logpb.LogEntry{
			ReadTimeUnixNano: read, Service: "checkout", Host: host, Source: path,
			FileId: "803:1a2b3c:0123456789abcdef", Offset: off,
		}
		parse.Into(e, text)
		if !utf8.Valid(text) {
			e.Raw = text
		}
		v1, err := proto.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		off += int64(len(line))
		delta := i % batch // offset delta; timestamps: a few ms apart at most
		recNew := appendRecord(nil, delta, nil, text, hdrs)
		recOld := appendRecord(nil, delta, key, v1, v1Hdrs)
		recKeyed := appendRecord(nil, delta, key, text, lineHdrs)
		rawNew += len(recNew)
		rawOld += len(recOld)
		rawKeyed += len(recKeyed)
		batchNew = append(batchNew, recNew...)
		batchOld = append(batchOld, recOld...)
		batchKeyd = append(batchKeyd, recKeyed...)
		if delta == batch-1 {
			flush()
		}
	}
	if len(batchNew) > 0 {
		flush()
	}
	per := func(x int) float64 { return float64(x) / n }
	t.Logf("bytes per record for %d genlines lines, host %q, path %q:", n, host, path)
	t.Logf("  line, meta header:          %.1f B raw, %.1f B lz4 (batches of %d)", per(rawNew), per(lz4New), batch)
	t.Logf("  line, key + 3 headers:      %.1f B raw, %.1f B lz4", per(rawKeyed), per(lz4Keyed))
	t.Logf("  protobuf format:            %.1f B raw, %.1f B lz4", per(rawOld), per(lz4Old))
	if rawNew > rawOld || lz4New > lz4Old || rawNew > rawKeyed || lz4New > lz4Keyed {
		t.Errorf("line format %s, want no bigger than protobuf's %s nor the keyed line's %s",
			fmt.Sprintf("%.1f/%.1f B", per(rawNew), per(lz4New)), fmt.Sprintf("%.1f/%.1f B", per(rawOld), per(lz4Old)),
			fmt.Sprintf("%.1f/%.1f B", per(rawKeyed), per(lz4Keyed)))
	}
}

// appendRecord appends one record in Kafka's v2 format, timestamp delta 0
// (both formats carry the same timestamp).
func appendRecord(b []byte, offsetDelta int, key, value []byte, hdrs []sarama.RecordHeader) []byte {
	var body []byte
	body = append(body, 0) // attributes
	body = binary.AppendVarint(body, 0)
	body = binary.AppendVarint(body, int64(offsetDelta))
	if key == nil {
		body = binary.AppendVarint(body, -1)
	} else {
		body = binary.AppendVarint(body, int64(len(key)))
		body = append(body, key...)
	}
	body = binary.AppendVarint(body, int64(len(value)))
	body = append(body, value...)
	body = binary.AppendVarint(body, int64(len(hdrs)))
	for _, h := range hdrs {
		body = binary.AppendVarint(body, int64(len(h.Key)))
		body = append(body, h.Key...)
		body = binary.AppendVarint(body, int64(len(h.Value)))
		body = append(body, h.Value...)
	}
	b = binary.AppendVarint(b, int64(len(body)))
	return append(b, body...)
}

// lz4Size is the size of records compressed as sarama compresses a batch.
func lz4Size(t *testing.T, records []byte) int {
	var buf bytes.Buffer
	w := lz4.NewWriter(&buf)
	if err := w.Apply(lz4.BlockSizeOption(lz4.Block64Kb)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(records); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Len()
}
