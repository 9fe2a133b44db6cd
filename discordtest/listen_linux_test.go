package discordtest

import (
	"net"
	"net/url"
	"syscall"
	"testing"
)

// A connection to the server uses Internet-sized segments, not loopback's.
func TestListenClampsSegmentSize(t *testing.T) {
	srv := New(t)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	raw, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var mss int
	var serr error
	if err := raw.Control(func(fd uintptr) {
		mss, serr = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_MAXSEG)
	}); err != nil {
		t.Fatal(err)
	}
	if serr != nil {
		t.Fatal(serr)
	}
	if mss > internetMSS {
		t.Errorf("client's segment size = %d bytes, want at most %d", mss, internetMSS)
	}
}
