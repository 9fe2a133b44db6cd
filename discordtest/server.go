package discordtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// DefaultTimeout bounds every Wait* helper that takes no context.
const DefaultTimeout = 10 * time.Second

// Server is a Discord-compatible server on loopback for tests: REST under
// /api/v9 and /api/v10, a JSON gateway, and attachment files. It checks every
// payload it receives against Discord's limits. All methods are safe for
// concurrent use.
type Server struct {
	// URL is the origin to use as DISCORD_BASE_URL, e.g. http://127.0.0.1:41234.
	URL string
	// Token is the bot token without the "Bot " prefix.
	Token string
	// AppID is the application ID (also the bot user's ID).
	AppID string
	// BotUser is the bot's user.
	BotUser *discordgo.User

	tb      testing.TB
	hs      *httptest.Server
	conns   atomic.Int64 // TCP connections accepted
	hbEvery time.Duration
	window  time.Duration
	tokLife time.Duration
	wg      sync.WaitGroup
	closed  chan struct{}

	mu          sync.Mutex
	changed     chan struct{}
	onReq       func(Request)
	failOnViol  bool
	snow        int64
	guilds      []*guild
	guildByID   map[string]*guild
	channels    map[string]*discordgo.Channel
	users       map[string]*discordgo.User
	messages    map[string][]*Message // by channel, in creation order
	msgByID     map[string]*Message
	nonces      map[string]nonceEntry // channel|nonce
	threads     []Thread
	deletions   []Deletion
	commands    map[string][]*discordgo.ApplicationCommand // "" = global
	commandsRaw map[string]json.RawMessage
	inter       map[string]*interactionState // by id
	interTok    map[string]*interactionState // by token
	attach      map[string]*attachment
	attachHold  chan struct{} // HoldAttachments: closed on release
	violations  []Violation
	faults      []*fault
	cbDelay     time.Duration
	requests    []Request
	endpoint    string // Interactions Endpoint URL; "" = the gateway
	keys        httpKeys
	dms         map[string]string // user ID → DM channel ID
	dmClosed    map[string]bool   // users whose DMs are closed
	dmRefused   map[string]int    // 50007 answers per user

	// Club features: polls (polls.go), private threads (privatethreads.go),
	// scheduled events (events.go).
	cs clubState

	gw gateway
}

type guild struct {
	g       *discordgo.Guild
	members map[string]*discordgo.Member
	order   []string
}

type nonceEntry struct {
	msg *Message
	at  time.Time
}

// Option configures a Server.
type Option func(*Server)

// WithToken sets the bot token (without "Bot ").
func WithToken(tok string) Option { return func(s *Server) { s.Token = tok } }

// WithAppID sets the application (and bot user) ID.
func WithAppID(id string) Option { return func(s *Server) { s.AppID = id } }

// WithHeartbeatInterval sets the interval announced in HELLO (default 41.25 s).
func WithHeartbeatInterval(d time.Duration) Option { return func(s *Server) { s.hbEvery = d } }

// WithAnswerWindow sets how long after dispatch an interaction may be
// answered before the server says 10062 Unknown interaction (default 3 s).
func WithAnswerWindow(d time.Duration) Option { return func(s *Server) { s.window = d } }

// WithTokenLifetime sets how long an interaction token works for webhooks
// (@original, follow-ups) after dispatch (default 15 minutes); later calls
// get 401 with code 50027 "Invalid Webhook Token".
func WithTokenLifetime(d time.Duration) Option { return func(s *Server) { s.tokLife = d } }

// WithoutFailing makes violations recorded (Violations) and answered with
// 400/50035 but not reported to the test with t.Errorf. Use it to test that a
// deliberately invalid payload is rejected.
func WithoutFailing() Option { return func(s *Server) { s.failOnViol = false } }

// New starts a server on 127.0.0.1 with a random port and closes it in
// t.Cleanup. Violations of Discord's limits fail t unless WithoutFailing is given.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{
		Token:       "test-bot-token",
		AppID:       "100000000000000001",
		tb:          t,
		hbEvery:     41250 * time.Millisecond,
		window:      3 * time.Second,
		tokLife:     15 * time.Minute,
		closed:      make(chan struct{}),
		changed:     make(chan struct{}),
		failOnViol:  true,
		snow:        200000000000000000,
		channels:    map[string]*discordgo.Channel{},
		guildByID:   map[string]*guild{},
		users:       map[string]*discordgo.User{},
		messages:    map[string][]*Message{},
		msgByID:     map[string]*Message{},
		nonces:      map[string]nonceEntry{},
		commands:    map[string][]*discordgo.ApplicationCommand{},
		commandsRaw: map[string]json.RawMessage{},
		inter:       map[string]*interactionState{},
		interTok:    map[string]*interactionState{},
		attach:      map[string]*attachment{},
		keys:        newHTTPKeys(),
		dms:         map[string]string{},
		dmClosed:    map[string]bool{},
		dmRefused:   map[string]int{},
	}
	for _, o := range opts {
		o(s)
	}
	s.BotUser = &discordgo.User{ID: s.AppID, Username: "Ficshelf", Discriminator: "0", Bot: true}
	s.users[s.AppID] = s.BotUser
	s.gw.init()
	s.hs = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.hs.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	ln, err := listen()
	if err != nil {
		t.Fatal(err)
	}
	s.hs.Listener.Close()
	s.hs.Listener = ln
	s.hs.Start()
	s.URL = s.hs.URL
	t.Cleanup(s.Close)
	return s
}

// Close shuts the server down: gateway sockets, HTTP listener, goroutines.
// It is called automatically by t.Cleanup; calling it twice is harmless.
func (s *Server) Close() {
	select {
	case <-s.closed:
		return
	default:
	}
	close(s.closed)
	s.gw.closeAll()
	s.hs.CloseClientConnections()
	s.hs.Close()
	s.wg.Wait()
}

// SetAnswerWindow changes the time an interaction may take to be answered
// before 10062 (default 3 s; raise it for heavily loaded CI machines).
func (s *Server) SetAnswerWindow(d time.Duration) {
	s.mu.Lock()
	s.window = d
	s.mu.Unlock()
}

// SetFailOnViolation switches between failing the test on a violation (the
// default) and only recording it.
func (s *Server) SetFailOnViolation(fail bool) {
	s.mu.Lock()
	s.failOnViol = fail
	s.mu.Unlock()
}

// notifyLocked wakes every waiter; s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitFor polls cond (called with s.mu held) until it returns true, ctx ends
// or the server closes.
func (s *Server) waitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ok := cond()
		ch := s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.closed:
			return fmt.Errorf("discordtest: server closed")
		}
	}
}

// waitSnap takes snapshots with snap (s.mu held) and tests them with match
// (s.mu not held, so match may call the server) until match accepts one.
func waitSnap[T any](s *Server, ctx context.Context, snap func() T, match func(T) bool) (T, error) {
	for {
		s.mu.Lock()
		v := snap()
		ch := s.changed
		s.mu.Unlock()
		if match(v) {
			return v, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return v, ctx.Err()
		case <-s.closed:
			return v, fmt.Errorf("discordtest: server closed")
		}
	}
}

func (s *Server) newIDLocked() string {
	s.snow++
	return strconv.FormatInt(s.snow, 10)
}

// NewID returns a fresh snowflake, unique within this server.
func (s *Server) NewID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newIDLocked()
}

// ---- seeding ----

// AddGuild adds a guild and returns a copy of it. The bot is a member with
// Administrator permissions.
func (s *Server) AddGuild(name string) *discordgo.Guild {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := &guild{g: &discordgo.Guild{ID: s.newIDLocked(), Name: name, OwnerID: "1"}, members: map[string]*discordgo.Member{}}
	s.guilds = append(s.guilds, g)
	s.guildByID[g.g.ID] = g
	s.addMemberLocked(g, s.BotUser, discordgo.PermissionAdministrator)
	cp := *g.g
	s.notifyLocked()
	s.mu.Unlock()
	s.afterSeed("GUILD_CREATE", g.g.ID)
	s.mu.Lock()
	return &cp
}

// afterSeed tells a connected bot about something seeded after READY:
// GUILD_CREATE for a guild, CHANNEL_CREATE/THREAD_CREATE for a channel.
// s.mu must not be held.
func (s *Server) afterSeed(event, id string) {
	switch event {
	case "GUILD_CREATE":
		s.gw.mu.Lock()
		none := len(s.gw.current) == 0
		s.gw.mu.Unlock()
		if none { // seeding before the bot connects: READY will carry it
			return
		}
		if g := s.guildPayload(id); g != nil {
			s.gw.dispatch(g.ID, event, g)
		}
	default:
		if ch := s.Channel(id); ch != nil {
			s.gw.dispatch(ch.GuildID, event, ch)
		}
	}
}

func (s *Server) guildLocked(id string) *guild {
	return s.guildByID[id]
}

// AddChannel adds a channel to a guild. typ is e.g. discordgo.ChannelTypeGuildText
// or discordgo.ChannelTypeGuildForum (15). nsfw marks it age-restricted.
func (s *Server) AddChannel(guildID, name string, typ discordgo.ChannelType, nsfw bool) *discordgo.Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.guildLocked(guildID) == nil {
		s.tb.Fatalf("discordtest: AddChannel: unknown guild %s", guildID)
	}
	ch := &discordgo.Channel{ID: s.newIDLocked(), GuildID: guildID, Name: name, Type: typ, NSFW: nsfw, Position: len(s.channels)}
	s.channels[ch.ID] = ch
	s.notifyLocked()
	cp := *ch
	s.mu.Unlock()
	s.afterSeed("CHANNEL_CREATE", cp.ID)
	s.mu.Lock()
	return &cp
}

// AddThread adds a public thread under parentID (a text or forum channel).
// Its age restriction is its parent's.
func (s *Server) AddThread(parentID, name string) *discordgo.Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.channels[parentID]
	if !ok {
		s.tb.Fatalf("discordtest: AddThread: unknown channel %s", parentID)
	}
	th := s.newThreadLocked(s.newIDLocked(), p, name, discordgo.ChannelTypeGuildPublicThread, 1440)
	cp := *th
	s.mu.Unlock()
	s.afterSeed("THREAD_CREATE", cp.ID)
	s.mu.Lock()
	return &cp
}

func (s *Server) newThreadLocked(id string, parent *discordgo.Channel, name string, typ discordgo.ChannelType, archive int) *discordgo.Channel {
	if archive == 0 {
		archive = 4320
	}
	th := &discordgo.Channel{
		ID: id, GuildID: parent.GuildID, ParentID: parent.ID, Name: name, Type: typ,
		OwnerID:        s.AppID,
		ThreadMetadata: &discordgo.ThreadMetadata{AutoArchiveDuration: archive},
	}
	s.channels[id] = th
	s.notifyLocked()
	return th
}

// AddMember adds a member (and their user) to a guild with the given
// permission bitfield (e.g. discordgo.PermissionManageMessages). The user ID
// is returned in the member's User.
func (s *Server) AddMember(guildID, username string, perms int64) *discordgo.Member {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.guildLocked(guildID)
	if g == nil {
		s.tb.Fatalf("discordtest: AddMember: unknown guild %s", guildID)
	}
	u := &discordgo.User{ID: s.newIDLocked(), Username: username, GlobalName: username, Discriminator: "0"}
	s.users[u.ID] = u
	m := copyMember(s.addMemberLocked(g, u, perms))
	s.mu.Unlock()
	s.gw.dispatch(m.GuildID, "GUILD_MEMBER_ADD", m)
	s.mu.Lock()
	return m
}

// AddUserToGuild makes an existing user (e.g. from AddMember in another
// guild) a member of guildID with perms.
func (s *Server) AddUserToGuild(guildID, userID string, perms int64) *discordgo.Member {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.guildLocked(guildID)
	u := s.users[userID]
	if g == nil || u == nil {
		s.tb.Fatalf("discordtest: AddUserToGuild: unknown guild %s or user %s", guildID, userID)
	}
	return copyMember(s.addMemberLocked(g, u, perms))
}

func (s *Server) addMemberLocked(g *guild, u *discordgo.User, perms int64) *discordgo.Member {
	joined := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	m := &discordgo.Member{GuildID: g.g.ID, User: u, Roles: []string{}, Permissions: perms, JoinedAt: joined}
	if _, ok := g.members[u.ID]; !ok {
		g.order = append(g.order, u.ID)
	}
	g.members[u.ID] = m
	s.notifyLocked()
	return m
}

// SetPermissions changes a member's permission bitfield.
func (s *Server) SetPermissions(guildID, userID string, perms int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.guildLocked(guildID); g != nil {
		if m := g.members[userID]; m != nil {
			m.Permissions = perms
		}
	}
}

func copyMember(m *discordgo.Member) *discordgo.Member {
	cp := *m
	u := *m.User
	cp.User = &u
	cp.Roles = append([]string{}, m.Roles...)
	return &cp
}

// Channel returns a copy of a channel or thread (nil if unknown or deleted).
func (s *Server) Channel(id string) *discordgo.Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.channels[id]
	if !ok {
		return nil
	}
	cp := *ch
	return &cp
}

// AddMessage seeds a message written by userID in a channel (a target for
// message commands or threads), without validation.
func (s *Server) AddMessage(channelID, userID, content string) *Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channels[channelID]
	if ch == nil {
		s.tb.Fatalf("discordtest: AddMessage: unknown channel %s", channelID)
	}
	u := s.users[userID]
	if u == nil {
		s.tb.Fatalf("discordtest: AddMessage: unknown user %s", userID)
	}
	m := &Message{Message: discordgo.Message{ID: s.newIDLocked(), ChannelID: channelID, GuildID: ch.GuildID, Content: content, Author: u, Timestamp: time.Now().UTC()}, Source: SourceSeed}
	s.storeMessageLocked(m)
	return m.clone()
}

// ---- HTTP plumbing ----

// Request is one REST request as received (for assertions about traffic).
type Request struct {
	Method string
	Path   string // path after /api/vN, e.g. /channels/1/messages
	Status int
	At     time.Time // when the server had handled it
	// CallbackType is an accepted interaction callback's type (0 for
	// every other request, and for a refused callback).
	CallbackType discordgo.InteractionResponseType
}

// Conns is how many TCP connections clients opened to the server (HTTP and
// gateway).
func (s *Server) Conns() int64 { return s.conns.Load() }

// OnRequest sets f (nil: none) to be called with every REST request once
// the server has handled it (validated, recorded, response written but
// perhaps not yet flushed), outside the server's lock, in the request's
// goroutine. It lets a test learn of one request without waking every
// waiter, as the Wait methods do on each change.
func (s *Server) OnRequest(f func(Request)) {
	s.mu.Lock()
	s.onReq = f
	s.mu.Unlock()
}

// Requests returns every REST request received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

type fault struct {
	method, prefix string
	status         int
	retryAfter     time.Duration
	global         bool
	left           int
}

// FailNext makes the next n REST calls whose method matches (""= any) and
// whose path after /api/vN starts with pathPrefix (e.g. "/interactions/",
// "/channels/123/messages") fail with status. A 429 carries Discord's JSON
// body {"message","retry_after","global"} and rate-limit headers with
// retryAfter; other statuses (e.g. 502) carry a plain JSON error.
func (s *Server) FailNext(method, pathPrefix string, status int, retryAfter time.Duration, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{method: method, prefix: pathPrefix, status: status, retryAfter: retryAfter, left: n})
}

// SetCallbackDelay delays the server's handling of every interaction
// callback and webhook call by d (simulates a slow Discord). The 3-second
// window is judged when the request arrives.
func (s *Server) SetCallbackDelay(d time.Duration) {
	s.mu.Lock()
	s.cbDelay = d
	s.mu.Unlock()
}

func (s *Server) takeFault(method, path string) *fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if (f.method == "" || strings.EqualFold(f.method, method)) && strings.HasPrefix(path, f.prefix) {
			f.left--
			if f.left <= 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			return f
		}
	}
	return nil
}

// rateHeaders sets valid rate-limit headers that never make discordgo wait.
func rateHeaders(w http.ResponseWriter, bucket string) {
	h := w.Header()
	h.Set("X-RateLimit-Limit", "50")
	h.Set("X-RateLimit-Remaining", "49")
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(time.Now().Add(time.Second).UnixMilli())/1000, 'f', 3, 64))
	h.Set("X-RateLimit-Reset-After", "1.000")
	h.Set("X-RateLimit-Bucket", bucket)
}

type statusWriter struct {
	http.ResponseWriter
	status int
	cbType discordgo.InteractionResponseType // an accepted callback's type
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.wg.Add(1)
	defer s.wg.Done()
	select {
	case <-s.closed:
		http.Error(w, "closed", http.StatusServiceUnavailable)
		return
	default:
	}
	switch {
	case strings.TrimSuffix(r.URL.Path, "/") == gatewayPath:
		s.gw.serve(s, w, r)
		return
	case strings.HasPrefix(r.URL.Path, "/attachments/"):
		s.serveAttachment(w, r)
		return
	}
	path, ok := apiPath(r.URL.Path)
	if !ok {
		writeError(w, http.StatusNotFound, 0, "404: Not Found")
		return
	}
	sw := &statusWriter{ResponseWriter: w, status: 200}
	defer func() {
		req := Request{Method: r.Method, Path: path, Status: sw.status, At: time.Now(), CallbackType: sw.cbType}
		s.mu.Lock()
		s.requests = append(s.requests, req)
		f := s.onReq
		s.mu.Unlock()
		if f != nil {
			f(req)
		}
	}()
	if f := s.takeFault(r.Method, path); f != nil {
		writeFault(sw, f)
		return
	}
	rateHeaders(sw, bucketOf(path))
	s.route(sw, r, path)
}

func bucketOf(path string) string {
	parts := strings.Split(path, "/")
	if len(parts) > 2 {
		parts = parts[:3]
	}
	return strings.Join(parts, "_")
}

func writeFault(w http.ResponseWriter, f *fault) {
	secs := f.retryAfter.Seconds()
	if f.status == http.StatusTooManyRequests {
		h := w.Header()
		h.Set("X-RateLimit-Limit", "5")
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(secs, 'f', 3, 64))
		h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(time.Now().Add(f.retryAfter).UnixMilli())/1000, 'f', 3, 64))
		h.Set("X-RateLimit-Bucket", "fault")
		h.Set("X-RateLimit-Scope", "user")
		h.Set("Retry-After", strconv.Itoa(int(secs+0.999)))
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"message": "You are being rate limited.", "retry_after": secs, "global": f.global})
		return
	}
	writeError(w, f.status, 0, http.StatusText(f.status))
}

// apiPath strips /api/v9 or /api/v10 (or /api) from p.
func apiPath(p string) (string, bool) {
	for _, pre := range []string{"/api/v10/", "/api/v9/", "/api/"} {
		if strings.HasPrefix(p, pre) {
			return "/" + strings.TrimPrefix(p, pre), true
		}
	}
	return "", false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"code":0,"message":"discordtest: marshal failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{"code": code, "message": msg})
}

// Violation is one rejected payload.
type Violation struct {
	Method   string
	Path     string // after /api/vN
	Body     string // JSON payload as received
	Problems Problems
}

func (v Violation) String() string {
	return fmt.Sprintf("%s %s: %s", v.Method, v.Path, v.Problems.Error())
}

// Violations returns every payload rejected so far.
func (s *Server) Violations() []Violation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Violation(nil), s.violations...)
}

// reject records a violation, fails the test unless disabled, and answers 50035.
func (s *Server) reject(w http.ResponseWriter, r *http.Request, path string, body []byte, ps Problems) {
	v := Violation{Method: r.Method, Path: path, Body: string(body), Problems: ps}
	s.mu.Lock()
	s.violations = append(s.violations, v)
	fail := s.failOnViol
	s.notifyLocked()
	s.mu.Unlock()
	if fail {
		s.tb.Errorf("discordtest: invalid payload rejected: %s\nbody: %s", v, truncate(string(body), 2000))
	}
	writeJSON(w, http.StatusBadRequest, map[string]any{"code": 50035, "message": "Invalid Form Body", "errors": ps.errorsObject()})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Commands returns the commands last registered by bulk overwrite for
// guildID ("" = global), sorted by type then name.
func (s *Server) Commands(guildID string) []*discordgo.ApplicationCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*discordgo.ApplicationCommand
	for _, c := range s.commands[guildID] {
		cp := *c
		out = append(out, &cp)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Type != out[j].Type {
			return out[i].Type < out[j].Type
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// CommandsJSON returns the last bulk-overwrite body for guildID ("" = global).
func (s *Server) CommandsJSON(guildID string) json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commandsRaw[guildID]
}

// WaitCommands waits until commands are registered for guildID ("" = global).
func (s *Server) WaitCommands(ctx context.Context, guildID string) ([]*discordgo.ApplicationCommand, error) {
	err := s.waitFor(ctx, func() bool { _, ok := s.commandsRaw[guildID]; return ok })
	if err != nil {
		return nil, fmt.Errorf("discordtest: waiting for commands of %q: %w", guildID, err)
	}
	return s.Commands(guildID), nil
}

// HTTPClient returns a client whose transport sends every request for
// https://discord.com (discordgo's fixed endpoints) to the server instead.
// Set it as discordgo.Session.Client in tests that drive discordgo directly.
func (s *Server) HTTPClient() *http.Client {
	return &http.Client{Timeout: 20 * time.Second, Transport: &rewrite{base: s.URL, next: s.hs.Client().Transport}}
}

type rewrite struct {
	base string
	next http.RoundTripper
}

func (rw *rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host == "discord.com" {
		u, err := url.Parse(rw.base)
		if err != nil {
			return nil, fmt.Errorf("discordtest: parse base URL: %w", err)
		}
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host, r.Host = u.Scheme, u.Host, u.Host
	}
	return rw.next.RoundTrip(r)
}
