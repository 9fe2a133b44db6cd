package discordtest

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/bwmarrin/discordgo"
)

// Direct messages: POST /users/@me/channels {"recipient_id"} opens (or
// returns the already open) DM channel with a user, type 1. Messages sent
// there are checked and recorded like channel messages (Messages, WaitMessage
// with the channel's ID, or DMs/WaitDM by user). A user whose DMs are closed
// (SetDMsClosed), or who shares no server with the bot, gets no message:
// sending answers 403 {"code":50007,"message":"Cannot send messages to this
// user"}, as Discord does; opening the channel still succeeds.

// dmCreate answers POST /users/@me/channels.
func (s *Server) dmCreate(w http.ResponseWriter, r *http.Request, path string) {
	b, ok := s.readChecked(w, r, path, func(b body) Problems {
		var req struct {
			RecipientID *json.RawMessage `json:"recipient_id"`
		}
		if err := json.Unmarshal(b.JSON, &req); err != nil {
			return Problems{{Code: "MODEL_TYPE_CONVERT", Message: "Invalid JSON: " + err.Error()}}
		}
		if req.RecipientID == nil {
			return Problems{{Path: "recipient_id", Code: "BASE_TYPE_REQUIRED", Message: "This field is required"}}
		}
		var id string
		if err := json.Unmarshal(*req.RecipientID, &id); err != nil || !isSnowflake(id) {
			return Problems{{Path: "recipient_id", Code: "NUMBER_TYPE_COERCE", Message: "Value is not snowflake."}}
		}
		return nil
	})
	if !ok {
		return
	}
	var req struct {
		RecipientID string `json:"recipient_id"`
	}
	_ = json.Unmarshal(b.JSON, &req)
	s.mu.Lock()
	u := s.users[req.RecipientID]
	if u == nil {
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, 50033, "Invalid Recipient(s)")
		return
	}
	ch := s.dmChannelLocked(u)
	cp := *ch
	s.mu.Unlock()
	writeJSON(w, 200, &cp)
}

func isSnowflake(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// dmChannelLocked returns the DM channel with u, opening it if needed.
func (s *Server) dmChannelLocked(u *discordgo.User) *discordgo.Channel {
	if id, ok := s.dms[u.ID]; ok {
		if ch := s.channels[id]; ch != nil {
			return ch
		}
	}
	uc := *u
	ch := &discordgo.Channel{ID: s.newIDLocked(), Type: discordgo.ChannelTypeDM, Recipients: []*discordgo.User{&uc}}
	s.channels[ch.ID] = ch
	s.dms[u.ID] = ch.ID
	s.notifyLocked()
	return ch
}

// dmRefusedLocked reports whether a message to DM channel ch is refused
// (50007): the recipient closed their DMs or shares no server with the
// bot.
func (s *Server) dmRefusedLocked(ch *discordgo.Channel) bool {
	if ch.Type != discordgo.ChannelTypeDM || len(ch.Recipients) == 0 {
		return false
	}
	uid := ch.Recipients[0].ID
	if s.dmClosed[uid] {
		return true
	}
	for _, g := range s.guilds {
		if g.members[uid] != nil {
			return false
		}
	}
	return true
}

// SetDMsClosed closes (or reopens) a user's direct messages: while closed,
// every message the bot sends them answers 403 with code 50007.
func (s *Server) SetDMsClosed(userID string, closed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if closed {
		s.dmClosed[userID] = true
	} else {
		delete(s.dmClosed, userID)
	}
}

// DMChannel returns a copy of the DM channel the bot opened with userID,
// or nil if it opened none.
func (s *Server) DMChannel(userID string) *discordgo.Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channels[s.dms[userID]]
	if ch == nil {
		return nil
	}
	cp := *ch
	return &cp
}

// DMs returns copies of the messages the bot sent userID by direct
// message, oldest first (none when no DM channel was opened).
func (s *Server) DMs(userID string) []*Message {
	s.mu.Lock()
	id, ok := s.dms[userID]
	s.mu.Unlock()
	if !ok {
		return nil
	}
	return s.Messages(id)
}

// DMRefusals is how many messages to userID were refused with 50007.
func (s *Server) DMRefusals(userID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dmRefused[userID]
}

// WaitDMCtx waits for a direct message to userID (existing or future) for
// which match returns true (nil matches any).
func (s *Server) WaitDMCtx(ctx context.Context, userID string, match func(*Message) bool) (*Message, error) {
	if match == nil {
		match = func(*Message) bool { return true }
	}
	var found *Message
	_, err := waitSnap(s, ctx, func() []*Message {
		id, ok := s.dms[userID]
		if !ok {
			return nil
		}
		var out []*Message
		for _, m := range s.messages[id] {
			if !m.Deleted {
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
		return nil, err
	}
	return found, nil
}

// WaitDM is WaitDMCtx with DefaultTimeout; it fails t on timeout. Call it
// from the test goroutine.
func (s *Server) WaitDM(t testing.TB, userID string, match func(*Message) bool) *Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	m, err := s.WaitDMCtx(ctx, userID, match)
	if err != nil {
		t.Fatalf("discordtest: waiting for a direct message to %s: %v", userID, err)
	}
	return m
}
