package discordtest

import (
	"encoding/json"
	"testing"
)

// dispatchFrame writes what json.Marshal writes for the same frame.
func TestDispatchFrameMatchesMarshal(t *testing.T) {
	for _, c := range []struct {
		seq  int64
		t    string
		data string
	}{
		{1, "READY", `{"v":10,"user":{"id":"1"}}`},
		{42, "INTERACTION_CREATE", `{"id":"9","data":{"name":"café \u2028 \"q\""}}`},
		{1 << 40, "GUILD_CREATE", `[]`},
	} {
		seq, typ := c.seq, c.t
		want, err := json.Marshal(frame{Op: 0, D: json.RawMessage(c.data), S: &seq, T: &typ})
		if err != nil {
			t.Fatal(err)
		}
		if got := dispatchFrame(c.seq, c.t, json.RawMessage(c.data)); string(got) != string(want) {
			t.Errorf("dispatchFrame(%d, %q) =\n%s\nwant\n%s", c.seq, c.t, got, want)
		}
	}
}
