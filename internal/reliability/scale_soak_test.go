//go:build reliability

package reliability

// defaultScale under the reliability build tag (make test-reliability) is
// the soak size: 1M lines and 20 kills for the collector, 10k
// connect/disconnect cycles, and so on. TAILCAST_RELIABILITY_SCALE
// overrides it.
const defaultScale = 10.0
