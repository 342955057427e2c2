package reliability

import (
	"bytes"
	"strconv"
	"sync"
)

// seqOf extracts the number after "seq=" (8 digits) in b, or -1.
func seqOf(b []byte) int {
	i := bytes.Index(b, []byte("seq="))
	if i < 0 || len(b) < i+12 {
		return -1
	}
	n, err := strconv.Atoi(string(b[i+4 : i+12]))
	if err != nil {
		return -1
	}
	return n
}

// tally is a multiset of sequence numbers seen on the topic or by a viewer.
type tally struct {
	mu      sync.Mutex
	seen    map[int]int
	records int // every record, numbered or not
	other   int // records without a seq
}

func newTally() *tally { return &tally{seen: map[int]int{}} }

func (c *tally) add(seq int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.records++
	if seq < 0 {
		c.other++
		return
	}
	c.seen[seq]++
}

// summary over [0, n): how many are missing, the duplicates in total, and
// the most copies of one line.
func (c *tally) summary(n int) (missing, dups, maxCopies int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range n {
		k := c.seen[i]
		if k == 0 {
			missing++
			continue
		}
		dups += k - 1
		maxCopies = max(maxCopies, k)
	}
	return
}

func (c *tally) count(seq int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen[seq]
}

func (c *tally) firstMissing(n int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range n {
		if c.seen[i] == 0 {
			return i
		}
	}
	return -1
}
