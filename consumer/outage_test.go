package consumer

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/tailcast/tailcast/internal/kafkatest"
	"github.com/tailcast/tailcast/internal/wait"
)

func TestStartOffset(t *testing.T) {
	tests := []struct {
		name                                         string
		committed, delivered, oldest, newest, warmup int64
		want                                         int64
		keep                                         bool // committed offset stands
	}{
		{"committed stands", 5, -1, 0, 10, 3, 5, true},
		{"committed at the end rewinds to warm", 10, -1, 0, 10, 3, 7, false},
		{"committed at the end stands without warmup", 10, -1, 0, 10, -1, 10, true},
		{"fresh group warmup", -1, -1, 0, 10, 3, 7, false},
		{"warmup bounded by oldest", -1, -1, 4, 10, 100, 4, false},
		{"negative warmup starts at newest", -1, -1, 0, 10, -1, 10, false},
		{"empty partition", -1, -1, 0, 0, 3, 0, false},
		{"committed deleted by retention", 2, -1, 4, 10, 3, 4, false},
		{"committed beyond the end", 50, -1, 0, 10, 3, 7, false},
		{"delivered ahead of committed", 5, 8, 0, 10, 3, 8, false},
		{"delivered ahead of fresh group", -1, 8, 0, 10, 3, 8, false},
		{"delivered behind committed", 9, 6, 0, 10, 3, 9, true},
		{"delivered beyond the end", 5, 20, 0, 10, 3, 5, true},
		{"delivered deleted", 2, 3, 4, 10, 3, 4, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reason := startOffset(tt.committed, tt.delivered, tt.oldest, tt.newest, tt.warmup)
			if got != tt.want || (reason == "") != tt.keep {
				t.Errorf("got %d (reason %q), want %d (keep committed %v)", got, reason, tt.want, tt.keep)
			}
		})
	}
}

// TestOutageRiddenOut fails every fetch and group request for a while: the
// consumer must come back by itself and deliver every record exactly once.
func TestOutageRiddenOut(t *testing.T) {
	b := kafkatest.Start(t, "logs", 3)
	produce(t, b.Addr(), textMsg(0, "before 0"), textMsg(1, "before 1"), textMsg(2, "before 2"))
	sink := newRecSink()
	c := startConsumer(t, b.Addr(), sink, opts{})
	for p := int32(0); p < 3; p++ {
		wait.For(t, 15*time.Second, "first records", func() bool { return sink.count(p) == 1 })
	}

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	// Commits fail first, so the sink gets records the group never commits.
	commit := b.Cluster().Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.OffsetCommit}, Err: kerr.CoordinatorNotAvailable, Count: -1})
	produce(t, b.Addr(), batch("uncommitted", 3)...)
	for p := int32(0); p < 3; p++ {
		wait.For(t, 15*time.Second, "uncommitted records", func() bool { return sink.count(p) == 4 })
	}
	if err := commit.Wait(ctx, 1); err != nil {
		t.Fatalf("commits never hit the fault: %v", err)
	}

	// Then the outage: fetches fail, the coordinator forgets the member (as
	// after a broker restart) and refuses every group request. Fetch
	// sessions send no partitions once established, so the whole fetch
	// request fails.
	fetch := b.Cluster().Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Fetch}, Err: kerr.UnknownServerError, TopLevel: true, Count: -1})
	hb := b.Cluster().Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Heartbeat}, Err: kerr.UnknownMemberID, TopLevel: true, Count: -1})
	group := b.Cluster().Fault(kfake.Fault{
		Keys: []kmsg.Key{kmsg.JoinGroup, kmsg.SyncGroup, kmsg.OffsetFetch},
		Err:  kerr.CoordinatorNotAvailable, TopLevel: true, Count: -1,
	})
	if err := fetch.Wait(ctx, 3); err != nil {
		t.Fatalf("fetches never hit the fault: %v", err)
	}
	produce(t, b.Addr(), batch("during", 2)...)
	if err := hb.Wait(ctx, 1); err != nil {
		t.Fatalf("heartbeats never hit the fault: %v", err)
	}
	wait.For(t, 15*time.Second, "not ready during the outage", func() bool { return !c.Ready() })
	if err := group.Wait(ctx, 3); err != nil {
		t.Fatalf("group requests never hit the fault: %v", err)
	}
	for _, f := range []*kfake.FaultHandle{commit, fetch, hb, group} {
		f.Remove()
	}

	for p := int32(0); p < 3; p++ {
		wait.For(t, 30*time.Second, fmt.Sprintf("partition %d after the outage", p), func() bool { return sink.count(p) >= 6 })
	}
	wait.For(t, 15*time.Second, "ready again", c.Ready)
	if n := value(t, c.m.sessions); n < 2 {
		t.Errorf("group sessions: got %v, want at least 2 (the outage ended the first)", n)
	}
	for p := int32(0); p < 3; p++ {
		if got, want := fmt.Sprint(sink.offsets(p)), "[0 1 2 3 4 5]"; got != want {
			t.Errorf("partition %d: got offsets %s, want %s", p, got, want)
		}
	}
	sink.check(t)
}

// TestRebalance: a second member in the group takes some partitions; each
// member calls Begin again for what it keeps, and each record reaches
// exactly one of them.
func TestRebalance(t *testing.T) {
	b := kafkatest.Start(t, "logs", 3)
	s1, s2 := newRecSink(), newRecSink()
	c1 := startConsumer(t, b.Addr(), s1, opts{group: "shared"})
	wait.For(t, 15*time.Second, "first member ready", c1.Ready)
	c2 := startConsumer(t, b.Addr(), s2, opts{group: "shared"})
	wait.For(t, 30*time.Second, "both members ready with the partitions split", func() bool {
		return c1.Ready() && c2.Ready() && value(t, c1.m.assigned)+value(t, c2.m.assigned) == 3 && value(t, c2.m.assigned) > 0
	})
	if n := value(t, c1.m.sessions); n < 2 {
		t.Errorf("first member sessions: got %v, want at least 2 (a rebalance)", n)
	}

	var msgs []*sarama.ProducerMessage
	for p := int32(0); p < 3; p++ {
		msgs = append(msgs, textMsg(p, fmt.Sprintf("to %d", p)))
	}
	produce(t, b.Addr(), msgs...)
	for p := int32(0); p < 3; p++ {
		wait.For(t, 15*time.Second, fmt.Sprintf("partition %d delivered", p), func() bool { return s1.count(p)+s2.count(p) == 1 })
	}
	for p := int32(0); p < 3; p++ {
		if len(s1.beginsOf(p))+len(s2.beginsOf(p)) < 2 && len(s2.beginsOf(p)) > 0 {
			// A partition the second member took was begun by the first too.
			t.Errorf("partition %d: begins %v and %v, want the first member's then the second's", p, s1.beginsOf(p), s2.beginsOf(p))
		}
	}
	s1.check(t)
	s2.check(t)
}

// batch is n records per partition, in partition order within each round.
func batch(prefix string, n int) []*sarama.ProducerMessage {
	var out []*sarama.ProducerMessage
	for i := range n {
		for p := int32(0); p < 3; p++ {
			out = append(out, textMsg(p, fmt.Sprintf("%s %d", prefix, i)))
		}
	}
	return out
}
