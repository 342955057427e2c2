//go:build unix

package httpserve

import (
	"fmt"
	"syscall"
)

// fdLimit is the process's soft limit on open files. The Go runtime has
// already raised it to the hard limit at start on Linux.
func fdLimit() (uint64, error) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0, fmt.Errorf("read RLIMIT_NOFILE: %w", err)
	}
	return uint64(r.Cur), nil //nolint:unconvert // int64 on some platforms
}
