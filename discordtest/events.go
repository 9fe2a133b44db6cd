package discordtest

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Guild scheduled events (discord-api-docs resources/guild-scheduled-event.mdx):
// POST, GET /guilds/{g}/scheduled-events, GET, PATCH, DELETE
// /guilds/{g}/scheduled-events/{e}. Payloads are checked against Discord's
// rules (name 1–100, description ≤ 1000, privacy_level 2; an external event
// has entity_metadata.location 1–100, a scheduled_end_time after its start
// and no channel; at most 100 scheduled or active events a server), and
// status moves only forward (scheduled → active → completed, scheduled →
// canceled). A test reads them with ScheduledEvents.

const maxActiveEvents = 100

// ValidateScheduledEventJSON checks a scheduled event payload; create
// reports whether it creates one (then name, times, privacy and type are
// required).
func ValidateScheduledEventJSON(raw []byte, create bool) Problems {
	m, ps := decodeObj(raw)
	if ps != nil {
		return ps
	}
	c := &checker{}
	if create {
		c.length(m, "", "name", 1, 100)
	} else if _, ok := m["name"]; ok {
		c.length(m, "", "name", 1, 100)
	}
	c.length(m, "", "description", 0, 1000)
	if p, ok := num(m, "privacy_level"); ok && p != 2 || !ok && create {
		c.add("privacy_level", "BASE_TYPE_CHOICES", "privacy_level must be 2 (guild only)")
	}
	typ, hasType := num(m, "entity_type")
	if create && !hasType {
		c.add("entity_type", "BASE_TYPE_REQUIRED", "entity_type is required")
	}
	start, startErr := eventTime(m, "scheduled_start_time")
	end, endErr := eventTime(m, "scheduled_end_time")
	if create && start.IsZero() || startErr != nil {
		c.add("scheduled_start_time", "DATE_TIME_TYPE_PARSE", "scheduled_start_time must be an ISO8601 time")
	}
	if endErr != nil {
		c.add("scheduled_end_time", "DATE_TIME_TYPE_PARSE", "scheduled_end_time must be an ISO8601 time")
	}
	if typ == 3 {
		meta := sub(m, "entity_metadata")
		if meta == nil {
			c.add("entity_metadata", "BASE_TYPE_REQUIRED", "an external event needs entity_metadata.location")
		} else {
			c.length(meta, "entity_metadata", "location", 1, 100)
		}
		if end.IsZero() {
			c.add("scheduled_end_time", "BASE_TYPE_REQUIRED", "an external event needs scheduled_end_time")
		}
		if ch, ok := str(m, "channel_id"); ok {
			c.add("channel_id", "BASE_TYPE_INVALID", "an external event has no channel, got %s", ch)
		}
	}
	if !start.IsZero() && !end.IsZero() && !end.After(start) {
		c.add("scheduled_end_time", "BASE_TYPE_INVALID", "scheduled_end_time must be after scheduled_start_time")
	}
	if s, ok := num(m, "status"); ok && (s < 1 || s > 4) {
		c.add("status", "BASE_TYPE_CHOICES", "status must be 1 to 4")
	}
	return c.ps
}

func eventTime(m obj, k string) (time.Time, error) {
	s, ok := str(m, k)
	if !ok {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339, s)
}

// ScheduledEvents returns a guild's scheduled events (deleted ones left
// out), in creation order.
func (s *Server) ScheduledEvents(guildID string) []discordgo.GuildScheduledEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []discordgo.GuildScheduledEvent
	for _, ev := range s.cs.events {
		if ev.GuildID == guildID {
			out = append(out, *ev)
		}
	}
	return out
}

func (s *Server) eventsRoute(w http.ResponseWriter, r *http.Request, path, guildID, eventID string) {
	s.mu.Lock()
	g := s.guildLocked(guildID)
	s.mu.Unlock()
	if g == nil {
		writeError(w, http.StatusNotFound, 10004, "Unknown Guild")
		return
	}
	switch {
	case eventID == "" && r.Method == http.MethodGet:
		s.mu.Lock()
		out := []*discordgo.GuildScheduledEvent{}
		for _, ev := range s.cs.events {
			if ev.GuildID == guildID {
				cp := *ev
				out = append(out, &cp)
			}
		}
		s.mu.Unlock()
		writeJSON(w, 200, out)
	case eventID == "" && r.Method == http.MethodPost:
		b, ok := s.readChecked(w, r, path, func(b body) Problems { return ValidateScheduledEventJSON(b.JSON, true) })
		if !ok {
			return
		}
		var ev discordgo.GuildScheduledEvent
		if err := json.Unmarshal(b.JSON, &ev); err != nil {
			s.reject(w, r, path, b.JSON, Problems{{Code: "MODEL_TYPE_CONVERT", Message: err.Error()}})
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		active := 0
		for _, e := range s.cs.events {
			if e.GuildID == guildID && (e.Status == discordgo.GuildScheduledEventStatusScheduled || e.Status == discordgo.GuildScheduledEventStatusActive) {
				active++
			}
		}
		if active >= maxActiveEvents {
			writeError(w, http.StatusBadRequest, 30038, "Maximum number of uncompleted guild scheduled events reached (100)")
			return
		}
		ev.ID, ev.GuildID, ev.CreatorID, ev.Creator = s.newIDLocked(), guildID, s.AppID, s.BotUser
		ev.Status = discordgo.GuildScheduledEventStatusScheduled
		s.cs.events = append(s.cs.events, &ev)
		s.notifyLocked()
		cp := ev
		writeJSON(w, 200, &cp)
	default:
		s.mu.Lock()
		var ev *discordgo.GuildScheduledEvent
		idx := -1
		for i, e := range s.cs.events {
			if e.ID == eventID && e.GuildID == guildID {
				ev, idx = e, i
			}
		}
		s.mu.Unlock()
		if ev == nil {
			writeError(w, http.StatusNotFound, 10070, "Unknown Guild Scheduled Event")
			return
		}
		switch r.Method {
		case http.MethodGet:
			s.mu.Lock()
			cp := *ev
			s.mu.Unlock()
			writeJSON(w, 200, &cp)
		case http.MethodDelete:
			s.mu.Lock()
			s.cs.events = append(s.cs.events[:idx], s.cs.events[idx+1:]...)
			s.deletions = append(s.deletions, Deletion{Kind: "scheduled-event", ChannelID: guildID, MessageID: eventID, At: time.Now()})
			s.notifyLocked()
			s.mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		case http.MethodPatch:
			b, ok := s.readChecked(w, r, path, func(b body) Problems { return ValidateScheduledEventJSON(b.JSON, false) })
			if !ok {
				return
			}
			var p struct {
				Status *discordgo.GuildScheduledEventStatus `json:"status"`
				Name   *string                              `json:"name"`
			}
			json.Unmarshal(b.JSON, &p)
			s.mu.Lock()
			defer s.mu.Unlock()
			if p.Status != nil {
				from, to := ev.Status, *p.Status
				okMove := from == 1 && (to == 2 || to == 4) || from == 2 && to == 3 || from == to
				if !okMove {
					writeError(w, http.StatusBadRequest, 180002, "Cannot update the status of this guild scheduled event")
					return
				}
				ev.Status = to
			}
			if p.Name != nil {
				ev.Name = *p.Name
			}
			s.notifyLocked()
			cp := *ev
			writeJSON(w, 200, &cp)
		default:
			writeError(w, http.StatusMethodNotAllowed, 0, "405: Method Not Allowed")
		}
	}
}
