//go:build !unix

package httpserve

// fdLimit has no RLIMIT_NOFILE to read here; Windows handles are limited
// by memory, so the cap comes from Config.MaxConns alone.
func fdLimit() (uint64, error) { return 1 << 24, nil }
