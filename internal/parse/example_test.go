package parse_test

import (
	"fmt"
	"time"

	"github.com/tailcast/tailcast/internal/parse"
	"github.com/tailcast/tailcast/proto/logpb"
)

func ExampleInto() {
	for _, line := range []string{
		`081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating`,
		`{"ts":1767366245.5,"level":"error","msg":"request failed","attempt":3}`,
	} {
		var e logpb.LogEntry
		parse.Into(&e, []byte(line))
		fmt.Println(time.Unix(0, e.TimeUnixNano).UTC().Format(time.RFC3339Nano), parse.LevelName(e.Level), e.Message)
		for _, f := range e.Fields {
			fmt.Printf("  %s=%s json=%v\n", f.Key, f.Value, f.Json)
		}
	}
	// Output:
	// 2008-11-09T20:36:15Z info dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating
	//   thread=148 json=false
	// 2026-01-02T15:04:05.5Z error request failed
	//   attempt=3 json=true
}
