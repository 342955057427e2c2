package patterns

// Config bounds one Miner. The zero value is the default configuration,
// which is the one every log gets: nothing here is meant to be tuned per
// dataset.
type Config struct {
	// MaxPatterns caps the patterns a miner keeps; past it the least
	// recently seen pattern is evicted (and counted in Stats.Evicted).
	// Default 1000.
	MaxPatterns int
	// MaxTokens caps the tokens of a line that are mined; the rest of the
	// line becomes one trailing wildcard. Default 64.
	MaxTokens int
	// MaxLineBytes caps the bytes of a line that are read; the rest is
	// ignored like the tokens past MaxTokens. Default 4096.
	MaxLineBytes int
	// Similarity is the share of positions where a line must hold the
	// pattern's token to join it (Drain's st), positions where both hold
	// the same value left out. Default 0.75.
	Similarity float64
	// MinWords is the number of distinct words a place in a pattern must
	// show before it becomes a variable; until then each word makes a
	// pattern of its own (1: any word that differs is a variable at once,
	// as in Drain). Default 4.
	MinWords int
	// Depth is the number of leading tokens that route a line in the
	// prefix tree (Drain's depth minus the root and length layers).
	// Default 2.
	Depth int
	// MaxChildren caps the distinct tokens per prefix-tree node; further
	// tokens share the node's wildcard child. Default 100.
	MaxChildren int
}

const (
	defaultMaxPatterns  = 1000
	defaultMaxTokens    = 64
	defaultMaxLineBytes = 4096
	defaultSimilarity   = 0.75
	defaultDepth        = 2
	defaultMinWords     = 4
	defaultMaxChildren  = 100
)

func (c Config) withDefaults() Config {
	if c.MaxPatterns <= 0 {
		c.MaxPatterns = defaultMaxPatterns
	}
	if c.MaxTokens <= 0 {
		c.MaxTokens = defaultMaxTokens
	}
	if c.MaxTokens < 2 {
		c.MaxTokens = 2
	}
	if c.MaxLineBytes <= 0 {
		c.MaxLineBytes = defaultMaxLineBytes
	}
	if c.Similarity <= 0 || c.Similarity > 1 {
		c.Similarity = defaultSimilarity
	}
	if c.MinWords <= 0 {
		c.MinWords = defaultMinWords
	}
	if c.Depth <= 0 {
		c.Depth = defaultDepth
	}
	if c.MaxChildren <= 0 {
		c.MaxChildren = defaultMaxChildren
	}
	return c
}
