package collector

import (
	"errors"
	"fmt"
	"testing"

	"github.com/IBM/sarama"
)

// TestFilePartition: a file's records go where sarama's hash partitioner
// put them when they carried the key host:path, for any partition count,
// so a file keeps one partition across an upgrade; a record the collector
// did not make (no msgMeta) is partitioned by its key.
func TestFilePartition(t *testing.T) {
	p := newFilePartitioner("logs")
	if !p.RequiresConsistency() {
		t.Error("got RequiresConsistency false, want true: a file's records must not move partition")
	}
	paths := []string{"/var/log/app.log", "/var/log/checkout/checkout.log", "/srv/x/y/z.log", "bad\xffname.log", ""}
	for _, host := range []string{"web-17", "h", "db-primary.example.com"} {
		for _, path := range paths {
			for _, n := range []int32{1, 2, 3, 6, 7, 12, 64, 100} {
				t.Run(fmt.Sprintf("%s:%s/%d", host, path, n), func(t *testing.T) {
					want := wantPartition(t, host+":"+path, n)
					msg := &sarama.ProducerMessage{Metadata: &msgMeta{fileHash: fileHash(host, path)}}
					got, err := p.Partition(msg, n)
					if err != nil || got != want {
						t.Errorf("got partition %d (%v), want %d", got, err, want)
					}
					foreign := &sarama.ProducerMessage{Key: sarama.StringEncoder(host + ":" + path)}
					if got, err := p.Partition(foreign, n); err != nil || got != want {
						t.Errorf("keyed record without metadata: got partition %d (%v), want %d", got, err, want)
					}
				})
			}
		}
	}
}

func TestNULRefused(t *testing.T) {
	tests := []struct {
		name string
		cfg  func(*Config)
	}{
		{"host", func(c *Config) { c.Host = "web\x00-1" }},
		{"service", func(c *Config) { c.Inputs[0].Service = "api\x00x" }},
		{"label key", func(c *Config) { c.Inputs[0].Labels = map[string]string{"e\x00nv": "prod"} }},
		{"label value", func(c *Config) { c.Inputs[0].Labels = map[string]string{"env": "pr\x00od"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig("127.0.0.1:1", Input{Pattern: t.TempDir() + "/*.log"})
			tt.cfg(&cfg)
			if _, err := New(cfg); !errors.Is(err, ErrNULByte) {
				t.Errorf("got %v, want ErrNULByte", err)
			}
		})
	}
}
