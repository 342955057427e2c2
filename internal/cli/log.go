package cli

import (
	"fmt"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/tailcast/tailcast/internal/config"
)

// logSettings are the log flags of the commands that log.
type logSettings struct {
	level, format string
}

func (l *logSettings) bind(s *config.Set) {
	l.level, l.format = "info", "console"
	s.Bind(&l.level, "log-level", "log level: debug, info, warn or error")
	s.Bind(&l.format, "log-format", "log format: console or json")
}

func (l *logSettings) validate() []error {
	var errs []error
	var lvl zapcore.Level
	if err := lvl.Set(l.level); err != nil {
		errs = append(errs, fmt.Errorf("log-level %q: want debug, info, warn or error", l.level))
	}
	switch l.format {
	case "json", "console":
	default:
		errs = append(errs, fmt.Errorf("log-format %q: want json or console", l.format))
	}
	return errs
}

func (l *logSettings) logger(env Env) (*zap.Logger, error) {
	var lvl zapcore.Level
	if err := lvl.Set(l.level); err != nil {
		return nil, fmt.Errorf("log level: %w", err)
	}
	enc := zap.NewProductionEncoderConfig()
	enc.EncodeTime = zapcore.ISO8601TimeEncoder
	var encoder zapcore.Encoder
	if l.format == "json" {
		encoder = zapcore.NewJSONEncoder(enc)
	} else {
		enc.EncodeLevel = zapcore.CapitalLevelEncoder
		encoder = zapcore.NewConsoleEncoder(enc)
	}
	core := zapcore.NewCore(encoder, zapcore.AddSync(env.Stderr), lvl)
	return zap.New(core), nil
}
