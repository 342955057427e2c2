package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Message types of the protocol.
const (
	TypeHello   = "hello"
	TypeEntry   = "entry"
	TypeGap     = "gap"
	TypeDropped = "dropped"
	TypeError   = "error"
	// TypeProgress reports a range query's scan; TypeEnd ends its
	// historic part, or a context reply.
	TypeProgress = "progress"
	TypeEnd      = "end"
)

// ProtocolVersion is the hello version this client speaks.
const ProtocolVersion = 1

// Message is one JSON object from the server. Which fields are set depends
// on Type; unknown types are passed through with Type and Raw only.
type Message struct {
	Type string

	// hello
	Version int
	Server  string

	// entry
	Cursor  string
	TS      time.Time
	Service string
	Host    string
	Source  string
	Level   string
	Msg     string
	// Line is the entry as written in its file (or as produced to Kafka),
	// byte for byte: the server's line_bytes when it sent them (a line
	// that is not UTF-8), else its line, else Msg (the server leaves line
	// out when it equals msg, and servers older than line never send it).
	Line      []byte
	Fields    map[string]json.RawMessage
	FieldKeys []string // keys of Fields in the order the server sent them
	Truncated bool
	// Pattern is the id of the entry's pattern ("" when the server sent
	// none), New whether that pattern was first seen recently.
	Pattern string
	New     bool

	// gap
	Missed int64
	// dropped
	Count int64
	// error
	Error string
	// entry of a context reply: the entry asked about
	Anchor bool
	// progress, end
	Scanned, Of, Sent, Matched int64
	Limited, Incomplete        bool
	Reason, Stopped            string

	// Raw is the object as received, without its newline. It is the
	// caller's to keep.
	Raw []byte
}

type wireMessage struct {
	Type       string          `json:"type"`
	Version    int             `json:"version"`
	Server     string          `json:"server"`
	Cursor     string          `json:"cursor"`
	TS         string          `json:"ts"`
	Service    string          `json:"service"`
	Host       string          `json:"host"`
	Source     string          `json:"source"`
	Level      string          `json:"level"`
	Msg        string          `json:"msg"`
	Line       *string         `json:"line"`
	LineBytes  []byte          `json:"line_bytes"`
	Fields     json.RawMessage `json:"fields"`
	Truncated  bool            `json:"truncated"`
	Pattern    string          `json:"pattern"`
	New        bool            `json:"new"`
	Missed     int64           `json:"missed"`
	Count      int64           `json:"count"`
	Error      string          `json:"error"`
	Anchor     bool            `json:"anchor"`
	Scanned    int64           `json:"scanned"`
	Of         int64           `json:"of"`
	Sent       int64           `json:"sent"`
	Matched    int64           `json:"matched"`
	Limited    bool            `json:"limited"`
	Incomplete bool            `json:"incomplete"`
	Reason     string          `json:"reason"`
	Stopped    string          `json:"stopped"`
}

// decodeMessage parses one NDJSON object. raw is kept as Message.Raw.
func decodeMessage(raw []byte) (Message, error) {
	var w wireMessage
	if err := json.Unmarshal(raw, &w); err != nil {
		return Message{}, protocolError("invalid JSON from server (%v): %s", err, excerpt(raw))
	}
	if w.Type == "" {
		return Message{}, protocolError("object without a type: %s", excerpt(raw))
	}
	m := Message{
		Type:      w.Type,
		Version:   w.Version,
		Server:    w.Server,
		Cursor:    w.Cursor,
		Service:   w.Service,
		Host:      w.Host,
		Source:    w.Source,
		Level:     w.Level,
		Msg:       w.Msg,
		Truncated: w.Truncated,
		Pattern:   w.Pattern,
		New:       w.New,
		Missed:    w.Missed,
		Count:     w.Count,
		Error:     w.Error,
		Anchor:    w.Anchor,
		Scanned:   w.Scanned, Of: w.Of, Sent: w.Sent, Matched: w.Matched,
		Limited: w.Limited, Incomplete: w.Incomplete, Reason: w.Reason, Stopped: w.Stopped,
		Raw: raw,
	}
	switch {
	case w.LineBytes != nil:
		m.Line = w.LineBytes
	case w.Line != nil:
		m.Line = []byte(*w.Line)
	case w.Type == TypeEntry:
		m.Line = []byte(w.Msg)
	}
	if w.TS != "" {
		ts, err := time.Parse(time.RFC3339Nano, w.TS)
		if err != nil {
			return Message{}, protocolError("entry with a bad ts %q: %s", w.TS, excerpt(raw))
		}
		m.TS = ts
	}
	if len(w.Fields) > 0 && !bytes.Equal(w.Fields, []byte("null")) {
		keys, fields, err := orderedFields(w.Fields)
		if err != nil {
			return Message{}, protocolError("entry fields are not an object (%v): %s", err, excerpt(raw))
		}
		m.FieldKeys, m.Fields = keys, fields
	}
	return m, nil
}

// orderedFields decodes a JSON object keeping its key order, which a map
// alone would lose.
func orderedFields(obj json.RawMessage) ([]string, map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, nil, fmt.Errorf("got %v, want an object", tok)
	}
	var keys []string
	fields := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		k, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, err
		}
		if _, dup := fields[k]; !dup {
			keys = append(keys, k)
		}
		fields[k] = v
	}
	return keys, fields, nil
}

// excerpt quotes the start of a bad object for an error message.
func excerpt(b []byte) string {
	const max = 200
	if len(b) > max {
		return fmt.Sprintf("%q…", b[:max])
	}
	return fmt.Sprintf("%q", b)
}
