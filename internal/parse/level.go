package parse

import (
	"strings"

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
// …) to a Level. ok is false when s names no level.
func ParseLevel(s string) (l logpb.Level, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "trace", "trc", "finest", "finer", "verbose", "v":
		return logpb.Level_LEVEL_TRACE, true
	case "debug", "dbg", "d", "fine", "config":
		return logpb.Level_LEVEL_DEBUG, true
	case "info", "inf", "i", "information", "informational", "notice", "note":
		return logpb.Level_LEVEL_INFO, true
	case "warn", "warning", "wrn", "w":
		return logpb.Level_LEVEL_WARN, true
	case "error", "err", "e", "severe":
		return logpb.Level_LEVEL_ERROR, true
	case "fatal", "ftl", "f", "crit", "critical", "alert", "emerg", "emergency", "panic":
		return logpb.Level_LEVEL_FATAL, true
	}
	return logpb.Level_LEVEL_UNKNOWN, false
}
