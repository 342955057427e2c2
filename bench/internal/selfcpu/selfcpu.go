package selfcpu

import (
	"syscall"
	"time"
)

// Used is the process's user plus system CPU time so far; 0 if the kernel
// cannot say.
func Used() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
