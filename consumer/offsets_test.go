package consumer

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tailcast/tailcast/internal/kafkaconf"
	"github.com/tailcast/tailcast/internal/kafkatest"
)

func TestOffsetForTime(t *testing.T) {
	b := kafkatest.Start(t, "logs", 2)
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	// Partition 0: offsets 0..9, one a minute from base. Partition 1: empty.
	for i := range 10 {
		m := textMsg(0, "line")
		m.Timestamp = base.Add(time.Duration(i) * time.Minute)
		produce(t, b.Addr(), m)
	}
	c := startConsumer(t, b.Addr(), newRecSink(), opts{})
	tests := []struct {
		name string
		part int32
		at   time.Time
		want int64
	}{
		{"before everything", 0, base.Add(-time.Hour), 0},
		{"exactly a record", 0, base.Add(3 * time.Minute), 3},
		{"between records", 0, base.Add(3*time.Minute + time.Second), 4},
		{"after everything: the high watermark", 0, base.Add(time.Hour), 10},
		{"empty partition", 1, base, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			off, start, err := c.OffsetForTime(context.Background(), tt.part, tt.at)
			if err != nil {
				t.Fatalf("OffsetForTime: %v", err)
			}
			if off != tt.want || start != 0 {
				t.Errorf("got offset %d, log start %d; want %d, 0", off, start, tt.want)
			}
		})
	}
}

func TestOffsetForTimeNotStarted(t *testing.T) {
	c, err := New(Config{Kafka: kafkaconf.Config{Brokers: []string{"127.0.0.1:1"}}, Group: "g", Sink: newRecSink()})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.OffsetForTime(context.Background(), 0, time.Now()); !errors.Is(err, ErrNotStarted) {
		t.Errorf("got %v, want ErrNotStarted", err)
	}
}
