package commands

import (
	"context"
	"fmt"

	"ficshelf/jobs"
	"ficshelf/shelf"
)

// Events clubs (/club start events:true, or a poll's events option): the
// next checkpoint is a server event (jobs.ClubEventer), worded here.

// EventName is a checkpoint's event name (≤ 100 characters).
func (CheckpointWording) EventName(club shelf.Club, cp shelf.Checkpoint) string {
	return clip("📖 "+club.Name+" — "+chapterSpan(cp), 100)
}

// EventDescription says what the checkpoint's event is (≤ 1000).
func (CheckpointWording) EventDescription(club shelf.Club, cp shelf.Checkpoint) string {
	return clip(fmt.Sprintf("Checkpoint %d of %d of the reading club %s: %s of %s. The discussion opens in the club's channel when it starts; join the club there with /club join.",
		cp.Number, len(club.Checkpoints), club.Name, chapterSpan(cp), club.StoryTitle), 1000)
}

// EventLocation is where the event is: the club's channel by name (an
// event's location is plain text), else its mention (≤ 100).
func (CheckpointWording) EventLocation(club shelf.Club, channelName string) string {
	if channelName != "" {
		return clip("#"+channelName, 100)
	}
	return "<#" + club.ChannelID + ">"
}

// eventer returns the club events keeper over this process's Discord and
// store, or nil when either lacks what it needs.
func (c *cmds) eventer() *jobs.ClubEventer {
	d, ok := c.discord.(jobs.EventsDiscord)
	if !ok {
		return nil
	}
	st, ok := c.clubs.(shelf.ClubEvents)
	if !ok {
		return nil
	}
	return &jobs.ClubEventer{Store: st, Discord: d, Words: CheckpointWording{}, Log: c.log}
}

// startEvents creates a new events club's first event; it returns a
// sentence for the member when it could not.
func (c *cmds) startEvents(ctx context.Context, club shelf.Club) string {
	ev := c.eventer()
	if !club.Events || ev == nil {
		return ""
	}
	if err := ev.Ensure(ctx, club, c.now()); err != nil {
		c.log.Warn("club started without its first scheduled event", "guild", club.GuildID, "club", club.ID, "err", err)
		return "\n\nI couldn't create the server event for the first checkpoint just now; I'll create the next one when a checkpoint opens."
	}
	return ""
}

// endEvents deletes an ended club's events.
func (c *cmds) endEvents(ctx context.Context, club shelf.Club) {
	if ev := c.eventer(); ev != nil && club.Events {
		if fresh, err := c.clubs.Club(ctx, club.GuildID, club.ID); err == nil {
			club = fresh
		}
		ev.Ended(ctx, club)
	}
}

// clubModes tells members what a gated or events club does differently.
func clubModes(club shelf.Club) string {
	s := ""
	if club.Gated {
		s += " Checkpoint threads are private: you're added to each once you've read its chapters (`/club progress`, or **I've read it** on the announcement)."
	}
	if club.Events {
		s += " The next checkpoint is always a server event you can mark Interested."
	}
	return s
}
