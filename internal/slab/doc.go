// Package slab carves byte slices from shared blocks, so that many small
// values that live about as long as each other cost one allocation per
// block instead of one each. A block is freed by the garbage collector once
// nothing points into it; nothing is ever reused, so a value stays valid for
// as long as it is referenced.
//
// The collector carves record values from it per file, the pusher entry
// lines per partition: in both, values are released roughly in the order
// they were made, which is what keeps a block from being pinned long by
// one late value.
//
// A Slab is not safe for concurrent use; its owner serialises calls.
package slab
