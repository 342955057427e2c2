package collector

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestAppendPositions: the hand-written positions file decodes, with
// encoding/json, to what encoding/json's own encoding of it decodes to,
// for paths that need escaping; and encoding it again allocates nothing.
func TestAppendPositions(t *testing.T) {
	tests := []struct {
		name string
		ps   []position
	}{
		{"none", nil},
		{"one", []position{{ID: "803:1a:00000000000000ff", Path: "/var/log/app.log", Dev: 2051, Ino: 26, FpLen: 1024, FpSum: 1<<64 - 1, Offset: 1 << 40}}},
		{"paths that need escaping", []position{
			{ID: "a", Path: `/logs/"quoted" \ back`, Dev: 1, Ino: 2},
			{ID: "b", Path: "/logs/new\nline\ttab", Dev: 1, Ino: 3, Offset: 7},
			{ID: "c", Path: "/logs/日本語\u2028.log", Dev: 1, Ino: 4},
			{ID: "d", Path: "/logs/bad\xff\xfe.log", Dev: 1, Ino: 5},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got, want positionsFile
			b := appendPositions(nil, tt.ps)
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("decode %q: %v", b, err)
			}
			ref, err := json.Marshal(positionsFile{Version: 1, Files: tt.ps})
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(ref, &want); err != nil {
				t.Fatal(err)
			}
			if len(want.Files) == 0 {
				want.Files = got.Files[:0:0] // null and [] both mean none
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v, want %+v", got, want)
			}
			buf := make([]byte, 0, 2*len(b))
			if n := testing.AllocsPerRun(100, func() { buf = appendPositions(buf[:0], tt.ps) }); n != 0 {
				t.Errorf("allocations per encoding into a reused buffer: got %v, want 0", n)
			}
		})
	}
}
