// Package selfcpu reads the CPU time the calling process has used, for the
// bench tools that report their own cost beside their figures. It is safe
// for concurrent use.
package selfcpu
