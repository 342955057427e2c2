package main

import (
	"bytes"
	"strconv"
	"testing"
)

func TestAppendLine(t *testing.T) {
	ts := []byte("1800000000000000000")
	for _, size := range []int{50, 130, 400} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			b := appendLine([]byte("prefix"), 42, "@@", ts, size)
			line := b[len("prefix"):]
			if len(line) != size {
				t.Errorf("length: got %d, want %d", len(line), size)
			}
			if line[len(line)-1] != '\n' || bytes.Count(line, []byte("\n")) != 1 {
				t.Errorf("got %q, want exactly one newline, at the end", line)
			}
			if want := []byte("tailcast-bench 0000000042 @@1800000000000000000"); !bytes.HasPrefix(line, want) {
				t.Errorf("got %q, want prefix %q", line, want)
			}
			if bytes.Count(line, []byte("@@")) != 1 || bytes.ContainsAny(line, "=") {
				t.Errorf("got %q, want one marker and no '='", line)
			}
		})
	}
}
