//go:build !reliability

package reliability

// defaultScale keeps the suite at its CI size (a few minutes with -race on
// two cores). TAILCAST_RELIABILITY_SCALE overrides it.
const defaultScale = 1.0
