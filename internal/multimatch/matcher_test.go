package multimatch

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// want is what Find must report: the ids of the words strings.Contains
// finds in text, sorted.
func want(words []string, text string) []int32 {
	var out []int32
	for i, w := range words {
		if strings.Contains(text, w) {
			out = append(out, int32(i))
		}
	}
	return out
}

func find(m *Matcher, text string, f *Found) []int32 {
	m.Find(text, f)
	got := slices.Clone(f.IDs())
	slices.Sort(got)
	return got
}

func TestFind(t *testing.T) {
	long := strings.Repeat("ab", MaxDepth) + "c" // past MaxDepth
	tests := []struct {
		name  string
		words []string
		text  string
	}{
		{"none", []string{"timeout", "refused"}, "user login succeeded"},
		{"one", []string{"timeout", "refused"}, "connection refused by upstream"},
		{"both, twice each", []string{"timeout", "refused"}, "refused timeout refused timeout"},
		{"empty text", []string{"a", "bc"}, ""},
		{"no words", nil, "anything"},
		{"empty word", []string{"", "x"}, "abc"},
		{"empty word, empty text", []string{""}, ""},
		{"overlapping", []string{"abcd", "bcde", "cd"}, "xxabcdexx"},
		{"prefixes", []string{"a", "ab", "abc", "abcd"}, "abc"},
		{"suffixes", []string{"abcd", "bcd", "cd", "d"}, "zbcd"},
		{"suffix through a failure", []string{"he", "she", "his", "hers"}, "ushers"},
		{"a word inside another that fails", []string{"abcx", "bc"}, "abcy"},
		{"repeated letters", []string{"aa", "aaa", "aab"}, "aaaa"},
		{"duplicate words", []string{"cache", "cache", "miss"}, "cache hit"},
		{"at the very end", []string{"end"}, "the end"},
		{"at the very start", []string{"the"}, "the end"},
		{"whole text", []string{"the end"}, "the end"},
		{"longer than the text", []string{"the end!"}, "the end"},
		{"utf-8", []string{"größe", "ß", "日本", "本語"}, "die Größe: 日本語"},
		{"utf-8 bytes across runes", []string{"\xc3", "\xa4"}, "ä"},
		{"nul and high bytes", []string{"\x00u3", "\xff"}, "msg\x00u3\x00v"},
		{"case matters", []string{"GET", "get"}, "GET /api"},
		{"long word present", []string{long, "ab"}, "x" + long + "y"},
		{"long word's prefix only", []string{long, "ab"}, "x" + long[:len(long)-1] + "d"},
		{"long words sharing a prefix", []string{long, long[:len(long)-1] + "d"}, "x" + long[:len(long)-1] + "d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New(tt.words)
			var f Found
			for range 2 { // a reused Found forgets the last search
				if got, w := find(m, tt.text, &f), want(tt.words, tt.text); !slices.Equal(got, w) {
					t.Fatalf("words %q in %q: got %v, want %v", tt.words, tt.text, got, w)
				}
			}
			if got := find(m, "", &f); !slices.Equal(got, want(tt.words, "")) {
				t.Errorf("after a search, empty text: got %v, want %v", got, want(tt.words, ""))
			}
		})
	}
}

// TestFindRandomized compares Find with strings.Contains on random words
// and texts from a small alphabet (many overlaps, prefixes and suffixes),
// with multi-byte runes, and with a reused Found.
func TestFindRandomized(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabets := [][]string{
		{"a", "b"},
		{"a", "b", "c", "d"},
		{"a", "é", "日", "\x00", "Z"},
	}
	for round := range 300 {
		alpha := alphabets[round%len(alphabets)]
		str := func(n int) string {
			var b strings.Builder
			for range n {
				b.WriteString(alpha[rng.IntN(len(alpha))])
			}
			return b.String()
		}
		words := make([]string, 1+rng.IntN(40))
		for i := range words {
			words[i] = str(rng.IntN(8))
			if rng.IntN(20) == 0 {
				words[i] = str(MaxDepth + rng.IntN(4)) // past MaxDepth
			}
		}
		m := New(words)
		var f Found
		for range 20 {
			text := str(rng.IntN(60))
			if rng.IntN(4) == 0 { // a word in it for sure
				w := words[rng.IntN(len(words))]
				text = text[:len(text)/2] + w + text[len(text)/2:]
			}
			if got, w := find(m, text, &f), want(words, text); !slices.Equal(got, w) {
				t.Fatalf("round %d, words %q in %q: got %v, want %v", round, words, text, got, w)
			}
		}
	}
}

// TestFindPastTheTable: words the table has no room for are still found.
func TestFindPastTheTable(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	words := make([]string, 400)
	for i := range words {
		b := make([]byte, MaxDepth)
		for j := range b {
			b[j] = byte(rng.IntN(256))
		}
		words[i] = string(b)
	}
	m := New(words)
	if len(m.rest) == 0 || len(m.next) > MaxCells {
		t.Fatalf("got %d words left out and a table of %d cells, want some left out and at most %d", len(m.rest), len(m.next), MaxCells)
	}
	var f Found
	for i := range 200 {
		text := "x" + words[rng.IntN(len(words))] + words[rng.IntN(len(words))][:10]
		if i%3 == 0 {
			text = words[len(words)-1-i%len(words)]
		}
		if got, w := find(m, text, &f), want(words, text); !slices.Equal(got, w) {
			t.Fatalf("text %d: got %v, want %v", i, got, w)
		}
	}
}

func BenchmarkFind(b *testing.B) {
	words := strings.Fields("timeout refused declined login cache slow retrying expired limit panic shipment invoice failed orders session kafka disk healthcheck token password upstream carts catalog customer")
	m := New(words)
	text := "tailcast-bench 0000012345 @@1765000000000000000 get /api/v1/catalog/items served in 123ms status 200\x00u42\x00200\x00123"
	var f Found
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		m.Find(text, &f)
	}
}

// BenchmarkNewWorst builds the matcher of 1,000 words of 32 random bytes:
// the table at its bound, the rest of the words left out.
func BenchmarkNewWorst(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	words := make([]string, 1000)
	for i := range words {
		w := make([]byte, MaxDepth)
		for j := range w {
			w[j] = byte(rng.IntN(256))
		}
		words[i] = string(w)
	}
	for b.Loop() {
		New(words)
	}
}
