package broker

import (
	"testing"

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
