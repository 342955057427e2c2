package broker

import (
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestKfakeLoggerLevels(t *testing.T) {
	tests := []struct {
		name  string
		level kfake.LogLevel
		want  zapcore.Level
		wrote bool
	}{
		{"error", kfake.LogLevelError, zapcore.ErrorLevel, true},
		{"warn", kfake.LogLevelWarn, zapcore.WarnLevel, true},
		{"info is debug", kfake.LogLevelInfo, zapcore.DebugLevel, true},
		{"debug", kfake.LogLevelDebug, zapcore.DebugLevel, true},
		{"none", kfake.LogLevelNone, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zapcore.DebugLevel)
			kfakeLogger{zap.New(core)}.Logf(tt.level, "partition %d: %s", 2, "gone")
			entries := logs.AllUntimed()
			if !tt.wrote {
				if len(entries) != 0 {
					t.Fatalf("got %d entries, want none", len(entries))
				}
				return
			}
			if len(entries) != 1 {
				t.Fatalf("got %d entries, want 1", len(entries))
			}
			if got := entries[0].Level; got != tt.want {
				t.Errorf("got level %v, want %v", got, tt.want)
			}
			if got, want := entries[0].Message, "partition 2: gone"; got != want {
				t.Errorf("got message %q, want %q", got, want)
			}
		})
	}
}

func TestKfakeLoggerSkipsDisabledLevels(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	kfakeLogger{zap.New(core)}.Logf(kfake.LogLevelInfo, "join %s", "g")
	if got := logs.Len(); got != 0 {
		t.Fatalf("got %d entries at info, want 0: kfake's info is debug", got)
	}
}

// Retention bounds the log by bytes on a running broker, without anyone
// calling kfake's ApplyRetention by hand.
func TestRetentionIsEnforced(t *testing.T) {
	b, err := Start(Config{Listen: "127.0.0.1:0", Partitions: 1, RetentionBytes: 4096, RetentionCheck: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	sc := sarama.NewConfig()
	sc.Producer.Return.Successes = true
	sc.Producer.Flush.MaxMessages = 1 // one batch per record, so retention can drop some
	p, err := sarama.NewSyncProducer([]string{b.Addr()}, sc)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	value := sarama.ByteEncoder(make([]byte, 500))
	for i := 0; i < 50; i++ {
		if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: "logs", Value: value}); err != nil {
			t.Fatal(err)
		}
	}
	client, err := sarama.NewClient([]string{b.Addr()}, sarama.NewConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		oldest, err := client.GetOffset("logs", 0, sarama.OffsetOldest)
		if err != nil {
			t.Fatal(err)
		}
		// 4 KiB holds at most 8 of these 500-byte records.
		if oldest >= 42 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("log start: got %d, want at least 42: retention not enforced", oldest)
		}
		time.Sleep(20 * time.Millisecond) // polling interval
	}
}
