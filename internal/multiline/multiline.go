// Package multiline joins continuation lines (stack traces and the like) into
// the entry they belong to. A Joiner is a state machine for one file and is
// not safe for concurrent use; the caller flushes it after a quiet period.
package multiline

import "regexp"

// Config configures a Joiner.
type Config struct {
	// Start matches the first line of an entry; every other line continues
	// the entry before it. Default nil: built-in rules for Java, Python and
	// Go stack traces (indentation, "at ", "Caused by:", "Traceback",
	// "goroutine N [").
	Start *regexp.Regexp
	// MaxLines caps the lines of one entry. Default 500.
	MaxLines int
	// MaxBytes caps the bytes of one entry. Default 1 MiB.
	MaxBytes int
}

// Entry is one joined entry.
type Entry struct {
	// Data is the lines joined with "\n", no trailing newline. The caller
	// owns it.
	Data []byte
	// Start is the file offset of the entry's first line; End is the offset
	// just past its last line (its newline included), where reading resumes.
	Start, End int64
	// Lines is how many physical lines were joined.
	Lines int
}

// Joiner joins lines of one file.
type Joiner struct {
	cfg     Config
	pending Entry
	has     bool
}

// New returns a Joiner with cfg's defaults filled in.
func New(cfg Config) *Joiner {
	if cfg.MaxLines <= 0 {
		cfg.MaxLines = 500
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 1 << 20
	}
	return &Joiner{cfg: cfg}
}

// Add takes one physical line (without its newline) that spans file offsets
// [start, end). When line starts a new entry, the entry before it is
// complete and returned with ok true.
// TEMPORARY minimal version (every line is its own entry): the multiline
// owner replaces this body.
func (j *Joiner) Add(line []byte, start, end int64) (done Entry, ok bool) {
	done, ok = j.Flush()
	j.pending = Entry{Data: append([]byte(nil), line...), Start: start, End: end, Lines: 1}
	j.has = true
	return done, ok
}

// Flush returns the pending entry, if any, and forgets it. The caller calls
// it when the file has been quiet for its flush timeout.
func (j *Joiner) Flush() (Entry, bool) {
	if !j.has {
		return Entry{}, false
	}
	e := j.pending
	j.pending, j.has = Entry{}, false
	return e, true
}

// Pending reports whether an entry is waiting for more lines.
func (j *Joiner) Pending() bool { return j.has }
