package collector

import (
	"bytes"
	"hash/crc64"
	"testing"
)

func TestStartOffset(t *testing.T) {
	content := bytes.Repeat([]byte("2026-01-02 INFO line\n"), 100) // 2100 bytes
	prefix := content[:fingerprintBytes]
	sum := func(b []byte) uint64 { return crc64.Checksum(b, crcTable) }
	saved := func(fpLen int, off int64) position {
		return position{ID: "saved-id", FpLen: fpLen, FpSum: sum(content[:fpLen]), Offset: off}
	}
	other := position{ID: "saved-id", FpLen: fingerprintBytes, FpSum: sum([]byte("something else")), Offset: 500}
	tests := []struct {
		name string
		f    startFacts
		want start
	}{
		{"checkpoint of this file", startFacts{size: 2100, prefix: prefix, saved: saved(fingerprintBytes, 700), hasSaved: true},
			start{action: startOpen, offset: 700, resume: true}},
		{"checkpoint of a file that grew past its short fingerprint", startFacts{size: 2100, prefix: prefix, saved: saved(40, 40), hasSaved: true},
			start{action: startOpen, offset: 40, resume: true}},
		{"checkpoint of an empty file", startFacts{size: 2100, prefix: prefix, saved: saved(0, 0), hasSaved: true},
			start{action: startOpen, offset: 0, resume: true}},
		{"checkpoint at the end", startFacts{size: 2100, prefix: prefix, saved: saved(fingerprintBytes, 2100), hasSaved: true},
			start{action: startOpen, offset: 2100, resume: true}},
		{"truncated while down: offset past the end", startFacts{size: 300, prefix: content[:300], saved: saved(fingerprintBytes, 700), hasSaved: true},
			start{action: startOpen}},
		{"truncated below the fingerprint", startFacts{size: 2100, prefix: prefix[:500], saved: saved(fingerprintBytes, 400), hasSaved: true},
			start{action: startOpen}},
		{"inode reused by another content", startFacts{size: 2100, prefix: prefix, saved: other, hasSaved: true},
			start{action: startOpen}},
		{"checkpoint wins over copy and first start", startFacts{size: 2100, prefix: prefix, saved: saved(fingerprintBytes, 700), hasSaved: true,
			copy: copyLive, first: true, fromStart: false},
			start{action: startOpen, offset: 700, resume: true}},
		{"copy of a truncated file", startFacts{size: 2100, prefix: prefix, copy: copyGhost, ghostOff: 1500},
			start{action: startOpen, offset: 1500}},
		{"copy of a truncated file still being written", startFacts{size: 1100, prefix: prefix, copy: copyGhost, ghostOff: 1500},
			start{action: startOpen, offset: 1500, copying: true}},
		{"copy of a file being read", startFacts{size: 2100, prefix: prefix, copy: copyLive},
			start{action: startDefer}},
		{"copy of a file being read, put off enough", startFacts{size: 2100, prefix: prefix, copy: copyLive, deferred: maxDefer},
			start{action: startOpen, offset: 2100}},
		{"maybe a copy in progress", startFacts{size: 100, prefix: prefix[:100], copy: copyPartial, deferred: maxDefer - 1},
			start{action: startDefer}},
		{"maybe a copy, put off enough", startFacts{size: 100, prefix: prefix[:100], copy: copyPartial, deferred: maxDefer},
			start{action: startOpen}},
		{"empty new file", startFacts{size: 0},
			start{action: startLater}},
		{"empty at first start", startFacts{size: 0, first: true},
			start{action: startOpen}},
		{"present at first start", startFacts{size: 2100, prefix: prefix, first: true},
			start{action: startOpen, offset: 2100}},
		{"present at first start, FromStart", startFacts{size: 2100, prefix: prefix, first: true, fromStart: true},
			start{action: startOpen}},
		{"unknown to an existing positions file", startFacts{size: 2100, prefix: prefix, first: true, state: true},
			start{action: startOpen}},
		{"created later", startFacts{size: 2100, prefix: prefix},
			start{action: startOpen}},
		{"rotated: new file at the path", startFacts{size: 60, prefix: content[:60], state: true},
			start{action: startOpen}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := startOffset(tt.f)
			if got.reason == "" {
				t.Errorf("got no reason for %+v", got)
			}
			got.reason = ""
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
