package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/IBM/sarama"
)

func TestDumpRoundTrip(t *testing.T) {
	type rec struct {
		key, value []byte
		headers    []sarama.RecordHeader
	}
	recs := []rec{
		{[]byte("host /var/log/app.log"), []byte("\x08\x01value"), []sarama.RecordHeader{{Key: []byte("content-type"), Value: []byte("application/x-protobuf")}}},
		{nil, []byte("plain line"), nil},
		{[]byte("k"), bytes.Repeat([]byte("v"), 300), []sarama.RecordHeader{{Key: []byte("a"), Value: nil}, {Key: []byte("b"), Value: []byte("2")}}},
	}
	var buf []byte
	for _, r := range recs {
		buf = appendRecord(buf, r.key, r.value, r.headers)
	}
	msgs, err := parseDump(buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != len(recs) {
		t.Fatalf("got %d records, want %d", len(msgs), len(recs))
	}
	for i, m := range msgs {
		var k []byte
		if m.Key != nil {
			k, _ = m.Key.Encode()
		} else if recs[i].key != nil {
			t.Errorf("record %d: got no key, want %q", i, recs[i].key)
		}
		v, _ := m.Value.Encode()
		if !bytes.Equal(k, recs[i].key) || !bytes.Equal(v, recs[i].value) {
			t.Errorf("record %d: got key %q value %q, want %q %q", i, k, v, recs[i].key, recs[i].value)
		}
		if got, want := fmt.Sprint(m.Headers), fmt.Sprint(recs[i].headers); len(m.Headers) != len(recs[i].headers) || got != want {
			t.Errorf("record %d: got headers %s, want %s", i, got, want)
		}
	}
	// Cut anywhere inside the last record (a cut at a record boundary is a
	// shorter dump, not a broken one).
	last := len(appendRecord(nil, recs[2].key, recs[2].value, recs[2].headers))
	for cut := 1; cut < last; cut++ {
		if _, err := parseDump(buf[:len(buf)-cut]); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("cut by %d: got %v, want %v", cut, err, io.ErrUnexpectedEOF)
		}
	}
}
