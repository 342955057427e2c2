// Package multiline joins continuation lines (stack traces and the like) into
// the entry they belong to, so that a Java exception, a Python traceback or a
// Go panic travels as one log entry.
//
// A Joiner is a state machine for one file. Add takes each physical line and
// returns the previous entry once a line shows it is complete; Flush hands
// over the pending entry when the file has been quiet (the caller's timer)
// or at end of input. Nothing is ever dropped: the Data of the entries, in
// order, joined with "\n", is exactly the lines given to Add. A Joiner is not
// safe for concurrent use.
//
// Without Config.Start these built-in rules decide whether a line continues
// the pending entry (otherwise it starts a new one):
//
//   - blank lines, and lines starting with a space or tab (Java "\tat …",
//     Python "  File …", Go "\t/path/file.go:12 +0x1d");
//   - Java: "at …", "Caused by: …", "Suppressed: …", "... 12 more", and an
//     exception header such as "java.lang.IllegalStateException: boom" (a
//     dotted class name ending in Exception, Error or Throwable), which
//     loggers print on the line after the message;
//   - Python: "Traceback (most recent call last):" continues the line before
//     it (the logged message). After a traceback's frames, the first
//     unindented "SomeError: msg" line continues too, and so do the chaining
//     lines "During handling of the above exception, another exception
//     occurred:" and "The above exception was the direct cause of the
//     following exception:" that lead to the next traceback;
//   - Go: "goroutine N [state]:" continues the line before it and opens a
//     goroutine dump, inside which the unindented frame lines
//     ("main.main()", "created by …"), "[signal …" and further goroutine
//     headers continue. "panic: …" and "fatal error: …" start a new entry and
//     open a dump too, so the blank line and goroutine blocks after them
//     join the panic.
//
// With Config.Start set, a line matching it starts an entry and every other
// line continues one. In both modes MaxLines and MaxBytes cap an entry: a
// line that would exceed them starts a new entry instead.
package multiline
