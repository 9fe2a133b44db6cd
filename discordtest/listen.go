package discordtest

import (
	"context"
	"fmt"
	"net"
)

// internetMSS is the TCP maximum segment size of a path over Ethernet
// (1500-byte MTU), which is how a bot reaches Discord.
const internetMSS = 1460

// listen opens the server's socket on 127.0.0.1 with the segment size of an
// Internet path instead of loopback's 65,483 bytes (see clampMSS).
//
// Why: on loopback a bot that falls behind reading the gateway can be left
// advertising a receive window smaller than one 64 KiB segment. Linux then
// holds the queued gateway events until its window-probe timer fires (at
// least 200 ms), so a burst of interactions arrives 200 ms late. The load
// test saw that in about one run in fifteen; it never happens with
// Discord's real 1,460-byte segments, and with them it never happened
// here either (0 in 42 runs).
func listen() (net.Listener, error) {
	lc := net.ListenConfig{Control: clampMSS}
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("discordtest: listen: %w", err)
	}
	return ln, nil
}
