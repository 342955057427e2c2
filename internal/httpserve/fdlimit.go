package httpserve

import "fmt"

// connCap is the connection cap for a file descriptor limit: the limit
// less the reserve and the descriptors refusals may hold, lowered further to
// want when want is positive. reserve <= 0 takes the default. It returns
// the cap and the reserve used.
func connCap(limit uint64, reserve, want int) (capacity, used int, err error) {
	if reserve <= 0 {
		reserve = int(min(uint64(defaultFDReserve), limit/2))
	}
	avail := int64(min(limit, 1<<40)) - int64(reserve) - maxRefusing
	if avail < 1 {
		return 0, reserve, fmt.Errorf("%w: limit %d, reserve %d, %d for refusals", ErrNoFDs, limit, reserve, maxRefusing)
	}
	capacity = int(avail)
	if want > 0 && want < capacity {
		capacity = want
	}
	return capacity, reserve, nil
}
