package discordtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

const gatewayPath = "/gateway-ws"

// gateway holds sessions and sockets. Lock order: gateway.mu may be held
// while taking Server.mu, never the reverse.
type gateway struct {
	mu       sync.Mutex
	changed  chan struct{}
	sessions map[string]*gwSession
	current  *gwSession
	conns    map[*gwConn]bool
	closed   bool

	identifies, resumes, heartbeats, connects int
}

type gwSession struct {
	id    string
	seq   int64
	log   [][]byte // dispatch frames, index i has seq i+1
	conn  *gwConn
	ready bool
}

type gwConn struct {
	ws    *websocket.Conn
	sess  *gwSession
	beats int // heartbeats received on this socket
}

type frame struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
	S  *int64          `json:"s"`
	T  *string         `json:"t"`
}

func (g *gateway) init() {
	g.changed = make(chan struct{})
	g.sessions = map[string]*gwSession{}
	g.conns = map[*gwConn]bool{}
}

func (g *gateway) notifyLocked() {
	close(g.changed)
	g.changed = make(chan struct{})
}

func (g *gateway) waitFor(ctx context.Context, cond func() bool) error {
	for {
		g.mu.Lock()
		ok, ch, closed := cond(), g.changed, g.closed
		g.mu.Unlock()
		if ok {
			return nil
		}
		if closed {
			return fmt.Errorf("discordtest: server closed")
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (g *gateway) closeAll() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	for c := range g.conns {
		_ = c.ws.Close()
	}
	g.notifyLocked()
}

func (c *gwConn) write(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("marshal gateway frame: %w", err)
	}
	return c.writeRaw(b)
}

func (c *gwConn) writeRaw(b []byte) error {
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// sendLocked assigns the next sequence number, logs and writes a dispatch.
// d is marshalled unless it is already JSON (a json.RawMessage from
// json.Marshal, as interactions are).
func (g *gateway) sendLocked(sess *gwSession, t string, d any) {
	data, ok := d.(json.RawMessage)
	if !ok {
		var err error
		if data, err = json.Marshal(d); err != nil {
			panic(fmt.Sprintf("discordtest: marshal %s: %v", t, err))
		}
	}
	sess.seq++
	b := dispatchFrame(sess.seq, t, data)
	sess.log = append(sess.log, b)
	if sess.conn != nil {
		if err := sess.conn.writeRaw(b); err != nil {
			_ = sess.conn.ws.Close()
			sess.conn.sess = nil
			sess.conn = nil
		}
	}
}

// dispatchFrame is json.Marshal(frame{Op: 0, D: data, S: &seq, T: &t})
// without re-validating and compacting data, which is already compact
// JSON: at load, marshalling the frame cost as much as building the
// interaction.
func dispatchFrame(seq int64, t string, data json.RawMessage) []byte {
	b := make([]byte, 0, len(data)+len(t)+48)
	b = append(b, `{"op":0,"d":`...)
	b = append(b, data...)
	b = append(b, `,"s":`...)
	b = strconv.AppendInt(b, seq, 10)
	b = append(b, `,"t":`...)
	b = strconv.AppendQuote(b, t) // event names are A–Z and _: Go and JSON quote them alike
	return append(b, '}')
}

// dispatch sends an event to the current session (dropped when none).
func (g *gateway) dispatch(t string, d any) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.current == nil {
		return false
	}
	g.sendLocked(g.current, t, d)
	return true
}

func (g *gateway) serve(s *Server, w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &gwConn{ws: ws}
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		_ = ws.Close()
		return
	}
	g.conns[c] = true
	g.connects++
	hello, _ := json.Marshal(map[string]any{"heartbeat_interval": s.hbEvery.Milliseconds()})
	err = c.write(frame{Op: 10, D: hello})
	g.notifyLocked()
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		delete(g.conns, c)
		if c.sess != nil && c.sess.conn == c {
			c.sess.conn = nil
		}
		g.notifyLocked()
		g.mu.Unlock()
		_ = ws.Close()
	}()
	if err != nil {
		return
	}
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		var f frame
		if err := json.Unmarshal(data, &f); err != nil {
			g.closeWith(c, 4002, "Error while decoding payload.")
			return
		}
		switch f.Op {
		case 1:
			g.mu.Lock()
			g.heartbeats++
			c.beats++
			_ = c.write(frame{Op: 11})
			g.notifyLocked()
			g.mu.Unlock()
		case 2:
			if !g.identify(s, c, f.D) {
				return
			}
		case 6:
			if !g.resume(s, c, f.D) {
				return
			}
		default:
			// Presence updates, request guild members…: ignored.
		}
	}
}

func (g *gateway) closeWith(c *gwConn, code int, text string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
	_ = c.ws.Close()
}

func (g *gateway) identify(s *Server, c *gwConn, d json.RawMessage) bool {
	var id struct {
		Token string `json:"token"`
	}
	_ = json.Unmarshal(d, &id)
	if id.Token != "Bot "+s.Token {
		g.closeWith(c, 4004, "Authentication failed.")
		return false
	}
	ready, guilds := s.readyPayload()
	g.mu.Lock()
	defer g.mu.Unlock()
	if c.sess != nil && c.sess.conn == c {
		c.sess.conn = nil
	}
	sess := &gwSession{id: randomID(), conn: c}
	c.sess = sess
	g.sessions[sess.id] = sess
	g.current = sess
	ready["session_id"] = sess.id
	g.sendLocked(sess, "READY", ready)
	for _, gd := range guilds {
		g.sendLocked(sess, "GUILD_CREATE", gd)
	}
	sess.ready = true
	g.identifies++
	g.notifyLocked()
	return true
}

func (g *gateway) resume(s *Server, c *gwConn, d json.RawMessage) bool {
	var rs struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int64  `json:"seq"`
	}
	_ = json.Unmarshal(d, &rs)
	if rs.Token != "Bot "+s.Token {
		g.closeWith(c, 4004, "Authentication failed.")
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	sess := g.sessions[rs.SessionID]
	if sess == nil || rs.Seq > sess.seq {
		_ = c.write(frame{Op: 9, D: json.RawMessage("false")})
		return true
	}
	if old := sess.conn; old != nil && old != c {
		old.sess = nil
		_ = old.ws.Close()
	}
	sess.conn = c
	c.sess = sess
	g.current = sess
	for _, b := range sess.log[rs.Seq:] {
		if err := c.writeRaw(b); err != nil {
			return false
		}
	}
	g.sendLocked(sess, "RESUMED", map[string]any{})
	g.resumes++
	g.notifyLocked()
	return true
}

// readyPayload builds READY (without session_id) and GUILD_CREATE payloads.
func (s *Server) readyPayload() (map[string]any, []*discordgo.Guild) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var stubs []map[string]any
	var full []*discordgo.Guild
	for _, g := range s.guilds {
		stubs = append(stubs, map[string]any{"id": g.g.ID, "unavailable": true})
		gd := *g.g
		gd.JoinedAt = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		gd.Roles = []*discordgo.Role{{ID: g.g.ID, Name: "@everyone", Permissions: discordgo.PermissionViewChannel | discordgo.PermissionSendMessages}}
		gd.Channels, gd.Threads = []*discordgo.Channel{}, []*discordgo.Channel{}
		for _, ch := range s.channels {
			if ch.GuildID != g.g.ID {
				continue
			}
			cp := *ch
			if ch.IsThread() {
				gd.Threads = append(gd.Threads, &cp)
			} else {
				gd.Channels = append(gd.Channels, &cp)
			}
		}
		for _, uid := range g.order {
			gd.Members = append(gd.Members, copyMember(g.members[uid]))
		}
		gd.MemberCount = len(gd.Members)
		full = append(full, &gd)
	}
	if stubs == nil {
		stubs = []map[string]any{}
	}
	ready := map[string]any{
		"v":                  10,
		"user":               s.BotUser,
		"guilds":             stubs,
		"private_channels":   []any{},
		"resume_gateway_url": s.wsURL(),
		"application":        map[string]any{"id": s.AppID, "flags": 0},
	}
	return ready, full
}

func (s *Server) wsURL() string {
	return "ws://" + strings.TrimPrefix(s.URL, "http://") + gatewayPath
}

// Reconnect sends op 7 RECONNECT to the connected session; discordgo closes
// and resumes.
func (s *Server) Reconnect() {
	g := &s.gw
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.current != nil && g.current.conn != nil {
		_ = g.current.conn.write(frame{Op: 7, D: json.RawMessage("null")})
	}
}

// InvalidateSession sends op 9 INVALID_SESSION (not resumable) and forgets
// the session; discordgo identifies again on the same socket.
func (s *Server) InvalidateSession() {
	g := &s.gw
	g.mu.Lock()
	defer g.mu.Unlock()
	sess := g.current
	if sess == nil {
		return
	}
	delete(g.sessions, sess.id)
	g.current = nil
	if c := sess.conn; c != nil {
		_ = c.write(frame{Op: 9, D: json.RawMessage("false")})
		c.sess = nil
		sess.conn = nil
	}
	g.notifyLocked()
}

// DropConnections closes every gateway socket abruptly (no close frame);
// sessions stay resumable. discordgo 0.29 reconnects from both its reader
// and its heartbeat goroutine when a heartbeat write fails at that moment,
// a race inside discordgo; keep the heartbeat interval long (the default)
// in tests that drop connections under -race.
func (s *Server) DropConnections() {
	g := &s.gw
	g.mu.Lock()
	defer g.mu.Unlock()
	for c := range g.conns {
		_ = c.ws.UnderlyingConn().Close()
	}
}

// GatewayStats counts gateway events since the server started.
type GatewayStats struct {
	Connects, Identifies, Resumes, Heartbeats int
	// Connected: a live socket carries a ready (or resumed) session and has
	// sent its first heartbeat, which discordgo does as the last step of
	// connecting, so tests never act on a half-open discordgo session.
	Connected bool
}

// GatewayStats returns the gateway counters.
func (s *Server) GatewayStats() GatewayStats {
	g := &s.gw
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.statsLocked()
}

func (g *gateway) statsLocked() GatewayStats {
	return GatewayStats{
		Connects: g.connects, Identifies: g.identifies, Resumes: g.resumes, Heartbeats: g.heartbeats,
		Connected: g.current != nil && g.current.conn != nil && g.current.ready && g.current.conn.beats > 0,
	}
}

// Identifies returns how many IDENTIFYs succeeded.
func (s *Server) Identifies() int { return s.GatewayStats().Identifies }

// Resumes returns how many RESUMEs succeeded.
func (s *Server) Resumes() int { return s.GatewayStats().Resumes }

// WaitReady waits until a bot session is connected: it has received READY
// (or RESUMED) and sent its first heartbeat (see GatewayStats.Connected).
func (s *Server) WaitReady(ctx context.Context) error {
	g := &s.gw
	if err := g.waitFor(ctx, func() bool { return g.statsLocked().Connected }); err != nil {
		return fmt.Errorf("discordtest: waiting for a ready gateway session: %w", err)
	}
	return nil
}

// WaitIdentified waits until at least n IDENTIFYs have succeeded and a
// session is connected.
func (s *Server) WaitIdentified(ctx context.Context, n int) error {
	g := &s.gw
	if err := g.waitFor(ctx, func() bool { st := g.statsLocked(); return st.Identifies >= n && st.Connected }); err != nil {
		return fmt.Errorf("discordtest: waiting for identify #%d: %w", n, err)
	}
	return nil
}

// WaitResumed waits until at least n RESUMEs have succeeded and a session
// is connected.
func (s *Server) WaitResumed(ctx context.Context, n int) error {
	g := &s.gw
	if err := g.waitFor(ctx, func() bool { st := g.statsLocked(); return st.Resumes >= n && st.Connected }); err != nil {
		return fmt.Errorf("discordtest: waiting for resume #%d: %w", n, err)
	}
	return nil
}

// Dispatch sends any gateway event to the connected session (e.g.
// "GUILD_DELETE"); it reports false when no session exists.
func (s *Server) Dispatch(event string, data any) bool { return s.gw.dispatch(event, data) }

// ready reports whether a session is connected and ready (WaitReady's
// condition, without waiting).
func (g *gateway) ready() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.statsLocked().Connected
}
