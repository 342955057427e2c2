package pusher

import (
	"testing"
)

func TestDbgMulti(t *testing.T) {
	s, u := testServer(t, Config{})
	s.Begin(0, 0)
	var cs []*wsClient
	for range 3 {
		c := dial(t, u)
		c.hello()
		cs = append(cs, c)
	}
	s.Publish(0, 0, entry("a", "b", lInfo, "x"))
	for i, c := range cs {
		m := c.next()
		t.Logf("%d: %+v", i, m.Msg)
	}
}
