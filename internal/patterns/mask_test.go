package patterns

import (
	"strings"
	"testing"
)

func masked(line string) string {
	var t tokenizer
	t.split(line, defaultMaxTokens, defaultMaxLineBytes)
	out := make([]string, len(t.toks))
	for i, s := range t.toks {
		out[i] = string(t.buf[s.start:s.end])
	}
	return strings.Join(out, " ")
}

// TestMask masks the variables of real lines (loghub messages, as parse
// gives them) and of the shapes the issue names.
func TestMask(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"HDFS block and numbers", "dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_-7483426835701512490 terminating",
			"<*> PacketResponder <*> for block blk_<*> terminating"},
		{"HDFS ip:port and path", "dfs.DataNode$DataXceiver: 10.251.71.97:50010 Served block blk_6552418180158772377 to /10.251.39.242",
			"<*> Served block blk_<*> to <*>"},
		{"OpenSSH pid in brackets", "sshd[24200]: Received disconnect from 183.62.140.253: 11: Bye Bye [preauth]",
			"sshd[<*>]: Received disconnect from <*> Bye Bye [preauth]"},
		{"Android key=value list", "ready=true,policy=3,wakefulness=1,wksummary=0x23",
			"ready=true,policy=<*>,wakefulness=<*>,wksummary=<*>"},
		{"ids of mostly values are one", "Found block rdd_42_12 locally", "Found block <*> locally"},
		{"ids with a word keep it", "block blk_-42 of node-7", "block blk_<*> of node-<*>"},
		{"dotted names", "dfs.DataNode$DataXceiver: sent to proxy.example.com:443 by chrome.exe", "<*> sent to <*> by <*>"},
		{"run of values is one", "[10.30 16:49:06] chrome.exe *64 - open", "<*> - open"},
		{"uuid", "request 123e4567-e89b-12d3-a456-426614174000 done", "request <*> done"},
		{"hex", "at 0x7fff5fbff8a8 and deadbeef99", "at <*> and <*>"},
		{"duration and size", "took 1.5ms for 12KB", "took <*> for <*>"},
		{"quoted with spaces", `user "John Smith" said 'hello world' ok`, "user <*> said <*> ok"},
		{"quoted value", `msg="disk is full" code=7`, `msg="<*>" code=<*>`},
		{"apostrophe stays", "don't stop", "don't stop"},
		{"paths and urls", "open /var/log/syslog and C:\\Windows\\x.dll via https://example.com/a", "open <*> and <*> via <*>"},
		{"words with letters only stay", "Connection closed by peer", "Connection closed by peer"},
		{"white space runs", "  a \t b  ", "a b"},
		{"invalid utf-8 is a value", "bad \xff\xfe bytes", "bad <*> bytes"},
	}
	for _, tt := range tests {
		if got := masked(tt.in); got != tt.want {
			t.Errorf("%s: masked %q: got %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

// TestMaskBounds checks the caps: tokens past MaxTokens become one
// trailing wildcard, bytes past MaxLineBytes are not read, and a cut never
// splits a character.
func TestMaskBounds(t *testing.T) {
	var tk tokenizer
	tk.split(strings.Repeat("word ", 1000), 8, 1<<20)
	if got := len(tk.toks); got != 8 {
		t.Fatalf("tokens of a 1000-word line with MaxTokens 8: got %d, want 8", got)
	}
	if last := tk.toks[7]; string(tk.buf[last.start:last.end]) != wildcard {
		t.Errorf("last token: got %q, want %q", tk.buf[last.start:last.end], wildcard)
	}
	tk.split("ab é", 8, 4) // "é" is 2 bytes at 3..4: a cut at 4 would split it
	if got, want := masked2(&tk), "ab"; got != want {
		t.Errorf("cut inside a character: got %q, want %q", got, want)
	}
}

func masked2(t *tokenizer) string {
	out := make([]string, len(t.toks))
	for i, s := range t.toks {
		out[i] = string(t.buf[s.start:s.end])
	}
	return strings.Join(out, " ")
}
