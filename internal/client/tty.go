package client

import (
	"io"
	"os"
)

// isTerminal reports whether w is a terminal, the condition for colour in
// auto mode.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isTerminalFile(f)
}
