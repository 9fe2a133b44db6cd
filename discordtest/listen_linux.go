package discordtest

import "syscall"

// clampMSS sets TCP_MAXSEG on the listening socket: connections it accepts
// announce, and send, segments of at most internetMSS bytes.
func clampMSS(_, _ string, c syscall.RawConn) error {
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_MAXSEG, internetMSS)
	}); err != nil {
		return err
	}
	return serr
}
