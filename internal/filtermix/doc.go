// Package filtermix is the realistic mix of distinct viewer filters that
// the fan-out benchmark of issue 14 ("many viewers, each with its own
// filter") runs: the shape of every published entry, the filter of each
// viewer (a service, a q word, a re, a where on a field, a minimum level,
// or a mix of them, no two viewers alike), and a reference matcher that
// says which entries a viewer must get.
//
// The reference matcher is written apart from the pusher's filters, on
// purpose: the benchmark and the pusher's tests check the pusher against
// it. Entries repeat their shape every Period sequence numbers, so that a
// viewer's expected matches over any range of sequence numbers are counted
// from one table (Mix.Expected) rather than by matching every entry again.
//
// A Mix is immutable once built and safe for concurrent use.
package filtermix
