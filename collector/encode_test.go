package collector

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/tailcast/tailcast/proto/logpb"
)

func randString(r *rand.Rand) string {
	const alphabet = "abc xyz=\"é世\t\n{}"
	rs := []rune(alphabet)
	n := r.IntN(4)
	switch n {
	case 0:
		return ""
	case 3:
		n = r.IntN(300) // two-byte length prefixes
	}
	out := make([]rune, n)
	for i := range out {
		out[i] = rs[r.IntN(len(rs))]
	}
	return string(out)
}

func randInt64(r *rand.Rand) int64 {
	switch r.IntN(5) {
	case 0:
		return 0
	case 1:
		return -r.Int64()
	case 2:
		return math.MaxInt64
	case 3:
		return r.Int64N(200)
	}
	return r.Int64()
}

func randEntry(r *rand.Rand) (*logpb.LogEntry, []logpb.Field) {
	e := &logpb.LogEntry{
		TimeUnixNano: randInt64(r), ReadTimeUnixNano: randInt64(r),
		Service: randString(r), Host: randString(r), Source: randString(r), FileId: randString(r),
		Offset: randInt64(r), Level: logpb.Level(r.IntN(7)), Message: randString(r),
		Truncated: r.IntN(2) == 0,
	}
	if r.IntN(10) == 0 {
		e.Level = -1 // negative enum values take ten bytes
	}
	if raw := randString(r); raw != "" {
		e.Raw = []byte(raw + "\xff\xfe") // bytes need not be UTF-8
	}
	for range r.IntN(4) {
		e.Fields = append(e.Fields, &logpb.Field{Key: randString(r), Value: randString(r), Json: r.IntN(2) == 0})
	}
	var extra []logpb.Field
	for range r.IntN(3) {
		extra = append(extra, logpb.Field{Key: randString(r), Value: randString(r)})
	}
	return e, extra
}

// TestAppendEntryMatchesProto checks the hand-written encoder against
// proto.Marshal byte for byte, and that the result unmarshals to the entry.
func TestAppendEntryMatchesProto(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 5000 {
		e, extra := randEntry(r)
		prefix := []byte("prefix")
		got := appendEntry(prefix, e, extra)[len(prefix):]
		if !bytes.Equal(prefix, []byte("prefix")) {
			t.Fatalf("entry %d: the bytes before the entry were changed", i)
		}
		if n := entrySize(e, extra); n != len(got) {
			t.Fatalf("entry %d: got size %d, want %d", i, n, len(got))
		}
		whole := proto.Clone(e).(*logpb.LogEntry)
		for j := range extra {
			whole.Fields = append(whole.Fields, &extra[j])
		}
		want, err := proto.MarshalOptions{Deterministic: true}.Marshal(whole)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("entry %d (%v): got\n%x\nwant\n%x", i, whole, got, want)
		}
		var back logpb.LogEntry
		if err := proto.Unmarshal(got, &back); err != nil {
			t.Fatalf("entry %d: unmarshal: %v", i, err)
		}
		if !proto.Equal(&back, whole) {
			t.Fatalf("entry %d: got %v, want %v", i, &back, whole)
		}
	}
}

// TestAppendEntryCoversSchema fails when entry.proto gains a field the
// encoder does not write.
func TestAppendEntryCoversSchema(t *testing.T) {
	tests := []struct {
		name string
		msg  protoreflect.MessageDescriptor
		want int
	}{
		{"LogEntry", (&logpb.LogEntry{}).ProtoReflect().Descriptor(), 12},
		{"Field", (&logpb.Field{}).ProtoReflect().Descriptor(), 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.msg.Fields().Len(); got != tt.want {
				t.Fatalf("got %d fields, want %d: update encode.go", got, tt.want)
			}
		})
	}
}
