package bot

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// interactionTap decodes a gateway session's INTERACTION_CREATE events
// once, itself, underneath discordgo.
//
// discordgo decodes every dispatch it reads three times over: the
// envelope (copying its data), then the event into its typed struct,
// whose UnmarshalJSON decodes the interaction again and then its data
// again; a Kudos button's payload carries the whole card message, so
// that is most of the bot's CPU for those events. The tap sits between
// the websocket and the TCP (or TLS) connection: each INTERACTION_CREATE
// arriving as one unfragmented text frame is decoded in one pass
// (decodeGatewayInteraction, equal to discordgo's decoding), kept by its
// ID, and handed on to discordgo as a stub of the same dispatch — same
// op, same sequence number, same type, data {"id": …} — which discordgo
// decodes for next to nothing, counts for heartbeats and resumes, and
// delivers to the InteractionCreate handler in its usual order; the
// handler swaps the stub for the interaction the tap kept (take).
//
// Every other frame — other events, control frames, binary (zlib)
// payloads, fragmented messages, a payload the tap cannot read — goes
// through unchanged, and discordgo decodes it as before. So does the
// whole connection behind a proxy (the tap would see the proxy's bytes),
// where the session dials as discordgo would.
type interactionTap struct {
	mu     sync.Mutex
	taken  map[string]tapped
	tapped atomic.Int64 // interactions decoded by the tap, for tests
	// tlsConfig, when set, replaces the default TLS settings of wss://
	// connections (tests trust their own server's certificate).
	tlsConfig *tls.Config
}

type tapped struct {
	i  *discordgo.Interaction
	at time.Time
}

// tapMaxFrame is the largest frame the tap reads whole; a larger one goes
// through to discordgo unchanged. Interactions are a few KiB.
const tapMaxFrame = 1 << 20

// tapKeep bounds how long an interaction the tap kept waits for its stub:
// kept ones are taken as soon as discordgo reads the next message, so
// only those of a connection that broke in between are left; they are
// dropped after this long (the interaction's token expires after 15 min).
const tapKeep = 15 * time.Minute

func newInteractionTap() *interactionTap {
	return &interactionTap{taken: make(map[string]tapped)}
}

// take returns the interaction the tap decoded for a stub with this ID,
// once, or nil when it kept none (the event came through discordgo whole).
func (t *interactionTap) take(id string) *discordgo.Interaction {
	t.mu.Lock()
	defer t.mu.Unlock()
	k, ok := t.taken[id]
	if !ok {
		return nil
	}
	delete(t.taken, id)
	return k.i
}

// keep holds i until its stub is taken, dropping any kept for longer
// than tapKeep.
func (t *interactionTap) keep(i *discordgo.Interaction, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.taken) >= 64 {
		for id, k := range t.taken {
			if now.Sub(k.at) > tapKeep {
				delete(t.taken, id)
			}
		}
	}
	t.taken[i.ID] = tapped{i: i, at: now}
}

// proxied reports whether the environment names an HTTP(S) proxy, which
// the gateway dial would go through.
func proxied() bool {
	for _, k := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"} {
		if os.Getenv(k) != "" {
			return true
		}
	}
	return false
}

// dialer is the websocket dialer of a session: discordgo's, with the tap
// under each connection unless a proxy is configured.
func (t *interactionTap) dialer() *websocket.Dialer {
	d := &websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: 15 * time.Second}
	if proxied() {
		return d
	}
	d.Proxy = nil
	nd := &net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}
	d.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := nd.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return t.wrap(c), nil
	}
	d.NetDialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := nd.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			c.Close()
			return nil, err
		}
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if t.tlsConfig != nil {
			cfg = t.tlsConfig.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName = host
		}
		tc := tls.Client(c, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			c.Close()
			return nil, err
		}
		return t.wrap(tc), nil
	}
	return d
}

// wrap puts the tap under one connection.
func (t *interactionTap) wrap(c net.Conn) net.Conn {
	return &tapConn{Conn: c, tap: t, r: bufio.NewReaderSize(c, 4096), inHeader: true}
}

// tapConn is a client websocket connection read through the tap: Read
// returns the server's bytes in order, with each INTERACTION_CREATE frame
// replaced by its stub. Writes go straight to the connection.
type tapConn struct {
	net.Conn
	tap      *interactionTap
	r        *bufio.Reader
	inHeader bool   // still in the HTTP upgrade response
	midLine  bool   // the last piece of it did not end its line
	out      []byte // bytes ready for Read
	pass     uint64 // payload bytes of the current frame to pass through as read
	frame    []byte // buffer of the last frame read whole
	err      error  // sticky: the websocket connection is done after a read error
}

func (c *tapConn) Read(p []byte) (int, error) {
	for len(c.out) == 0 && c.pass == 0 {
		if c.err != nil {
			return 0, c.err
		}
		c.err = c.next()
	}
	if len(c.out) > 0 {
		n := copy(p, c.out)
		c.out = c.out[n:]
		return n, nil
	}
	if uint64(len(p)) > c.pass {
		p = p[:c.pass]
	}
	n, err := c.r.Read(p)
	c.pass -= uint64(n)
	if err != nil {
		c.err = err
	}
	return n, err
}

// next reads the next piece of the stream: a line of the upgrade
// response, a frame read whole (and maybe replaced), or a frame's header
// with its payload left to pass through.
func (c *tapConn) next() error {
	if c.inHeader {
		line, err := c.r.ReadSlice('\n')
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
		c.out = line
		if err == nil && !c.midLine && (len(line) == 2 && line[0] == '\r' || len(line) == 1) {
			c.inHeader = false // the empty line that ends the response
		}
		c.midLine = err != nil
		return nil
	}
	if cap(c.frame) > 64<<10 {
		c.frame = nil // a big GUILD_CREATE's buffer is not kept for the connection's life
	}
	var hdr [14]byte
	if _, err := io.ReadFull(c.r, hdr[:2]); err != nil {
		return err
	}
	n := 2
	length := uint64(hdr[1] & 0x7f)
	switch length {
	case 126:
		if _, err := io.ReadFull(c.r, hdr[2:4]); err != nil {
			return err
		}
		length, n = uint64(binary.BigEndian.Uint16(hdr[2:4])), 4
	case 127:
		if _, err := io.ReadFull(c.r, hdr[2:10]); err != nil {
			return err
		}
		length, n = binary.BigEndian.Uint64(hdr[2:10]), 10
	}
	masked := hdr[1]&0x80 != 0
	if masked {
		if _, err := io.ReadFull(c.r, hdr[n:n+4]); err != nil {
			return err
		}
		n += 4
	}
	// FIN, no extension bits, text: a whole message in this frame.
	if hdr[0] != 0x81 || masked || length > tapMaxFrame {
		c.out = append(c.frame[:0], hdr[:n]...)
		c.frame = c.out
		c.pass = length
		return nil
	}
	buf := c.frame[:0]
	buf = append(buf, hdr[:n]...)
	if cap(buf)-len(buf) < int(length) {
		buf = append(make([]byte, 0, len(buf)+int(length)), buf...)
	}
	payload := buf[n : n+int(length)]
	if _, err := io.ReadFull(c.r, payload); err != nil {
		return err
	}
	buf = buf[:n+int(length)]
	c.frame = buf
	c.out = buf
	if stub := c.tap.intercept(payload); stub != nil {
		c.out = textFrame(buf[:0], stub)
		c.frame = c.out
	}
	return nil
}

// textFrame appends an unmasked, final text frame holding payload to dst.
// payload must not share dst's memory beyond len(dst).
func textFrame(dst, payload []byte) []byte {
	dst = append(dst, 0x81)
	switch l := len(payload); {
	case l < 126:
		dst = append(dst, byte(l))
	case l <= 0xffff:
		dst = append(dst, 126, byte(l>>8), byte(l))
	default:
		dst = append(dst, 127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(l))
	}
	return append(dst, payload...)
}

// intercept returns the stub that replaces a gateway message, or nil to
// pass it on unchanged: it must be a dispatch (op 0) of INTERACTION_CREATE
// with a sequence number, whose data decodes as an interaction with a
// numeric ID.
func (t *interactionTap) intercept(msg []byte) []byte {
	f, ok := dispatchFields(msg)
	if !ok || string(f.op) != "0" || string(f.t) != `"INTERACTION_CREATE"` || len(f.s) == 0 || len(f.d) == 0 || f.d[0] != '{' {
		return nil
	}
	for _, b := range f.s {
		if b < '0' || b > '9' {
			return nil
		}
	}
	i, err := decodeGatewayInteraction(f.d)
	if err != nil || i.ID == "" || i.Type == 0 {
		return nil
	}
	for k := 0; k < len(i.ID); k++ {
		if i.ID[k] < '0' || i.ID[k] > '9' {
			return nil
		}
	}
	t.keep(i, time.Now())
	t.tapped.Add(1)
	stub := make([]byte, 0, 64+len(f.s)+len(i.ID))
	stub = append(stub, `{"op":0,"s":`...)
	stub = append(stub, f.s...)
	stub = append(stub, `,"t":"INTERACTION_CREATE","d":{"id":"`...)
	stub = append(stub, i.ID...)
	return append(stub, `"}}`...)
}

// gatewayFields are the raw values of a gateway message's top-level keys.
type gatewayFields struct{ op, s, t, d []byte }

// dispatchFields finds the raw values of op, s, t and d in a gateway
// message, a JSON object, without decoding them. It reads only the top
// level, skipping nested values by their brackets and strings; anything
// it does not expect (escaped keys, a malformed object) returns false,
// and the message goes to discordgo as it is. The values are checked
// later: d by a full decode, op, s and t byte by byte.
func dispatchFields(msg []byte) (gatewayFields, bool) {
	var f gatewayFields
	i := skipSpace(msg, 0)
	if i >= len(msg) || msg[i] != '{' {
		return f, false
	}
	i++
	for {
		i = skipSpace(msg, i)
		if i >= len(msg) || msg[i] != '"' {
			return f, false
		}
		end := bytes.IndexByte(msg[i+1:], '"')
		if end < 0 {
			return f, false
		}
		key := msg[i+1 : i+1+end]
		if bytes.IndexByte(key, '\\') >= 0 {
			return f, false
		}
		i = skipSpace(msg, i+end+2)
		if i >= len(msg) || msg[i] != ':' {
			return f, false
		}
		i = skipSpace(msg, i+1)
		vend, ok := skipValue(msg, i)
		if !ok {
			return f, false
		}
		v := msg[i:vend]
		switch string(key) {
		case "op":
			f.op = v
		case "s":
			f.s = v
		case "t":
			f.t = v
		case "d":
			f.d = v
		}
		i = skipSpace(msg, vend)
		if i >= len(msg) {
			return f, false
		}
		switch msg[i] {
		case ',':
			i++
		case '}':
			return f, skipSpace(msg, i+1) == len(msg)
		default:
			return f, false
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the end of the JSON value starting at b[i]: a string,
// an object or array (to its matching bracket, strings inside skipped), or
// a number or literal (to the next delimiter). It checks brackets and
// strings only; what lies between is checked by whoever decodes it.
func skipValue(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				end, ok := skipString(b, i)
				if !ok {
					return 0, false
				}
				i = end
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, true
				}
			}
			i++
		}
		return 0, false
	}
	start := i
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\t' && b[i] != '\n' && b[i] != '\r' {
		i++
	}
	return i, i > start
}

// skipString returns the end of the JSON string starting at b[i] (just
// past its closing quote).
func skipString(b []byte, i int) (int, bool) {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1, true
		}
	}
	return 0, false
}

// gatewayWire is an INTERACTION_CREATE's data: the interaction's fields,
// its data still raw.
type gatewayWire struct {
	interactionFields
	Data json.RawMessage `json:"data"`
}

// decodeGatewayInteraction decodes an INTERACTION_CREATE's data in one
// pass, into what discordgo's InteractionCreate decoding gives.
func decodeGatewayInteraction(d []byte) (*discordgo.Interaction, error) {
	var w gatewayWire
	if err := json.Unmarshal(d, &w); err != nil {
		return nil, fmt.Errorf("bot: decode interaction: %w", err)
	}
	i := discordgo.Interaction(w.interactionFields)
	if err := decodeInteractionData(&i, w.Data); err != nil {
		return nil, err
	}
	return &i, nil
}
