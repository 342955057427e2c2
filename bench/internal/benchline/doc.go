// Package benchline makes the load of the pusher benchmarks: fixed-size log
// lines stamped with the time they were published, and the token bucket
// that paces them. bench/cmd/ratelines appends the lines to a file,
// bench/cmd/pushserve publishes them straight into a pusher.Server, and
// bench/cmd/wsload finds the stamp behind the marker at the far end.
//
// A Bucket is not safe for concurrent use; Append is.
package benchline
