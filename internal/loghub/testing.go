package loghub

import "testing"

// First returns the first n lines of dataset name, failing tb when the
// dataset is missing or shorter: a test never skips for want of a file.
func First(tb testing.TB, name string, n int) []string {
	tb.Helper()
	lines, err := Lines(name)
	if err != nil {
		tb.Fatal(err)
	}
	if n < 0 {
		return lines
	}
	if len(lines) < n {
		tb.Fatalf("loghub %s: got %d lines, want at least %d", name, len(lines), n)
	}
	return lines[:n]
}
