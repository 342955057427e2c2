//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package client

import "os"

func isTerminalFile(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
