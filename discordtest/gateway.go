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
	current  map[int]*gwSession // by shard ID: the session each shard's events go to
	conns    map[*gwConn]bool
	closed   bool

	// Sharding (see shards.go): what GET /gateway/bot says, and when each
	// rate-limit key (shard_id % max_concurrency) last identified.
	recommended    int
	maxConcurrency int
	startTotal     int
	startRemaining int
	window         time.Duration
	windowAll      bool // enforce the window on unsharded identifies too
	lastIdentify   map[int]time.Time
	rejected       []IdentifyRejection

	identifies, resumes, heartbeats, connects int
}

type gwSession struct {
	id         string
	seq        int64
	log        [][]byte // dispatch frames, index i has seq i+1
	conn       *gwConn
	ready      bool
	shard      int // shard ID
	shardCount int // shard count it identified with (1 when unsharded)
	identified time.Time
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
	g.current = map[int]*gwSession{}
	g.conns = map[*gwConn]bool{}
	g.lastIdentify = map[int]time.Time{}
	if g.recommended == 0 {
		g.recommended = 1
	}
	if g.maxConcurrency == 0 {
		g.maxConcurrency = 1
	}
	if g.startTotal == 0 {
		g.startTotal, g.startRemaining = 1000, 1000
	}
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

// dispatch sends an event about guildID to the session of the shard that
// guild belongs to, (guild_id >> 22) % shard_count, as Discord routes it;
// guildID "" goes to every session (shard 0 alone would get a DM, but the
// events the server sends without a guild concern them all). It reports
// whether some session got it.
func (g *gateway) dispatch(guildID, t string, d any) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	sent := false
	for _, sess := range g.current {
		if guildID == "" || ShardOf(guildID, sess.shardCount) == sess.shard {
			g.sendLocked(sess, t, d)
			sent = true
		}
	}
	return sent
}

// dispatchTo sends an event to shard's session whatever guild it is
// about (to test that a bot ignores what is not its own).
func (g *gateway) dispatchTo(shard int, t string, d any) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	sess := g.current[shard]
	if sess == nil {
		return false
	}
	g.sendLocked(sess, t, d)
	return true
}

// sessionFor returns the current session that receives guildID's events.
func (g *gateway) sessionForLocked(guildID string) *gwSession {
	for _, sess := range g.current {
		if ShardOf(guildID, sess.shardCount) == sess.shard {
			return sess
		}
	}
	return nil
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
		Shard []int  `json:"shard"`
	}
	_ = json.Unmarshal(d, &id)
	if id.Token != "Bot "+s.Token {
		g.closeWith(c, 4004, "Authentication failed.")
		return false
	}
	shard, count := 0, 1
	if id.Shard != nil {
		if len(id.Shard) != 2 || id.Shard[1] < 1 || id.Shard[0] < 0 || id.Shard[0] >= id.Shard[1] {
			g.closeWith(c, 4010, "Invalid shard.")
			return false
		}
		shard, count = id.Shard[0], id.Shard[1]
	}
	if g.refuseIdentify(c, shard, count) {
		return false
	}
	ready, guilds := s.readyPayload(shard, count)
	g.mu.Lock()
	defer g.mu.Unlock()
	if c.sess != nil && c.sess.conn == c {
		c.sess.conn = nil
	}
	sess := &gwSession{id: randomID(), conn: c, shard: shard, shardCount: count, identified: time.Now()}
	c.sess = sess
	g.sessions[sess.id] = sess
	g.current[shard] = sess
	ready["session_id"] = sess.id
	if id.Shard != nil {
		ready["shard"] = []int{shard, count}
	}
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
	g.current[sess.shard] = sess
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

// readyPayload builds READY (without session_id) and GUILD_CREATE payloads
// for shard of count: the guilds whose events go to that shard.
func (s *Server) readyPayload(shard, count int) (map[string]any, []*discordgo.Guild) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var stubs []map[string]any
	var full []*discordgo.Guild
	byGuild := s.channelsByGuildLocked()
	for _, g := range s.guilds {
		if ShardOf(g.g.ID, count) != shard {
			continue
		}
		stubs = append(stubs, map[string]any{"id": g.g.ID, "unavailable": true})
		full = append(full, s.guildPayloadLocked(g, byGuild[g.g.ID]))
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

// channelsByGuildLocked groups the channels by guild, in one pass (a
// server seeded with thousands of guilds for a start-up measurement would
// otherwise scan every channel once per guild).
func (s *Server) channelsByGuildLocked() map[string][]*discordgo.Channel {
	out := map[string][]*discordgo.Channel{}
	for _, ch := range s.channels {
		out[ch.GuildID] = append(out[ch.GuildID], ch)
	}
	return out
}

// guildPayloadLocked is g's GUILD_CREATE payload with channels chans.
func (s *Server) guildPayloadLocked(g *guild, chans []*discordgo.Channel) *discordgo.Guild {
	gd := *g.g
	gd.JoinedAt = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	gd.Roles = []*discordgo.Role{{ID: g.g.ID, Name: "@everyone", Permissions: discordgo.PermissionViewChannel | discordgo.PermissionSendMessages}}
	gd.Channels, gd.Threads = []*discordgo.Channel{}, []*discordgo.Channel{}
	for _, ch := range chans {
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
	return &gd
}

func (s *Server) wsURL() string {
	return "ws://" + strings.TrimPrefix(s.URL, "http://") + gatewayPath
}

// Reconnect sends op 7 RECONNECT to every connected session (every
// shard); discordgo closes and resumes.
func (s *Server) Reconnect() {
	g := &s.gw
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, sess := range g.current {
		if sess.conn != nil {
			_ = sess.conn.write(frame{Op: 7, D: json.RawMessage("null")})
		}
	}
}

// InvalidateSession sends op 9 INVALID_SESSION (not resumable) to every
// current session and forgets them; discordgo identifies again on the
// same socket.
func (s *Server) InvalidateSession() {
	g := &s.gw
	g.mu.Lock()
	defer g.mu.Unlock()
	for shard, sess := range g.current {
		delete(g.sessions, sess.id)
		delete(g.current, shard)
		if c := sess.conn; c != nil {
			_ = c.write(frame{Op: 9, D: json.RawMessage("false")})
			c.sess = nil
			sess.conn = nil
		}
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
	// Connected: for every shard that has a session, a live socket
	// carries it ready (or resumed) and has sent its first heartbeat,
	// which discordgo does as the last step of connecting, so tests never
	// act on a half-open discordgo session.
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
	connected := len(g.current) > 0
	for _, sess := range g.current {
		connected = connected && sessionUp(sess)
	}
	return GatewayStats{
		Connects: g.connects, Identifies: g.identifies, Resumes: g.resumes, Heartbeats: g.heartbeats,
		Connected: connected,
	}
}

// sessionUp: a live socket carries the session, ready, and it has sent its
// first heartbeat.
func sessionUp(sess *gwSession) bool {
	return sess != nil && sess.conn != nil && sess.ready && sess.conn.beats > 0
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

// Dispatch sends any gateway event (e.g. "GUILD_DELETE") to the session of
// the shard its "guild_id" belongs to, or to every session when it has
// none; it reports false when no session got it.
func (s *Server) Dispatch(event string, data any) bool {
	var probe struct {
		GuildID string `json:"guild_id"`
	}
	if b, err := json.Marshal(data); err == nil {
		_ = json.Unmarshal(b, &probe)
	}
	return s.gw.dispatch(probe.GuildID, event, data)
}

// readyFor reports whether the session receiving guildID's events is
// connected and ready.
func (g *gateway) readyFor(guildID string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return sessionUp(g.sessionForLocked(guildID))
}

// guildPayload returns guild id's GUILD_CREATE payload, nil when unknown.
func (s *Server) guildPayload(id string) *discordgo.Guild {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.guildLocked(id)
	if g == nil {
		return nil
	}
	var chans []*discordgo.Channel
	for _, ch := range s.channels {
		if ch.GuildID == id {
			chans = append(chans, ch)
		}
	}
	return s.guildPayloadLocked(g, chans)
}
