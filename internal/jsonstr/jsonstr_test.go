package jsonstr

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestAppend(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // decoded by encoding/json
	}{
		{"plain", "hello", "hello"},
		{"quotes and backslash", `say "hi" \ bye`, `say "hi" \ bye`},
		{"newlines", "line1\nline2\r\n\tend", "line1\nline2\r\n\tend"},
		{"control chars", "a\x00b\x01c\x1fd\x7f", "a\x00b\x01c\x1fd\x7f"},
		{"invalid utf8", "ok\xff\xfe done \xc3", "ok\ufffd\ufffd done \ufffd"},
		{"line separators", "a\u2028b\u2029c", "a\u2028b\u2029c"},
		{"html", "<script>&</script>", "<script>&</script>"},
		{"unicode", "日本語 ✓ 🎉", "日本語 ✓ 🎉"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := Append(nil, tt.in)
			if !utf8.Valid(b) {
				t.Fatalf("output %q is not valid UTF-8", b)
			}
			for _, c := range b {
				if c < 0x20 {
					t.Fatalf("output %q contains raw control byte %#x", b, c)
				}
			}
			if strings.Contains(string(b), "\u2028") || strings.Contains(string(b), "\u2029") {
				t.Fatalf("output %q contains a raw U+2028/2029", b)
			}
			var got string
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("decode %q: %v", b, err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
