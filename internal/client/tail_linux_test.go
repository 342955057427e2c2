package client

import (
	"bytes"
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// openPTY returns the terminal side of a new pseudo-terminal.
func openPTY(t *testing.T) *os.File {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Skipf("pty number: %v", err)
	}
	slave, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open pty: %v", err)
	}
	t.Cleanup(func() { slave.Close() })
	return slave
}

// TestColorAuto: auto colours only a terminal, and NO_COLOR or TERM=dumb
// turn it off.
func TestColorAuto(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	tty := openPTY(t)
	tests := []struct {
		name    string
		out     any
		noColor string
		term    string
		color   string
		want    bool
	}{
		{name: "terminal", out: tty, term: "xterm", want: true},
		{name: "pipe", out: pw, term: "xterm", want: false},
		{name: "buffer", out: &bytes.Buffer{}, term: "xterm", want: false},
		{name: "NO_COLOR", out: tty, noColor: "1", term: "xterm", want: false},
		{name: "TERM=dumb", out: tty, term: "dumb", want: false},
		{name: "--no-color", out: tty, term: "xterm", color: "never", want: false},
		{name: "always on a pipe", out: pw, term: "xterm", color: "always", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("NO_COLOR", tt.noColor)
			t.Setenv("TERM", tt.term)
			w := tt.out.(interface{ Write([]byte) (int, error) })
			r, err := newRenderer(TailOptions{Color: tt.color}, w)
			if err != nil {
				t.Fatal(err)
			}
			if r.color != tt.want {
				t.Errorf("got colour %v, want %v", r.color, tt.want)
			}
		})
	}
}
