package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"
)

// TailOptions configure Tail.
type TailOptions struct {
	Options
	// Output is json (the entry objects as received, one per line, with
	// their line), raw (each entry's line as written, byte for byte; made
	// safe on a terminal) or pretty. Default "": pretty.
	Output string
	// Color is auto (colour when stdout is a terminal, NO_COLOR is unset and
	// TERM is not dumb), always or never. Only pretty output is coloured.
	// Default "": auto.
	Color string
	// Local prints pretty timestamps in local time. Default false: UTC.
	Local bool
	// zone, when set, is the local time zone (tests; the process's time.Local
	// is shared with every other goroutine). Default nil: time.Local.
	zone *time.Location
}

// Output formats.
const (
	OutputPretty = "pretty"
	OutputJSON   = "json"
	OutputRaw    = "raw"
)

// Tail follows a server and prints its entries to stdout; everything that
// is not an entry (gaps, drops, reconnects, refused filters) goes to stderr
// as a notice, except that json output prints gap and dropped objects to
// stdout as they came. It returns nil when ctx is done or stdout is closed
// by its reader, and an error when the server cannot be followed.
func Tail(ctx context.Context, opts TailOptions, stdout, stderr io.Writer) error {
	r, err := newRenderer(opts, stdout)
	if err != nil {
		return err
	}
	note := func(format string, args ...any) {
		fmt.Fprintf(stderr, "tailcast: "+format+"\n", args...)
	}
	userHook := opts.OnDisconnect
	opts.OnDisconnect = func(err error, wait time.Duration) {
		note("%v; reconnecting in %v", err, wait.Round(time.Millisecond))
		if userHook != nil {
			userHook(err, wait)
		}
	}
	hellos := 0
	err = Follow(ctx, opts.Options, func(m Message) error {
		switch m.Type {
		case TypeHello:
			if hellos++; hellos > 1 {
				note("reconnected to %s", m.Server)
			}
			return nil
		case TypeError:
			note("server refused a request: %s", m.Error)
			return nil
		case TypeGap, TypeDropped:
			if r.format != OutputJSON {
				note("%s", noticeText(m))
				return nil
			}
		case TypeProgress:
			return nil
		case TypeEnd:
			note("%s", endText(m))
			return nil
		case TypeEntry:
		default:
			return nil // a newer server's message this client does not know
		}
		if err := r.write(m); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
		return nil
	})
	switch {
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		return nil
	case errors.Is(err, syscall.EPIPE):
		return nil
	}
	return err
}

// endText summarises an end message.
func endText(m Message) string {
	s := fmt.Sprintf("-- end: %d entries", m.Sent)
	if m.Scanned > 0 {
		s += fmt.Sprintf(" (%d records scanned)", m.Scanned)
	}
	if m.Limited {
		s += ", stopped at the limit"
	}
	if m.Stopped != "" {
		s += ", stopped by a new " + m.Stopped
	}
	if m.Incomplete {
		s += "; may be incomplete: " + m.Reason
	}
	return s + " --"
}

func noticeText(m Message) string {
	switch m.Type {
	case TypeGap:
		return fmt.Sprintf("-- gap: %d entries missed, the server no longer holds them --", m.Missed)
	case TypeDropped:
		return fmt.Sprintf("-- dropped: the server skipped %d entries because this client read too slowly --", m.Count)
	}
	return ""
}

// renderer turns messages into output lines. It reuses one buffer and
// writes each message with one Write.
type renderer struct {
	w        io.Writer
	format   string
	color    bool
	sanitize bool // escape control characters (terminal output)
	loc      *time.Location
	buf      []byte
}

func newRenderer(opts TailOptions, w io.Writer) (*renderer, error) {
	r := &renderer{w: w, format: opts.Output, loc: time.UTC}
	switch opts.Output {
	case "", OutputPretty:
		r.format = OutputPretty
	case OutputJSON, OutputRaw:
	default:
		return nil, fmt.Errorf("unknown output format %q (want json, raw or pretty)", opts.Output)
	}
	tty := isTerminal(w)
	switch opts.Color {
	case "", "auto":
		r.color = tty && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
	case "always":
		r.color = true
	case "never":
	default:
		return nil, fmt.Errorf("unknown color mode %q (want auto, always or never)", opts.Color)
	}
	r.color = r.color && r.format == OutputPretty
	// Log lines are untrusted: on a terminal, an escape sequence in a
	// message must not drive it. Pretty output is always made safe.
	r.sanitize = r.format == OutputPretty || (r.format == OutputRaw && tty)
	if opts.Local {
		r.loc = time.Local
		if opts.zone != nil {
			r.loc = opts.zone
		}
	}
	return r, nil
}

// ANSI SGR codes.
const (
	sgrReset = "\x1b[0m"
	sgrDim   = "\x1b[2m"
	sgrGray  = "\x1b[90m"
)

var levelStyle = map[string]struct{ label, sgr string }{
	"trace":   {"TRACE", "\x1b[90m"},
	"debug":   {"DEBUG", "\x1b[34m"},
	"info":    {"INFO ", "\x1b[32m"},
	"warn":    {"WARN ", "\x1b[33m"},
	"error":   {"ERROR", "\x1b[31m"},
	"fatal":   {"FATAL", "\x1b[1;97;41m"},
	"unknown": {"-    ", ""},
}

func (r *renderer) write(m Message) error {
	b := r.buf[:0]
	switch {
	case r.format == OutputJSON:
		b = append(b, m.Raw...)
	case r.format == OutputRaw:
		// The line as written, byte for byte; on a terminal made safe.
		if r.sanitize {
			b = r.text(b, strings.ToValidUTF8(string(m.Line), "\uFFFD"), true)
		} else {
			b = append(b, m.Line...)
		}
	default:
		if m.Anchor {
			b = append(b, "> "...) // the entry the context is around
		}
		b = r.pretty(b, m)
	}
	b = append(b, '\n')
	r.buf = b
	_, err := r.w.Write(b)
	return err
}

// pretty renders `2026-11-22T19:24:37.123Z INFO  api web-1  message  k=v`.
// Continuation lines of a multi-line message follow as they are, so stack
// traces read naturally; the fields stay on the first line.
func (r *renderer) pretty(b []byte, m Message) []byte {
	b = r.paint(b, sgrDim)
	if m.TS.IsZero() {
		b = append(b, "-                       "...)
	} else {
		b = m.TS.In(r.loc).AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
	}
	b = r.paint(b, sgrReset)
	b = append(b, ' ')

	st, ok := levelStyle[m.Level]
	if !ok {
		st = levelStyle["unknown"]
	}
	if st.sgr != "" {
		b = r.paint(b, st.sgr)
		b = append(b, strings.TrimRight(st.label, " ")...)
		b = r.paint(b, sgrReset)
		b = append(b, st.label[len(strings.TrimRight(st.label, " ")):]...)
	} else {
		b = append(b, st.label...)
	}
	b = append(b, ' ')

	b = r.text(b, orDash(m.Service), false)
	b = append(b, ' ')
	b = r.text(b, orDash(m.Host), false)
	b = append(b, "  "...)

	first, rest, multi := strings.Cut(m.Msg, "\n")
	b = r.text(b, strings.TrimSuffix(first, "\r"), false)
	if len(m.FieldKeys) > 0 {
		b = append(b, ' ')
		for _, k := range m.FieldKeys {
			b = append(b, ' ')
			b = r.paint(b, sgrGray)
			b = r.text(b, k, false)
			b = append(b, '=')
			b = r.paint(b, sgrReset)
			b = r.fieldValue(b, m.Fields[k])
		}
	}
	if m.Truncated {
		b = append(b, " [truncated]"...)
	}
	if multi {
		b = append(b, '\n')
		b = r.text(b, rest, true)
	}
	return b
}

// fieldValue prints a string bare when that is unambiguous, quoted (as JSON
// has it) otherwise; other values as compact JSON.
func (r *renderer) fieldValue(b []byte, v json.RawMessage) []byte {
	if len(v) > 0 && v[0] == '"' {
		var s string
		if json.Unmarshal(v, &s) == nil && bareWord(s) {
			return append(b, s...)
		}
		return r.text(b, string(v), false)
	}
	var c bytes.Buffer
	if json.Compact(&c, v) == nil {
		return r.text(b, c.String(), false)
	}
	return r.text(b, string(v), false)
}

func bareWord(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c <= ' ' || c == '"' || c == '=' || c == '\\' || c == utf8.RuneError || unicode.IsControl(c) || unicode.IsSpace(c) {
			return false
		}
	}
	return true
}

// text appends s, escaping control characters when the output is a
// terminal or pretty. Newlines and tabs survive when keepNL is set.
func (r *renderer) text(b []byte, s string, keepNL bool) []byte {
	if !r.sanitize {
		return append(b, s...)
	}
	for _, c := range s {
		switch {
		case c == '\t' || (keepNL && c == '\n'):
			b = append(b, byte(c))
		case c == '\r' && keepNL:
			// A CRLF's CR would only return the cursor.
		case c < ' ' || c == 0x7f || (c >= 0x80 && c < 0xa0):
			b = fmt.Appendf(b, "\\x%02x", c)
		default:
			b = utf8.AppendRune(b, c)
		}
	}
	return b
}

func (r *renderer) paint(b []byte, sgr string) []byte {
	if !r.color {
		return b
	}
	return append(b, sgr...)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
