package parse

import (
	"github.com/tailcast/tailcast/proto/logpb"
)

// levelNames are the wire names of levels, indexed by logpb.Level.
var levelNames = [...]string{"unknown", "trace", "debug", "info", "warn", "error", "fatal"}

// LevelName is the lowercase protocol name of l ("info", "warn", …).
func LevelName(l logpb.Level) string {
	if int(l) < 0 || int(l) >= len(levelNames) {
		return "unknown"
	}
	return levelNames[l]
}

// ParseLevel maps a level word as logs spell it (INFO, Warning, err, E, crit,
// notice, DPANIC, …), or a protocol name from LevelName, to a Level. Case
// and surrounding spaces are ignored. ok is false when s names no level
// (including "unknown").
func ParseLevel(s string) (l logpb.Level, ok bool) {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return levelWord(s)
}

// levelWord is ParseLevel without trimming; it does not allocate.
func levelWord(s string) (logpb.Level, bool) {
	if len(s) == 0 || len(s) > 13 {
		return logpb.Level_LEVEL_UNKNOWN, false
	}
	var buf [13]byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	switch string(buf[:len(s)]) {
	case "trace", "trc", "finest", "finer", "verbose", "v":
		return logpb.Level_LEVEL_TRACE, true
	case "debug", "dbg", "d", "fine", "config":
		return logpb.Level_LEVEL_DEBUG, true
	case "info", "inf", "i", "information", "informational", "notice", "note":
		return logpb.Level_LEVEL_INFO, true
	case "warn", "warning", "wrn", "w":
		return logpb.Level_LEVEL_WARN, true
	case "error", "err", "e", "eror", "severe", "dpanic":
		return logpb.Level_LEVEL_ERROR, true
	case "fatal", "ftl", "f", "crit", "critical", "alert", "emerg", "emergency", "panic":
		return logpb.Level_LEVEL_FATAL, true
	}
	return logpb.Level_LEVEL_UNKNOWN, false
}

// plainLevel decides whether a word in a plain line's prefix is a level.
// Prose starts with words like "Error" or "Note", so outside brackets a
// word counts only when it is upper case, or is one of the common level
// names spelled in lower or title case and strong is set (the word is
// followed by ':' or a tab, or sits in a level column).
func plainLevel(w string, strong bool) (logpb.Level, bool) {
	if len(w) < 3 {
		return logpb.Level_LEVEL_UNKNOWN, false
	}
	upper := true
	for i := 0; i < len(w); i++ {
		if w[i] < 'A' || w[i] > 'Z' {
			upper = false
			break
		}
	}
	if upper {
		return levelWord(w)
	}
	if !strong {
		return logpb.Level_LEVEL_UNKNOWN, false
	}
	switch w {
	case "trace", "Trace", "debug", "Debug", "info", "Info", "warn", "Warn", "warning", "Warning",
		"error", "Error", "fatal", "Fatal", "critical", "Critical", "panic", "Panic", "notice", "Notice",
		"crit", "emerg", "alert":
		return levelWord(w)
	}
	return logpb.Level_LEVEL_UNKNOWN, false
}

// syslogLevel maps an RFC 5424 severity (PRI & 7) to a Level.
func syslogLevel(sev int) logpb.Level {
	switch sev {
	case 0, 1, 2:
		return logpb.Level_LEVEL_FATAL
	case 3:
		return logpb.Level_LEVEL_ERROR
	case 4:
		return logpb.Level_LEVEL_WARN
	case 5, 6:
		return logpb.Level_LEVEL_INFO
	}
	return logpb.Level_LEVEL_DEBUG
}

// numericLevel maps pino/bunyan numeric levels (10 trace … 60 fatal).
func numericLevel(n string) (logpb.Level, bool) {
	switch n {
	case "10":
		return logpb.Level_LEVEL_TRACE, true
	case "20":
		return logpb.Level_LEVEL_DEBUG, true
	case "30":
		return logpb.Level_LEVEL_INFO, true
	case "40":
		return logpb.Level_LEVEL_WARN, true
	case "50":
		return logpb.Level_LEVEL_ERROR, true
	case "60":
		return logpb.Level_LEVEL_FATAL, true
	}
	return logpb.Level_LEVEL_UNKNOWN, false
}
