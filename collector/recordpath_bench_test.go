package collector

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/IBM/sarama"

	"github.com/tailcast/tailcast/internal/multiline"
)

// BenchmarkRecordPath measures the collector's own cost per line between
// the joiner and Kafka, without Kafka: send makes the record, handOff takes
// its batch's budget and tracks it, and a goroutine standing for sarama
// acknowledges every record as it comes (applyAcks, as the success loop
// does). What sarama itself costs is measured beside the collector by
// bench/cmd/saramaonly.
func BenchmarkRecordPath(b *testing.B) {
	line := []byte(strings.Repeat("x", 130))
	ch := make(chan *sarama.ProducerMessage, 4096) // sarama's ChannelBufferSize, as the collector sets it
	tf := newTestTail(ch, 64<<20, handOffBytes)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		applyAcks(ch, tf.deps.budget, tf.deps.stats)
	}()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if !tf.send(ctx, multiline.Entry{Data: line, End: int64(i+1) * 131}, false) {
			b.Fatal("send: got false, want true")
		}
		if i%1000 == 999 {
			tf.slab.Release() // as a reader does when caught up: the slab would grow for good
		}
	}
	tf.handOff(ctx)
	close(ch)
	wg.Wait()
	b.StopTimer()
	if got := tf.deps.stats.acked.Load(); got != int64(b.N) {
		b.Fatalf("got %d records acknowledged, want %d", got, b.N)
	}
	if got, want := tf.win.offset(), int64(b.N)*131; got != want {
		b.Fatalf("got offset %d, want %d", got, want)
	}
}
