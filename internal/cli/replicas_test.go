package cli

import (
	"net/http"
	"net/url"
	"os"
	"testing"

	"github.com/IBM/sarama"

	"github.com/tailcast/tailcast/internal/client"
	"github.com/tailcast/tailcast/internal/kafkatest"
	"github.com/tailcast/tailcast/internal/wait"
)

// Two `serve` replicas on one host with the default group each get a group
// of their own, named after their listen address: both stay ready and both
// deliver every record. Sharing one default group, they fenced each other
// as static members with the same id (kfake keeps the newer one, so the
// first lost its session at its next heartbeat and /readyz stayed 503).
func TestTwoServeReplicasOnOneHost(t *testing.T) {
	b := kafkatest.Start(t, "logs", 3)
	args := []string{"serve", "--brokers", b.Addr(), "--listen", "127.0.0.1:0", "--log-level", "warn"}
	first := start(t, true, args...) // start waits for /readyz
	second := start(t, true, args...)

	admin, err := sarama.NewClusterAdmin([]string{b.Addr()}, sarama.NewConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	var groups []string
	for _, s := range []*started{first, second} {
		u, err := url.Parse(s.url)
		if err != nil {
			t.Fatal(err)
		}
		groups = append(groups, "tailcast-"+host+"-"+u.Host)
	}
	wait.For(t, waitFor, "one stable member in each replica's group", func() bool {
		desc, err := admin.DescribeConsumerGroups(groups)
		if err != nil || len(desc) != len(groups) {
			return false
		}
		for _, d := range desc {
			if d.State != "Stable" || len(d.Members) != 1 {
				return false
			}
		}
		return true
	})

	conns := []*client.Conn{dial(t, first.url, client.Options{}), dial(t, second.url, client.Options{})}
	sc := sarama.NewConfig()
	sc.Producer.Return.Successes = true
	p, err := sarama.NewSyncProducer([]string{b.Addr()}, sc)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	want := []string{"to every replica 1", "to every replica 2", "to every replica 3"}
	for i, m := range want {
		// Keys spread the records over the partitions.
		msg := &sarama.ProducerMessage{Topic: "logs", Key: sarama.StringEncoder([]string{"a", "b", "c"}[i]), Value: sarama.StringEncoder(m)}
		if _, _, err := p.SendMessage(msg); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range conns {
		if got := msgs(collect(t, c, len(want))); !sameSet(got, want) {
			t.Errorf("replica %d: got %q, want %q", i+1, got, want)
		}
	}
	for _, s := range []*started{first, second} {
		resp, err := http.Get(s.url + "readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%sreadyz: got %d, want 200", s.url, resp.StatusCode)
		}
	}
	second.stop(t)
	first.stop(t)
}
