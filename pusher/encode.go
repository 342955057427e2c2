package pusher

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/tailcast/tailcast/internal/jsonstr"
	"github.com/tailcast/tailcast/internal/parse"
	"github.com/tailcast/tailcast/proto/logpb"
)

// appendJSONLiteral appends v, which claims to be a JSON literal, verbatim
// when it is one that is safe inside an NDJSON line; pretty-printed JSON is
// compacted, anything else is sent as a string.
func appendJSONLiteral(b []byte, v string) []byte {
	if v == "" || !utf8.ValidString(v) || !json.Valid([]byte(v)) {
		return jsonstr.Append(b, v)
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 {
			buf := bytes.NewBuffer(b)
			if err := json.Compact(buf, []byte(v)); err != nil {
				return jsonstr.Append(b, v)
			}
			return buf.Bytes()
		}
	}
	return append(b, v...)
}

const tsLayout = "2006-01-02T15:04:05.000000000Z07:00"

// entryTime is the event time, or the read time when the line had none.
func entryTime(e *logpb.LogEntry) int64 {
	if e.TimeUnixNano != 0 {
		return e.TimeUnixNano
	}
	return e.ReadTimeUnixNano
}

// appendTimestamp appends ns as tsLayout in UTC: digit by digit for the
// years 0 to 9999 (every entry's, and a quarter of Publish's encoding
// time through AppendFormat), by AppendFormat otherwise.
func appendTimestamp(b []byte, ns int64) []byte {
	t := time.Unix(0, ns).UTC()
	y, mo, d := t.Date()
	if y < 0 || y > 9999 {
		return t.AppendFormat(b, tsLayout)
	}
	h, mi, s := t.Clock()
	b = appendDigits(b, y, 4)
	b = append(b, '-')
	b = appendDigits(b, int(mo), 2)
	b = append(b, '-')
	b = appendDigits(b, d, 2)
	b = append(b, 'T')
	b = appendDigits(b, h, 2)
	b = append(b, ':')
	b = appendDigits(b, mi, 2)
	b = append(b, ':')
	b = appendDigits(b, s, 2)
	b = append(b, '.')
	b = appendDigits(b, t.Nanosecond(), 9)
	return append(b, 'Z')
}

// appendDigits appends v (≥ 0) in exactly n decimal digits, zero-padded.
func appendDigits(b []byte, v, n int) []byte {
	l := len(b)
	b = append(b, "000000000"[:n]...)
	for i := l + n - 1; i >= l; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return b
}

// appendEntryBody appends everything of an entry line after the cursor:
// `,"ts":…}` plus the newline.
func appendEntryBody(b []byte, e *logpb.LogEntry) []byte {
	b = append(b, `,"ts":"`...)
	b = appendTimestamp(b, entryTime(e))
	b = append(b, `","service":`...)
	b = jsonstr.Append(b, e.Service)
	b = append(b, `,"host":`...)
	b = jsonstr.Append(b, e.Host)
	b = append(b, `,"source":`...)
	b = jsonstr.Append(b, e.Source)
	b = append(b, `,"level":"`...)
	b = append(b, parse.LevelName(e.Level)...)
	b = append(b, `","msg":`...)
	b = jsonstr.Append(b, e.Message)
	// line is the entry as written, Raw, sent only when it differs from
	// msg (a line no format was recognised in is its own message): an
	// entry is not twice its size on the wire for nothing. Entries decoded
	// from the earlier record format may lack Raw; msg stands for it then.
	// JSON strings hold UTF-8 only: a line that is not gets its exact
	// bytes in line_bytes too. unsafe.String: Raw is never written after
	// Decode, and nothing here keeps it.
	if len(e.Raw) > 0 {
		line := unsafe.String(&e.Raw[0], len(e.Raw))
		if line != e.Message {
			b = append(b, `,"line":`...)
			b = jsonstr.Append(b, line)
		}
		if !utf8.ValidString(line) {
			b = append(b, `,"line_bytes":"`...)
			b = base64.StdEncoding.AppendEncode(b, e.Raw)
			b = append(b, '"')
		}
	}
	if len(e.Fields) > 0 {
		b = append(b, `,"fields":{`...)
		first := true
		for _, f := range e.Fields {
			if f == nil {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = jsonstr.Append(b, f.Key)
			b = append(b, ':')
			if f.Json {
				b = appendJSONLiteral(b, f.Value)
			} else {
				b = jsonstr.Append(b, f.Value)
			}
		}
		b = append(b, '}')
	}
	if e.Truncated {
		b = append(b, `,"truncated":true`...)
	}
	return append(b, "}\n"...)
}

const entryPrefix = `{"type":"entry","cursor":"`

// appendEntryLine appends a complete entry line with the given cursor.
func appendEntryLine(b []byte, cursor []byte, body []byte) []byte {
	b = append(b, entryPrefix...)
	b = append(b, cursor...)
	b = append(b, '"')
	return append(b, body...)
}

func appendDropped(b []byte, n int64) []byte {
	b = append(b, `{"type":"dropped","count":`...)
	b = strconv.AppendInt(b, n, 10)
	return append(b, "}\n"...)
}

func appendGap(b []byte, n int64) []byte {
	b = append(b, `{"type":"gap","missed":`...)
	b = strconv.AppendInt(b, n, 10)
	return append(b, "}\n"...)
}

func appendError(b []byte, msg string) []byte {
	b = append(b, `{"type":"error","error":`...)
	b = jsonstr.Append(b, msg)
	return append(b, "}\n"...)
}

func appendHello(b []byte, server string) []byte {
	b = append(b, `{"type":"hello","version":1,"server":`...)
	b = jsonstr.Append(b, server)
	return append(b, "}\n"...)
}
