package discordtest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// nonceWindow is how long a nonce with enforce_nonce dedups messages.
const nonceWindow = 5 * time.Minute

// body is a request's JSON payload and files.
type body struct {
	JSON  []byte
	Files []File
}

func readBody(r *http.Request) (body, error) {
	ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if !strings.HasPrefix(ct, "multipart/") {
		b, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
		if err != nil {
			return body{}, fmt.Errorf("read body: %w", err)
		}
		return body{JSON: b}, nil
	}
	var out body
	mr := multipart.NewReader(r.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return body{}, fmt.Errorf("read multipart: %w", err)
		}
		data, err := io.ReadAll(io.LimitReader(p, 64<<20))
		if err != nil {
			return body{}, fmt.Errorf("read part: %w", err)
		}
		switch name := p.FormName(); {
		case name == "payload_json":
			out.JSON = data
		case strings.HasPrefix(name, "files[") || strings.HasPrefix(name, "file"):
			out.Files = append(out.Files, File{Name: p.FileName(), ContentType: p.Header.Get("Content-Type"), Data: data})
		}
	}
	return out, nil
}

func (s *Server) authorized(r *http.Request) bool {
	return r.Header.Get("Authorization") == "Bot "+s.Token
}

func (s *Server) route(w http.ResponseWriter, r *http.Request, path string) {
	seg := strings.Split(strings.Trim(path, "/"), "/")
	m := r.Method
	n := len(seg)
	at := func(i int, v string) bool { return i < n && seg[i] == v }

	// Routes that authenticate by token in the path.
	switch {
	case n == 4 && at(0, "interactions") && at(3, "callback") && m == http.MethodPost:
		s.callback(w, r, path, seg[1], seg[2])
		return
	case at(0, "webhooks") && n >= 3:
		s.webhook(w, r, path, seg[1], seg[2], seg[3:])
		return
	}
	var h func()
	switch {
	case n == 1 && at(0, "gateway") && m == http.MethodGet:
		h = func() { writeJSON(w, 200, map[string]any{"url": s.wsURL()}) }
	case n == 2 && at(0, "gateway") && at(1, "bot") && m == http.MethodGet:
		h = func() { writeJSON(w, 200, s.gatewayBot()) }
	case n == 2 && at(0, "users") && at(1, "@me") && m == http.MethodGet:
		h = func() { writeJSON(w, 200, s.BotUser) }
	case n == 3 && at(0, "users") && at(1, "@me") && at(2, "channels") && m == http.MethodPost:
		h = func() { s.dmCreate(w, r, path) }
	case (n == 2 && at(0, "applications") && at(1, "@me") || n == 3 && at(0, "oauth2") && at(1, "applications") && at(2, "@me")) && m == http.MethodGet:
		h = func() {
			writeJSON(w, 200, map[string]any{"id": s.AppID, "name": s.BotUser.Username, "bot": s.BotUser, "flags": 0, "description": ""})
		}
	case n == 3 && at(0, "applications") && at(2, "commands"):
		h = func() { s.commandsRoute(w, r, path, seg[1], "") }
	case n == 5 && at(0, "applications") && at(2, "guilds") && at(4, "commands"):
		h = func() { s.commandsRoute(w, r, path, seg[1], seg[3]) }
	case n == 2 && at(0, "channels"):
		h = func() { s.channelRoute(w, r, seg[1]) }
	case n == 3 && at(0, "channels") && at(2, "messages"):
		h = func() { s.channelMessages(w, r, path, seg[1]) }
	case n == 4 && at(0, "channels") && at(2, "messages"):
		h = func() { s.channelMessage(w, r, path, seg[1], seg[3]) }
	case n == 5 && at(0, "channels") && at(2, "messages") && at(4, "threads") && m == http.MethodPost:
		h = func() { s.startThread(w, r, path, seg[1], seg[3]) }
	case n == 3 && at(0, "channels") && at(2, "threads") && m == http.MethodPost:
		h = func() { s.startThread(w, r, path, seg[1], "") }
	case n == 2 && at(0, "guilds") && m == http.MethodGet:
		h = func() { s.getGuild(w, seg[1]) }
	case n == 3 && at(0, "guilds") && at(2, "channels") && m == http.MethodGet:
		h = func() { s.guildChannels(w, seg[1]) }
	case n == 4 && at(0, "guilds") && at(2, "members") && m == http.MethodGet:
		h = func() { s.guildMember(w, seg[1], seg[3]) }
	}
	switch {
	case h == nil:
		writeError(w, http.StatusNotFound, 0, "404: Not Found")
	case !s.authorized(r):
		writeError(w, http.StatusUnauthorized, 0, "401: Unauthorized")
	default:
		h()
	}
}

func (s *Server) commandsRoute(w http.ResponseWriter, r *http.Request, path, app, guildID string) {
	if app != s.AppID {
		writeError(w, http.StatusForbidden, 50001, "Missing Access")
		return
	}
	if guildID != "" {
		s.mu.Lock()
		g := s.guildLocked(guildID)
		s.mu.Unlock()
		if g == nil {
			writeError(w, http.StatusForbidden, 50001, "Missing Access")
			return
		}
	}
	switch r.Method {
	case http.MethodGet:
		s.mu.Lock()
		cmds := s.commands[guildID]
		if cmds == nil {
			cmds = []*discordgo.ApplicationCommand{}
		}
		writeJSON(w, 200, cmds)
		s.mu.Unlock()
	case http.MethodPut:
		b, ok := s.readChecked(w, r, path, func(b body) Problems { return ValidateCommandsJSON(b.JSON) })
		if !ok {
			return
		}
		var cmds []*discordgo.ApplicationCommand
		if err := json.Unmarshal(b.JSON, &cmds); err != nil {
			s.reject(w, r, path, b.JSON, Problems{{Code: "MODEL_TYPE_CONVERT", Message: err.Error()}})
			return
		}
		s.mu.Lock()
		old := map[string]string{}
		for _, c := range s.commands[guildID] {
			old[fmt.Sprint(c.Type)+"/"+c.Name] = c.ID
		}
		for _, c := range cmds {
			if c.Type == 0 {
				c.Type = discordgo.ChatApplicationCommand
			}
			if id, ok := old[fmt.Sprint(c.Type)+"/"+c.Name]; ok {
				c.ID = id
			} else {
				c.ID = s.newIDLocked()
			}
			c.ApplicationID = s.AppID
			c.GuildID = guildID
			c.Version = s.newIDLocked()
		}
		s.commands[guildID] = cmds
		s.commandsRaw[guildID] = append(json.RawMessage(nil), b.JSON...)
		s.notifyLocked()
		writeJSON(w, 200, cmds)
		s.mu.Unlock()
	default:
		writeError(w, http.StatusMethodNotAllowed, 0, "405: Method Not Allowed")
	}
}

// ---- channels ----

func (s *Server) channelRoute(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	ch := s.channels[id]
	var cp discordgo.Channel
	if ch != nil {
		cp = *ch
	}
	if ch != nil && r.Method == http.MethodDelete {
		delete(s.channels, id)
		s.deletions = append(s.deletions, Deletion{Kind: "channel", ChannelID: id, At: time.Now()})
		s.notifyLocked()
	}
	s.mu.Unlock()
	if ch == nil {
		writeError(w, http.StatusNotFound, 10003, "Unknown Channel")
		return
	}
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, 200, &cp)
	case http.MethodDelete:
		s.dispatchChannelDelete(&cp)
		writeJSON(w, 200, &cp)
	default:
		writeError(w, http.StatusMethodNotAllowed, 0, "405: Method Not Allowed")
	}
}

// sendable reports whether messages can be posted in ch directly.
func sendable(ch *discordgo.Channel) bool {
	return ch.Type != discordgo.ChannelTypeGuildForum && ch.Type != discordgo.ChannelTypeGuildCategory && ch.Type != discordgo.ChannelTypeGuildMedia
}

// msgPayload is what a message-creating or -editing body may carry.
type msgPayload struct {
	Content         *string                           `json:"content"`
	Embeds          *[]*discordgo.MessageEmbed        `json:"embeds"`
	Components      *[]json.RawMessage                `json:"components"`
	AllowedMentions *discordgo.MessageAllowedMentions `json:"allowed_mentions"`
	Flags           discordgo.MessageFlags            `json:"flags"`
	Nonce           any                               `json:"nonce"`
	EnforceNonce    bool                              `json:"enforce_nonce"`
	Attachments     *[]*discordgo.MessageAttachment   `json:"attachments"`
}

// readChecked reads a request body and checks it with check. On a bad body
// or a failed check it answers the request (400, like Discord) and returns
// false.
func (s *Server) readChecked(w http.ResponseWriter, r *http.Request, path string, check func(b body) Problems) (body, bool) {
	b, err := readBody(r)
	if err != nil {
		writeError(w, 400, 50109, "The request body contains invalid JSON.")
		return b, false
	}
	if ps := check(b); len(ps) > 0 {
		s.reject(w, r, path, b.JSON, ps)
		return b, false
	}
	return b, true
}

// readMessage is readChecked for a message payload, decoded.
func (s *Server) readMessage(w http.ResponseWriter, r *http.Request, path string, check func(b body) Problems) (body, msgPayload, []discordgo.MessageComponent, bool) {
	b, ok := s.readChecked(w, r, path, check)
	if !ok {
		return b, msgPayload{}, nil, false
	}
	p, comps, err := parseMsg(b.JSON)
	if err != nil {
		s.reject(w, r, path, b.JSON, Problems{{Code: "MODEL_TYPE_CONVERT", Message: err.Error()}})
		return b, p, nil, false
	}
	return b, p, comps, true
}

// checkEdit validates a message edit.
func checkEdit(b body) Problems { return ValidateMessageJSON(b.JSON) }

// checkNew validates a new message.
func checkNew(b body) Problems { return ValidateNewMessageJSON(b.JSON, len(b.Files) > 0) }

func parseMsg(raw []byte) (msgPayload, []discordgo.MessageComponent, error) {
	var p msgPayload
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, nil, fmt.Errorf("decode message: %w", err)
	}
	var comps []discordgo.MessageComponent
	if p.Components != nil {
		for _, c := range *p.Components {
			mc, err := discordgo.MessageComponentFromJSON(c)
			if err != nil {
				return p, nil, fmt.Errorf("decode component: %w", err)
			}
			comps = append(comps, mc)
		}
	}
	return p, comps, nil
}

// apply sets m's visible state from a create (full) or edit (partial) payload.
func (s *Server) applyLocked(m *Message, p msgPayload, comps []discordgo.MessageComponent, files []File, raw []byte, create bool) {
	if p.Content != nil || create {
		m.Content = deref(p.Content)
	}
	if p.Embeds != nil || create {
		if p.Embeds != nil {
			m.Embeds = *p.Embeds
		} else {
			m.Embeds = nil
		}
	}
	if p.Components != nil || create {
		m.Components = comps
	}
	if p.AllowedMentions != nil || create {
		m.AllowedMentions = p.AllowedMentions
	}
	if create {
		m.Flags = p.Flags
		m.Nonce = nonceString(p.Nonce)
		m.EnforceNonce = p.EnforceNonce
	} else if p.Flags != 0 {
		m.Flags = (m.Flags & discordgo.MessageFlagsEphemeral) | p.Flags
	}
	if create || len(files) > 0 || p.Attachments != nil {
		var atts []*discordgo.MessageAttachment
		if p.Attachments != nil && !create {
			for _, a := range *p.Attachments { // kept existing attachments
				for _, old := range m.Attachments {
					if old.ID == a.ID {
						atts = append(atts, old)
					}
				}
			}
		}
		files = describeFiles(files, raw)
		for _, f := range files {
			id := s.newIDLocked()
			url := s.URL + "/attachments/" + id + "/" + f.Name
			s.attach[id] = &attachment{a: discordgo.MessageAttachment{ID: id, URL: url, ProxyURL: url, Filename: f.Name, ContentType: f.ContentType, Size: len(f.Data)}, data: f.Data}
			a := s.attach[id].a
			atts = append(atts, &a)
		}
		m.Attachments = atts
		m.Files = files
	}
	m.Raw = string(raw)
	if !create {
		m.Edits++
		now := time.Now().UTC()
		m.EditedTimestamp = &now
		m.Deferred = false
	}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func nonceString(v any) string {
	switch n := v.(type) {
	case string:
		return n
	case float64:
		return strconv.FormatFloat(n, 'f', -1, 64)
	}
	return ""
}

// wire renders a message as Discord would return it.
func wire(m *Message) *discordgo.Message {
	cp := m.Message
	if cp.Embeds == nil {
		cp.Embeds = []*discordgo.MessageEmbed{}
	}
	if cp.Components == nil {
		cp.Components = []discordgo.MessageComponent{}
	}
	if cp.Attachments == nil {
		cp.Attachments = []*discordgo.MessageAttachment{}
	}
	return &cp
}

func (s *Server) channelMessages(w http.ResponseWriter, r *http.Request, path, chID string) {
	s.mu.Lock()
	ch := s.channels[chID]
	s.mu.Unlock()
	if ch == nil {
		writeError(w, http.StatusNotFound, 10003, "Unknown Channel")
		return
	}
	switch r.Method {
	case http.MethodGet:
		limit := 50
		if l, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && l > 0 && l <= 100 {
			limit = l
		}
		s.mu.Lock()
		var out []*discordgo.Message
		list := s.messages[chID]
		for i := len(list) - 1; i >= 0 && len(out) < limit; i-- {
			if !list[i].Deleted && !list[i].Ephemeral() {
				out = append(out, wire(list[i]))
			}
		}
		s.mu.Unlock()
		if out == nil {
			out = []*discordgo.Message{}
		}
		writeJSON(w, 200, out)
	case http.MethodPost:
		if !sendable(ch) {
			writeError(w, http.StatusBadRequest, 50008, "Cannot send messages in a non-text channel")
			return
		}
		b, p, comps, ok := s.readMessage(w, r, path, checkNew)
		if !ok {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.dmRefusedLocked(ch) {
			s.dmRefused[ch.Recipients[0].ID]++
			writeError(w, http.StatusForbidden, 50007, "Cannot send messages to this user")
			return
		}
		nonce := nonceString(p.Nonce)
		key := chID + "|" + nonce
		if nonce != "" && p.EnforceNonce {
			if e, ok := s.nonces[key]; ok && time.Since(e.at) < nonceWindow {
				writeJSON(w, 200, wire(e.msg))
				return
			}
		}
		m := &Message{Message: discordgo.Message{ID: s.newIDLocked(), ChannelID: chID, GuildID: ch.GuildID, Author: s.BotUser, Timestamp: time.Now().UTC(), Type: discordgo.MessageTypeDefault}, Source: SourceChannel}
		s.applyLocked(m, p, comps, b.Files, b.JSON, true)
		if nonce != "" && p.EnforceNonce {
			s.nonces[key] = nonceEntry{msg: m, at: time.Now()}
		}
		s.storeMessageLocked(m)
		writeJSON(w, 200, wire(m))
	default:
		writeError(w, http.StatusMethodNotAllowed, 0, "405: Method Not Allowed")
	}
}

func (s *Server) channelMessage(w http.ResponseWriter, r *http.Request, path, chID, msgID string) {
	s.mu.Lock()
	ch := s.channels[chID]
	m := s.msgByID[msgID]
	s.mu.Unlock()
	if ch == nil {
		writeError(w, http.StatusNotFound, 10003, "Unknown Channel")
		return
	}
	if m == nil || m.ChannelID != chID || m.Deleted || m.Ephemeral() {
		writeError(w, http.StatusNotFound, 10008, "Unknown Message")
		return
	}
	switch r.Method {
	case http.MethodGet:
		s.mu.Lock()
		out := wire(m)
		s.mu.Unlock()
		writeJSON(w, 200, out)
	case http.MethodPatch:
		b, p, comps, ok := s.readMessage(w, r, path, checkEdit)
		if !ok {
			return
		}
		s.mu.Lock()
		if m.Author == nil || m.Author.ID != s.AppID {
			s.mu.Unlock()
			writeError(w, http.StatusForbidden, 50005, "Cannot edit a message authored by another user")
			return
		}
		s.applyLocked(m, p, comps, b.Files, b.JSON, false)
		s.notifyLocked()
		out := wire(m)
		s.mu.Unlock()
		writeJSON(w, 200, out)
	case http.MethodDelete:
		s.mu.Lock()
		m.Deleted = true
		s.deletions = append(s.deletions, Deletion{Kind: "message", ChannelID: chID, MessageID: msgID, At: time.Now()})
		s.notifyLocked()
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		writeError(w, http.StatusMethodNotAllowed, 0, "405: Method Not Allowed")
	}
}

func (s *Server) startThread(w http.ResponseWriter, r *http.Request, path, chID, msgID string) {
	s.mu.Lock()
	parent := s.channels[chID]
	var from *Message
	if msgID != "" {
		from = s.msgByID[msgID]
	}
	s.mu.Unlock()
	if parent == nil || parent.IsThread() {
		writeError(w, http.StatusNotFound, 10003, "Unknown Channel")
		return
	}
	if msgID != "" && (from == nil || from.ChannelID != chID || from.Deleted) {
		writeError(w, http.StatusNotFound, 10008, "Unknown Message")
		return
	}
	forum := parent.Type == discordgo.ChannelTypeGuildForum || parent.Type == discordgo.ChannelTypeGuildMedia
	if forum && msgID != "" {
		writeError(w, http.StatusBadRequest, 50024, "Cannot execute action on this channel type")
		return
	}
	b, ok := s.readChecked(w, r, path, func(b body) Problems { return ValidateThreadJSON(b.JSON, forum, len(b.Files) > 0) })
	if !ok {
		return
	}
	var req struct {
		Name     string          `json:"name"`
		Archive  int             `json:"auto_archive_duration"`
		Type     int             `json:"type"`
		Message  json.RawMessage `json:"message"`
		RateUser int             `json:"rate_limit_per_user"`
	}
	if err := json.Unmarshal(b.JSON, &req); err != nil {
		s.reject(w, r, path, b.JSON, Problems{{Code: "MODEL_TYPE_CONVERT", Message: err.Error()}})
		return
	}
	var first msgPayload
	var firstComps []discordgo.MessageComponent
	if forum {
		var err error
		if first, firstComps, err = parseMsg(req.Message); err != nil {
			s.reject(w, r, path, b.JSON, Problems{{Path: "message", Code: "MODEL_TYPE_CONVERT", Message: err.Error()}})
			return
		}
	}
	s.mu.Lock()
	if msgID != "" {
		for _, th := range s.threads {
			if th.StarterMessage == msgID {
				s.mu.Unlock()
				writeError(w, http.StatusBadRequest, 160004, "A thread has already been created for this message")
				return
			}
		}
	}
	typ := discordgo.ChannelTypeGuildPublicThread
	if msgID == "" && !forum && req.Type == int(discordgo.ChannelTypeGuildPrivateThread) {
		typ = discordgo.ChannelTypeGuildPrivateThread
	}
	id := msgID
	if id == "" {
		id = s.newIDLocked()
	}
	th := s.newThreadLocked(id, parent, req.Name, typ, req.Archive)
	starter := msgID
	if forum {
		fm := &Message{Message: discordgo.Message{ID: id, ChannelID: id, GuildID: parent.GuildID, Author: s.BotUser, Timestamp: time.Now().UTC()}, Source: SourceChannel}
		s.applyLocked(fm, first, firstComps, b.Files, req.Message, true)
		s.storeMessageLocked(fm)
		starter = id
	}
	if from != nil {
		from.Thread = th
	}
	s.threads = append(s.threads, Thread{Channel: *th, ParentID: chID, StarterMessage: starter, Payload: string(b.JSON)})
	s.notifyLocked()
	cp := *th
	s.mu.Unlock()
	s.gw.dispatch(cp.GuildID, "THREAD_CREATE", &cp)
	if forum {
		out := struct {
			*discordgo.Channel
			Message *discordgo.Message `json:"message"`
		}{&cp, wire(s.msgByIDCopy(id))}
		writeJSON(w, 201, out)
		return
	}
	writeJSON(w, 201, &cp)
}

func (s *Server) msgByIDCopy(id string) *Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.msgByID[id].clone()
}

func (s *Server) getGuild(w http.ResponseWriter, id string) {
	s.mu.Lock()
	g := s.guildLocked(id)
	var cp discordgo.Guild
	if g != nil {
		cp = *g.g
	}
	s.mu.Unlock()
	if g == nil {
		writeError(w, http.StatusNotFound, 10004, "Unknown Guild")
		return
	}
	writeJSON(w, 200, &cp)
}

func (s *Server) guildChannels(w http.ResponseWriter, id string) {
	s.mu.Lock()
	g := s.guildLocked(id)
	out := []*discordgo.Channel{}
	for _, ch := range s.channels {
		if ch.GuildID == id && !ch.IsThread() {
			cp := *ch
			out = append(out, &cp)
		}
	}
	s.mu.Unlock()
	if g == nil {
		writeError(w, http.StatusNotFound, 10004, "Unknown Guild")
		return
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Position < out[j].Position })
	writeJSON(w, 200, out)
}

func (s *Server) guildMember(w http.ResponseWriter, gid, uid string) {
	s.mu.Lock()
	g := s.guildLocked(gid)
	var m *discordgo.Member
	if g != nil && g.members[uid] != nil {
		m = copyMember(g.members[uid])
	}
	s.mu.Unlock()
	switch {
	case g == nil:
		writeError(w, http.StatusNotFound, 10004, "Unknown Guild")
	case m == nil:
		writeError(w, http.StatusNotFound, 10007, "Unknown Member")
	default:
		writeJSON(w, 200, m)
	}
}
