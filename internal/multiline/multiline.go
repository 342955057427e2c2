package multiline

import (
	"bytes"
	"regexp"
)

// Config configures a Joiner.
type Config struct {
	// Start matches the first line of an entry; every other line continues
	// the entry before it. Default nil: the built-in rules for Java, Python
	// and Go stack traces described in the package documentation.
	Start *regexp.Regexp
	// MaxLines caps the lines of one entry; a line beyond it starts a new
	// entry. Default 500.
	MaxLines int
	// MaxBytes caps the bytes of one entry's Data; a line that would pass it
	// starts a new entry (a single longer line is still one entry). Default
	// 1 MiB.
	MaxBytes int
}

// Entry is one joined entry.
type Entry struct {
	// Data is the lines joined with "\n", no trailing newline. It is valid
	// until the Joiner's next Add or Flush, which may reuse it: the caller
	// copies what it keeps.
	Data []byte
	// Start is the file offset of the entry's first line; End is the offset
	// just past its last line (its newline included), where reading resumes.
	Start, End int64
	// Lines is how many physical lines were joined.
	Lines int
}

// state is what the lines so far say about the lines to come.
type state uint8

const (
	stNone    state = iota
	stPyTrace       // inside a Python traceback's frames
	stPyEnd         // after a traceback's exception line (chaining may follow)
	stGo            // inside a Go panic or goroutine dump
)

// Joiner joins lines of one file.
type Joiner struct {
	cfg     Config
	pending Entry
	has     bool
	lent    []byte // Data of the entry last returned, reused once the caller is done
	st      state
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
// [start, end). A carriage return ending the line (a CRLF file) is kept in
// the entry, so that its inner line ends stay as they were, and ignored
// when deciding whether the line continues an entry. When line starts a new entry, or would push the pending one
// past a cap, the pending entry is complete and returned with ok true. Add
// copies line; the caller may reuse it.
func (j *Joiner) Add(line []byte, start, end int64) (done Entry, ok bool) {
	cont, next := j.classify(bytes.TrimSuffix(line, cr))
	j.st = next
	if cont && j.has && j.pending.Lines < j.cfg.MaxLines && len(j.pending.Data)+1+len(line) <= j.cfg.MaxBytes {
		j.pending.Data = append(append(j.pending.Data, '\n'), line...)
		j.pending.End = end
		j.pending.Lines++
		return Entry{}, false
	}
	done, ok = j.pending, j.has
	j.pending = Entry{Data: append(j.swap(done.Data, ok), line...), Start: start, End: end, Lines: 1}
	j.has = true
	return done, ok
}

// Flush returns the pending entry, if any, and forgets it. The caller calls
// it when the file has been quiet for its flush timeout and at the end.
// What the Joiner has learnt about an open stack trace is kept, so a late
// continuation line still reads as one (it starts the next entry).
func (j *Joiner) Flush() (Entry, bool) {
	if !j.has {
		return Entry{}, false
	}
	e := j.pending
	j.swap(e.Data, true)
	j.pending, j.has = Entry{}, false
	return e, true
}

// swap lends out, when lend is set, the buffer out being returned, and
// returns the one lent before (which the caller is done with) emptied, for
// the next pending entry. A buffer grown by a long entry is not kept, so a
// file that once had a large stack trace does not pin it.
func (j *Joiner) swap(out []byte, lend bool) []byte {
	free := j.lent[:0]
	j.lent = nil
	if cap(free) > keepBytes {
		free = nil
	}
	if lend {
		j.lent = out
	}
	return free
}

var cr = []byte{'\r'}

// keepBytes is the largest buffer a Joiner keeps for reuse.
const keepBytes = 16 << 10

// Pending reports whether an entry is waiting for more lines.
func (j *Joiner) Pending() bool { return j.has }

// classify says whether line continues the pending entry and what state
// follows it.
func (j *Joiner) classify(line []byte) (cont bool, next state) {
	if j.cfg.Start != nil {
		return !j.cfg.Start.Match(line), stNone
	}
	if len(line) == 0 || line[0] == ' ' || line[0] == '\t' {
		return true, j.st
	}
	switch j.st {
	case stPyTrace:
		if pyException(line) {
			return true, stPyEnd
		}
	case stPyEnd:
		if bytes.HasPrefix(line, pyDuring) || bytes.HasPrefix(line, pyCause) {
			return true, stPyEnd
		}
	case stGo:
		if goFrame(line) || goroutineHeader(line) || bytes.HasPrefix(line, goCreated) ||
			bytes.HasPrefix(line, goSignal) || bytes.HasPrefix(line, goElided) {
			return true, stGo
		}
	}
	switch line[0] {
	case 'T':
		if bytes.HasPrefix(line, pyTraceback) {
			return true, stPyTrace
		}
	case 'g':
		if goroutineHeader(line) {
			return true, stGo
		}
	case 'p':
		if bytes.HasPrefix(line, goPanic) {
			return false, stGo
		}
	case 'f':
		if bytes.HasPrefix(line, goFatal) {
			return false, stGo
		}
	case 'a':
		if bytes.HasPrefix(line, javaAt) {
			return true, stNone
		}
	case 'C':
		if bytes.HasPrefix(line, javaCause) {
			return true, stNone
		}
	case 'S':
		if bytes.HasPrefix(line, javaSuppressed) {
			return true, stNone
		}
	case '.':
		if javaMore(line) {
			return true, stNone
		}
	}
	if javaException(line) {
		return true, stNone
	}
	return false, stNone
}

var (
	pyTraceback    = []byte("Traceback (most recent call last):")
	pyDuring       = []byte("During handling of the above exception, another exception occurred:")
	pyCause        = []byte("The above exception was the direct cause of the following exception:")
	goPanic        = []byte("panic: ")
	goFatal        = []byte("fatal error: ")
	goCreated      = []byte("created by ")
	goSignal       = []byte("[signal ")
	goElided       = []byte("...")
	goroutinePfx   = []byte("goroutine ")
	javaAt         = []byte("at ")
	javaCause      = []byte("Caused by:")
	javaSuppressed = []byte("Suppressed:")
)

func isIdent(c byte) bool {
	return c == '_' || c == '$' || (c|0x20) >= 'a' && (c|0x20) <= 'z' || c >= '0' && c <= '9'
}

// qualifiedName returns the length of the dotted identifier at the start of
// line and whether it contains a dot.
func qualifiedName(line []byte) (n int, dotted bool) {
	if len(line) == 0 || !isIdent(line[0]) || (line[0] >= '0' && line[0] <= '9') {
		return 0, false
	}
	for n < len(line) && (isIdent(line[n]) || line[n] == '.') {
		dotted = dotted || line[n] == '.'
		n++
	}
	return n, dotted
}

// pyException matches a traceback's last line: "KeyError: 'k'",
// "json.decoder.JSONDecodeError: …", "KeyboardInterrupt".
func pyException(line []byte) bool {
	n, _ := qualifiedName(line)
	return n > 0 && (n == len(line) || line[n] == ':')
}

// javaException matches "java.lang.IllegalStateException: boom" or
// "com.example.FooError": a dotted class name ending in Exception, Error or
// Throwable, then ':' or the end of the line.
func javaException(line []byte) bool {
	n, dotted := qualifiedName(line)
	if !dotted || (n < len(line) && line[n] != ':') {
		return false
	}
	name := line[:n]
	return bytes.HasSuffix(name, []byte("Exception")) || bytes.HasSuffix(name, []byte("Error")) ||
		bytes.HasSuffix(name, []byte("Throwable"))
}

// javaMore matches "... 12 more".
func javaMore(line []byte) bool {
	rest, ok := bytes.CutPrefix(line, []byte("... "))
	if !ok {
		return false
	}
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	return i > 0 && bytes.HasPrefix(rest[i:], []byte(" more"))
}

// goroutineHeader matches "goroutine 1 [running]:" and the newer
// "goroutine 1 gp=0xc000002380 m=0 mp=0x5a9e20 [running]:".
func goroutineHeader(line []byte) bool {
	rest, ok := bytes.CutPrefix(line, goroutinePfx)
	return ok && len(rest) > 0 && rest[0] >= '0' && rest[0] <= '9' &&
		bytes.HasSuffix(line, []byte("]:")) && bytes.IndexByte(rest, '[') > 0
}

// goFrame matches a goroutine dump's function line: "main.main()",
// "main.(*T).run(0xc000012345, {0x4b2f80, 0x5})", "panic({0x4a5e40?, …})".
func goFrame(line []byte) bool {
	open := bytes.IndexByte(line, '(')
	if open <= 0 || line[len(line)-1] != ')' {
		return false
	}
	return bytes.IndexByte(line[:open], ' ') < 0
}
