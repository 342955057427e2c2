package collector

import (
	"encoding/binary"
	"math/bits"
	"strings"

	"github.com/tailcast/tailcast/proto/logpb"
)

// The record value is a logpb.LogEntry in protobuf wire format, written by
// hand: proto.Size plus proto.Marshal went through reflection, and cost
// about a tenth of the collector's CPU per line. entrySize and appendEntry
// produce exactly the bytes proto.Marshal does (fields in number order,
// proto3 zero values omitted); encode_test.go checks that on random entries.
// A field added to entry.proto must be added here too: the test fails until
// it is.

// Wire tags: field number << 3 | wire type (0 varint, 2 length-delimited).
const (
	tagTimeUnixNano     = 1<<3 | 0
	tagReadTimeUnixNano = 2<<3 | 0
	tagService          = 3<<3 | 2
	tagHost             = 4<<3 | 2
	tagSource           = 5<<3 | 2
	tagFileID           = 6<<3 | 2
	tagOffset           = 7<<3 | 0
	tagLevel            = 8<<3 | 0
	tagMessage          = 9<<3 | 2
	tagFields           = 10<<3 | 2
	tagRaw              = 11<<3 | 2
	tagTruncated        = 12<<3 | 0

	tagFieldKey   = 1<<3 | 2
	tagFieldValue = 2<<3 | 2
	tagFieldJSON  = 3<<3 | 0
)

func varintSize(v uint64) int { return (bits.Len64(v|1) + 6) / 7 }

// bytesSize is the size of a non-empty length-delimited field with a
// one-byte tag; 0 when n is 0, as proto3 omits it.
func bytesSize(n int) int {
	if n == 0 {
		return 0
	}
	return 1 + varintSize(uint64(n)) + n
}

func int64Size(v int64) int {
	if v == 0 {
		return 0
	}
	return 1 + varintSize(uint64(v))
}

func fieldSize(f *logpb.Field) int {
	n := bytesSize(len(f.Key)) + bytesSize(len(f.Value))
	if f.Json {
		n += 2
	}
	return n
}

// entrySize is the marshalled size of e with extra appended to its Fields.
func entrySize(e *logpb.LogEntry, extra []logpb.Field) int {
	n := int64Size(e.TimeUnixNano) + int64Size(e.ReadTimeUnixNano) +
		bytesSize(len(e.Service)) + bytesSize(len(e.Host)) + bytesSize(len(e.Source)) + bytesSize(len(e.FileId)) +
		int64Size(e.Offset) + int64Size(int64(e.Level)) + bytesSize(len(e.Message)) + bytesSize(len(e.Raw))
	for _, f := range e.Fields {
		n += 1 + varintSize(uint64(fieldSize(f))) + fieldSize(f)
	}
	for i := range extra {
		n += 1 + varintSize(uint64(fieldSize(&extra[i]))) + fieldSize(&extra[i])
	}
	if e.Truncated {
		n += 2
	}
	return n
}

func appendInt64(b []byte, tag byte, v int64) []byte {
	if v == 0 {
		return b
	}
	return binary.AppendUvarint(append(b, tag), uint64(v))
}

func appendString(b []byte, tag byte, s string) []byte {
	if len(s) == 0 {
		return b
	}
	b = binary.AppendUvarint(append(b, tag), uint64(len(s)))
	return append(b, s...)
}

func appendBool(b []byte, tag byte, v bool) []byte {
	if !v {
		return b
	}
	return append(b, tag, 1)
}

func appendField(b []byte, f *logpb.Field) []byte {
	b = binary.AppendUvarint(append(b, tagFields), uint64(fieldSize(f)))
	b = appendString(b, tagFieldKey, f.Key)
	b = appendString(b, tagFieldValue, f.Value)
	return appendBool(b, tagFieldJSON, f.Json)
}

// appendEntry appends e, with extra appended to its Fields, in wire format.
// Strings are written as they are: the caller guarantees valid UTF-8, as
// proto.Marshal would check.
func appendEntry(b []byte, e *logpb.LogEntry, extra []logpb.Field) []byte {
	b = appendInt64(b, tagTimeUnixNano, e.TimeUnixNano)
	b = appendInt64(b, tagReadTimeUnixNano, e.ReadTimeUnixNano)
	b = appendString(b, tagService, e.Service)
	b = appendString(b, tagHost, e.Host)
	b = appendString(b, tagSource, e.Source)
	b = appendString(b, tagFileID, e.FileId)
	b = appendInt64(b, tagOffset, e.Offset)
	b = appendInt64(b, tagLevel, int64(e.Level))
	b = appendString(b, tagMessage, e.Message)
	for _, f := range e.Fields {
		b = appendField(b, f)
	}
	for i := range extra {
		b = appendField(b, &extra[i])
	}
	if len(e.Raw) > 0 {
		b = binary.AppendUvarint(append(b, tagRaw), uint64(len(e.Raw)))
		b = append(b, e.Raw...)
	}
	return appendBool(b, tagTruncated, e.Truncated)
}

// validUTF8 replaces invalid bytes of s: protobuf strings must be UTF-8, and
// appendEntry does not check. Paths, host and labels are sanitised once,
// not per record.
func validUTF8(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
