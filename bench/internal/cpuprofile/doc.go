// Package cpuprofile starts a CPU profile for the bench tools' -cpuprofile
// flag. Start is called once per process; the profiler is process-wide.
package cpuprofile
