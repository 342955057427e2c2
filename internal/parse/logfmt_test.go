package parse

import (
	"testing"
)

func TestIntoLogfmt(t *testing.T) {
	runIntoCases(t, []intoCase{
		{
			name:   "logrus",
			line:   `time="2026-01-02T15:04:05Z" level=info msg="user logged in" user=alice latency=12ms`,
			time:   "2026-01-02T15:04:05Z",
			level:  info,
			msg:    "user logged in",
			fields: `user=alice latency=12ms`,
		},
		{
			name:   "slog text handler",
			line:   `time=2026-01-02T15:04:05.000+01:00 level=WARN msg="slow query" db.statement="SELECT 1" duration=1.5s`,
			time:   "2026-01-02T14:04:05Z",
			level:  warn,
			msg:    "slow query",
			fields: `db.statement=SELECT 1 duration=1.5s`,
		},
		{
			name:    "escapes, empty value, service",
			line:    `level=error msg="failed: \"x\" not found" err="a\nb" empty= service=billing`,
			level:   erro,
			msg:     `failed: "x" not found`,
			fields:  "err=a\nb empty=",
			service: "billing",
		},
		{
			name:   "unix time and continuation line",
			line:   "ts=1767366245 lvl=dbg msg=tick\n  extra detail",
			time:   "2026-01-02T15:04:05Z",
			level:  debug,
			msg:    "tick\nextra detail",
			fields: ``,
		},
		{name: "one pair is not logfmt", line: `user=alice`, msg: `user=alice`},
		{name: "prose after pairs is not logfmt", line: `key=value and some text`, msg: `key=value and some text`},
		{name: "unterminated quote", line: `a=1 msg="oops`, msg: `a=1 msg="oops`},
	})
}
