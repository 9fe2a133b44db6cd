package discordtest

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Message sources.
const (
	SourceSeed     = "seed"     // AddMessage
	SourceChannel  = "channel"  // POST channels/{id}/messages, forum first posts
	SourceOriginal = "original" // an interaction's original response
	SourceFollowup = "followup" // POST webhooks/{app}/{token}
)

// Message is a recorded message: its visible state (embedded discordgo
// Message: ID, ChannelID, Content, Embeds, Components, Flags, Attachments…)
// plus what the bot sent with it. Values returned by the server are copies.
type Message struct {
	discordgo.Message
	AllowedMentions *discordgo.MessageAllowedMentions
	Nonce           string
	EnforceNonce    bool
	Files           []File // files attached at creation or by the last edit
	Source          string // SourceChannel, SourceOriginal, ...
	InteractionID   string // the interaction it answers, if any
	Deferred        bool   // still showing "thinking…" (type 5, not yet edited)
	Edits           int
	Deleted         bool
	Raw             string // the last JSON payload that created or edited it
}

// File is an uploaded file.
type File struct {
	Name        string
	ContentType string
	Data        []byte
	// Description is the attachment's description (alt text) the payload
	// gave it, in its attachments list by the file's index.
	Description string
}

// Ephemeral reports whether only the invoking member sees the message.
func (m *Message) Ephemeral() bool { return m.Flags&discordgo.MessageFlagsEphemeral != 0 }

// CustomIDs lists the custom_ids of the message's components in order.
func (m *Message) CustomIDs() []string {
	var ids []string
	walkComponents(m.Components, func(c discordgo.MessageComponent) {
		if id := componentCustomID(c); id != "" {
			ids = append(ids, id)
		}
	})
	return ids
}

// Component returns the component with customID, or nil.
func (m *Message) Component(customID string) discordgo.MessageComponent {
	var found discordgo.MessageComponent
	walkComponents(m.Components, func(c discordgo.MessageComponent) {
		if found == nil && componentCustomID(c) == customID {
			found = c
		}
	})
	return found
}

func walkComponents(cs []discordgo.MessageComponent, f func(discordgo.MessageComponent)) {
	for _, c := range cs {
		f(c)
		switch v := c.(type) {
		case *discordgo.ActionsRow:
			walkComponents(v.Components, f)
		case discordgo.ActionsRow:
			walkComponents(v.Components, f)
		}
	}
}

func componentCustomID(c discordgo.MessageComponent) string {
	switch v := c.(type) {
	case *discordgo.Button:
		return v.CustomID
	case discordgo.Button:
		return v.CustomID
	case *discordgo.SelectMenu:
		return v.CustomID
	case discordgo.SelectMenu:
		return v.CustomID
	case *discordgo.TextInput:
		return v.CustomID
	case discordgo.TextInput:
		return v.CustomID
	}
	return ""
}

// EmbedText joins every embed's title, description, field names/values and
// footer, for substring assertions.
func (m *Message) EmbedText() string {
	var b strings.Builder
	for _, e := range m.Embeds {
		b.WriteString(e.Title + "\n" + e.Description + "\n")
		for _, f := range e.Fields {
			b.WriteString(f.Name + "\n" + f.Value + "\n")
		}
		if e.Footer != nil {
			b.WriteString(e.Footer.Text + "\n")
		}
		if e.Author != nil {
			b.WriteString(e.Author.Name + "\n")
		}
	}
	return b.String()
}

func (m *Message) clone() *Message {
	cp := *m
	cp.Embeds = append([]*discordgo.MessageEmbed(nil), m.Embeds...)
	cp.Components = append([]discordgo.MessageComponent(nil), m.Components...)
	cp.Files = append([]File(nil), m.Files...)
	cp.Attachments = append([]*discordgo.MessageAttachment(nil), m.Attachments...)
	return &cp
}

func (s *Server) storeMessageLocked(m *Message) {
	s.messages[m.ChannelID] = append(s.messages[m.ChannelID], m)
	s.msgByID[m.ID] = m
	s.notifyLocked()
}

// Messages returns copies of every message recorded in a channel (deleted
// ones included, marked Deleted), oldest first.
func (s *Server) Messages(channelID string) []*Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*Message
	for _, m := range s.messages[channelID] {
		out = append(out, m.clone())
	}
	return out
}

// Message returns a copy of the message with id, or nil.
func (s *Server) Message(id string) *Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.msgByID[id]; ok {
		return m.clone()
	}
	return nil
}

// WaitMessageCtx waits for a message in channelID (existing or future, not
// deleted) for which match returns true; match sees copies.
func (s *Server) WaitMessageCtx(ctx context.Context, channelID string, match func(*Message) bool) (*Message, error) {
	var found *Message
	_, err := waitSnap(s, ctx, func() []*Message {
		var out []*Message
		for _, m := range s.messages[channelID] {
			if !m.Deleted && m.Source != SourceSeed {
				out = append(out, m.clone())
			}
		}
		return out
	}, func(ms []*Message) bool {
		for _, m := range ms {
			if match(m) {
				found = m
				return true
			}
		}
		return false
	})
	if err != nil {
		return nil, fmt.Errorf("discordtest: waiting for a message in channel %s: %w", channelID, err)
	}
	return found, nil
}

// WaitMessage is WaitMessageCtx with DefaultTimeout; it fails t on timeout.
// Call it from the test goroutine. A nil match accepts any message.
func (s *Server) WaitMessage(t testing.TB, channelID string, match func(*Message) bool) *Message {
	t.Helper()
	if match == nil {
		match = func(*Message) bool { return true }
	}
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	m, err := s.WaitMessageCtx(ctx, channelID, match)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return m
}

// Thread is a thread created by the bot.
type Thread struct {
	Channel        discordgo.Channel
	ParentID       string
	StarterMessage string // the message it was started from, or the forum first post
	Payload        string // request JSON
}

// Threads returns the threads created by the bot, in order.
func (s *Server) Threads() []Thread {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Thread(nil), s.threads...)
}

// Deletion is a DELETE the bot made: a message or a channel/thread.
type Deletion struct {
	Kind      string // "message", "channel", "original", "followup"
	ChannelID string
	MessageID string
	At        time.Time
}

// Deletions returns every deletion the bot made.
func (s *Server) Deletions() []Deletion {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Deletion(nil), s.deletions...)
}

// DeleteChannel deletes a channel or thread as if a moderator had (no
// Deletion record; a THREAD_DELETE/CHANNEL_DELETE dispatch is sent).
func (s *Server) DeleteChannel(id string) {
	s.mu.Lock()
	ch := s.channels[id]
	delete(s.channels, id)
	s.notifyLocked()
	s.mu.Unlock()
	if ch != nil {
		s.dispatchChannelDelete(ch)
	}
}

func (s *Server) dispatchChannelDelete(ch *discordgo.Channel) {
	if ch.IsThread() {
		s.gw.dispatch(ch.GuildID, "THREAD_DELETE", map[string]any{"id": ch.ID, "guild_id": ch.GuildID, "parent_id": ch.ParentID, "type": ch.Type})
	} else {
		s.gw.dispatch(ch.GuildID, "CHANNEL_DELETE", ch)
	}
}

// ---- attachments ----

type attachment struct {
	a         discordgo.MessageAttachment
	data      []byte
	downloads int
}

// AddAttachment serves data at srv.URL/attachments/{id}/{filename} with
// Content-Length and returns the attachment to put in an interaction
// (see Attach). Downloads are counted (Downloads).
func (s *Server) AddAttachment(filename, contentType string, data []byte) *discordgo.MessageAttachment {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.newIDLocked()
	url := s.URL + "/attachments/" + id + "/" + filename
	at := &attachment{a: discordgo.MessageAttachment{ID: id, URL: url, ProxyURL: url, Filename: filename, ContentType: contentType, Size: len(data)}, data: append([]byte(nil), data...)}
	s.attach[id] = at
	cp := at.a
	return &cp
}

// HoldAttachments makes every attachment download (from now until
// release is called) wait before its bytes are sent: work that downloads
// an upload stays in the middle of it, e.g. while a test kills the bot.
// The download is counted when it starts.
func (s *Server) HoldAttachments() (release func()) {
	ch := make(chan struct{})
	s.mu.Lock()
	s.attachHold = ch
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			if s.attachHold == ch {
				s.attachHold = nil
			}
			s.mu.Unlock()
			close(ch)
		})
	}
}

// Downloads reports how many times the attachment's bytes were fetched.
func (s *Server) Downloads(attachmentID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if at := s.attach[attachmentID]; at != nil {
		return at.downloads
	}
	return 0
}

func (s *Server) serveAttachment(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/attachments/"), "/")
	s.mu.Lock()
	at := s.attach[parts[0]]
	var data []byte
	var ctype string
	if at != nil && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		if r.Method == http.MethodGet {
			at.downloads++
		}
		data, ctype = at.data, at.a.ContentType
	}
	hold := s.attachHold
	s.mu.Unlock()
	if at == nil {
		http.NotFound(w, r)
		return
	}
	if hold != nil {
		select {
		case <-hold:
		case <-r.Context().Done():
			return // the downloader gave up (or was killed)
		}
	}
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(data)
	}
}

// WaitNewMessage is WaitMessage over messages created after the call only
// (e.g. the next announcement of a background clock).
func (s *Server) WaitNewMessage(t testing.TB, channelID string, match func(*Message) bool) *Message {
	t.Helper()
	if match == nil {
		match = func(*Message) bool { return true }
	}
	s.mu.Lock()
	seen := map[string]bool{}
	for _, m := range s.messages[channelID] {
		seen[m.ID] = true
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	m, err := s.WaitMessageCtx(ctx, channelID, func(m *Message) bool { return !seen[m.ID] && match(m) })
	if err != nil {
		t.Fatalf("%v", err)
	}
	return m
}
