package commands

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// Routes of /subscribe's buttons.
const (
	routeSubscribe   = "sub"   // sub:<story>: the card's Subscribe button
	routeUnsubscribe = "unsub" // unsub:<story>: offered to a member already subscribed
)

// maxAlertPings is the most subscribers one alert mentions; the rest are
// counted.
const maxAlertPings = 100

// registerSubscribe adds /subscribe (add, remove, list) and the
// Subscribe and Unsubscribe buttons.
func (c *cmds) registerSubscribe(r *Router) {
	r.Add(&Command{
		Def: &discordgo.ApplicationCommand{
			Name:        "subscribe",
			Description: "Hear when a work in progress gets a new chapter on AO3",
			Options: []*discordgo.ApplicationCommandOption{
				{
					Type:        discordgo.ApplicationCommandOptionSubCommand,
					Name:        "add",
					Description: "Subscribe to a story's new chapters (it needs an AO3 work)",
					Options:     []*discordgo.ApplicationCommandOption{storyOption("The story to follow", true)},
				},
				{
					Type:        discordgo.ApplicationCommandOptionSubCommand,
					Name:        "remove",
					Description: "Stop hearing about a story's new chapters",
					Options:     []*discordgo.ApplicationCommandOption{storyOption("The story to stop following", true)},
				},
				{
					Type:        discordgo.ApplicationCommandOptionSubCommand,
					Name:        "list",
					Description: "Your subscriptions in this server",
				},
			},
		},
		Subcommands: map[string]HandlerFunc{
			"add":    c.subscribeAdd,
			"remove": c.subscribeRemove,
			"list":   c.subscribeList,
		},
		Autocomplete: c.autocompleteStories,
		Ephemeral:    true,
	})
	r.Component(routeSubscribe, c.subscribeButton)
	r.Component(routeUnsubscribe, c.unsubscribeButton)
}

// subscribeButton is the Subscribe button of a card for a story with an AO3
// work: the same as /subscribe add, except that a member already
// subscribed is offered an Unsubscribe button. Answers are ephemeral.
func (c *cmds) subscribeButton(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	rec, err := c.storyByArg(ctx, req)
	if err != nil {
		return nil, err
	}
	return c.subscribe(ctx, req, rec, true)
}

// unsubscribeButton ends the subscription and replaces the ephemeral
// message it is on.
func (c *cmds) unsubscribeButton(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	rec, err := c.storyByArg(ctx, req)
	if err != nil {
		return nil, err
	}
	msg, err := c.unsubscribe(ctx, req, rec)
	if err != nil {
		return nil, err
	}
	return Update(msg, nil), nil
}

func (c *cmds) subscribeAdd(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	rec, err := c.resolveStory(ctx, req, "story")
	if err != nil {
		return nil, err
	}
	return c.subscribe(ctx, req, rec, false)
}

// subscribe subscribes the member to rec. fromButton: a member already
// subscribed is offered to unsubscribe.
func (c *cmds) subscribe(ctx context.Context, req *Request, rec shelf.StoryRecord, fromButton bool) (*discordgo.InteractionResponse, error) {
	sub, added, err := c.subs.Subscribe(ctx, req.GuildID, req.UserID, rec.ID, c.now())
	if err := storeError(err, actSubscribe, facts{Story: rec.Story.Title}); err != nil {
		return nil, err
	}
	if !added {
		msg := fmt.Sprintf("You're already subscribed to %s (chapters %s).", storyName(rec.Story.Title), chapterStat(sub))
		if fromButton {
			r := Ephemeral(msg + " Unsubscribe?")
			r.Data.Components = []discordgo.MessageComponent{Row(Button("Unsubscribe", discordgo.DangerButton, routeUnsubscribe, rec.ID))}
			return r, nil
		}
		return Ephemeral(msg + " Use `/subscribe remove` to stop."), nil
	}
	where := "by direct message"
	if st, err := c.settings.Settings(ctx, req.GuildID); err == nil && st.UpdatesChannelID != "" {
		where = "in <#" + st.UpdatesChannelID + ">"
	}
	return Ephemeral(fmt.Sprintf("🔔 Subscribed to %s (chapters %s). I'll tell you %s when AO3 shows a new chapter or it is completed. `/subscribe list` shows what you follow.",
		storyName(rec.Story.Title), chapterStat(sub), where)), nil
}

func (c *cmds) subscribeRemove(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	rec, err := c.resolveStory(ctx, req, "story")
	if err != nil {
		return nil, err
	}
	msg, err := c.unsubscribe(ctx, req, rec)
	if err != nil {
		return nil, err
	}
	return Ephemeral(msg), nil
}

func (c *cmds) unsubscribe(ctx context.Context, req *Request, rec shelf.StoryRecord) (string, error) {
	err := c.subs.Unsubscribe(ctx, req.GuildID, req.UserID, rec.ID)
	if errors.Is(err, shelf.ErrNotFound) {
		return fmt.Sprintf("You weren't subscribed to %s, so there was nothing to end.", storyName(rec.Story.Title)), nil
	}
	if err := storeError(err, actSubscribe, facts{Story: rec.Story.Title}); err != nil {
		return "", err
	}
	return fmt.Sprintf("Done: you'll no longer hear about new chapters of %s.", storyName(rec.Story.Title)), nil
}

// chapterStat is "3/?" for a subscription.
func chapterStat(s shelf.Subscription) string {
	st := fic.Story{ChaptersPosted: s.ChaptersPosted, ChaptersExpected: s.ChaptersExpected}
	return st.ChapterCount()
}

// subscribeList is /subscribe list: the member's subscriptions with the
// chapters known and when each was last checked.
func (c *cmds) subscribeList(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	subs, err := c.subs.Subscriptions(ctx, req.GuildID, req.UserID)
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", err)
	}
	closed, err := c.subs.DMsClosed(ctx, req.GuildID, req.UserID)
	if err != nil {
		return nil, fmt.Errorf("DMs closed: %w", err)
	}
	return Ephemeral(subscriptionsText(subs, closed)), nil
}

// subscriptionsText is /subscribe list's answer, within 2000 characters.
func subscriptionsText(subs []shelf.Subscription, dmsClosed bool) string {
	var b strings.Builder
	if dmsClosed {
		b.WriteString("⚠️ My last alerts could not reach you by direct message: Discord refused them (your direct messages from this server are closed). Open them in this server's Privacy Settings, or ask an admin to set `/settings updates-channel`.\n\n")
	}
	if len(subs) == 0 {
		b.WriteString("You have no subscriptions in this server. Follow a work in progress with `/subscribe add` or the Subscribe button on its card.")
		return b.String()
	}
	b.WriteString("**Your subscriptions in this server**\n")
	const room = 1900
	for i, s := range subs {
		checked := "not checked yet"
		switch {
		case s.Gone:
			checked = "AO3 no longer shows it, so it isn't checked any more"
		case !s.LastChecked.IsZero():
			checked = fmt.Sprintf("last checked <t:%d:R>", s.LastChecked.Unix())
		}
		line := fmt.Sprintf("• %s — chapters %s, %s\n", storyName(s.StoryTitle), chapterStat(s), checked)
		if utf8.RuneCountInString(b.String())+utf8.RuneCountInString(line) > room {
			fmt.Fprintf(&b, "…and %d more.", len(subs)-i)
			break
		}
		b.WriteString(line)
	}
	return strings.TrimRight(b.String(), "\n")
}

// ---- alerts ----

// AlertWording is what a member reads of an update alert
// (jobs.AlertWording; jobs.Alerts sends them).
type AlertWording struct{ c *cmds }

// NewAlertWording returns the alert wording, which reads d's store for
// where a story card may show its summary.
func NewAlertWording(d Deps) AlertWording {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return AlertWording{c: newCmds(d)}
}

// Marker implements jobs.AlertWording.
func (w AlertWording) Marker(al shelf.Alert) string { return alertMarker(al) }

// ChannelAlert implements jobs.AlertWording.
func (w AlertWording) ChannelAlert(ctx context.Context, al shelf.Alert, rec shelf.StoryRecord, channel string) *discordgo.MessageSend {
	return w.channelAlert(ctx, al, rec, channel)
}

// DirectAlert implements jobs.AlertWording.
func (w AlertWording) DirectAlert(ctx context.Context, al shelf.Alert, rec shelf.StoryRecord) *discordgo.MessageSend {
	return w.dmAlert(ctx, al, rec)
}

// alertMarker is the text that identifies an alert's message among the
// bot's own: its last line names the alert.
func alertMarker(al shelf.Alert) string {
	return fmt.Sprintf("-# Update %s-%s", al.StoryID, al.ID)
}

// alertText is what an alert says, without mentions: what changed (or
// AO3's note), how to bring new chapters in, and its marker.
func alertText(al shelf.Alert, dm bool) string {
	title := escapeMarkdown(clip(al.Title, 150))
	var b strings.Builder
	if al.Kind == shelf.AlertUpdate {
		fmt.Fprintf(&b, "🔔 **%s** updated on AO3: %s.", title, al.Summary)
		b.WriteString("\nThe new chapters' text isn't in the library yet: whoever added the story, or a moderator, can bring it in with `/story add` and the new download from AO3.")
	} else {
		b.WriteString("🔕 " + fic.SubscriberNote(workStateErr(al.Kind), "**"+title+"**"))
	}
	if dm {
		b.WriteString("\nYou get this because you subscribed to it in a server with Ficshelf; `/subscribe remove` there ends it.")
	}
	b.WriteString("\n" + alertMarker(al))
	return b.String()
}

// workStateErr is the fic error of a work state, for fic.SubscriberNote.
func workStateErr(kind string) error {
	switch kind {
	case shelf.WorkDeleted:
		return fic.ErrWorkDeleted
	case shelf.WorkRestricted:
		return fic.ErrWorkRestricted
	case shelf.WorkHidden:
		return fic.ErrWorkHidden
	case shelf.WorkUnrevealed:
		return fic.ErrWorkUnrevealed
	}
	return errors.New(kind)
}

// alertCard is the story card for an alert shown in channel ("" for a
// direct message, where an adult story's summary stays hidden).
func (a AlertWording) alertCard(ctx context.Context, al shelf.Alert, rec shelf.StoryRecord, channel string) []*discordgo.MessageEmbed {
	if rec.ID == "" || al.Kind != shelf.AlertUpdate {
		return nil
	}
	p := showNothing
	if channel != "" {
		var err error
		p, err = a.c.placement(ctx, &Request{GuildID: al.GuildID, ChannelID: channel}, rec.Story.Rating)
		if err != nil {
			p = showNothing
		}
	} else if !rec.Story.Rating.Adult() {
		p = showPlainly
	}
	return []*discordgo.MessageEmbed{storyCard(rec, cardOptions{HideSummary: p == showNothing, SpoilerSummary: p == showSpoilered})}
}

// channelAlert is the post in the updates channel: it mentions the
// story's subscribers (at most maxAlertPings, and what fits; the rest are
// counted) and pings nobody else.
func (a AlertWording) channelAlert(ctx context.Context, al shelf.Alert, rec shelf.StoryRecord, channel string) *discordgo.MessageSend {
	text := alertText(al, false)
	room := 2000 - utf8.RuneCountInString(text) - 24
	var b strings.Builder
	pings := []string{}
	used := 0
	for _, u := range al.Recipients {
		mention := "<@" + u + "> "
		if len(pings) == maxAlertPings || used+len(mention) > room {
			break
		}
		pings = append(pings, u)
		b.WriteString(mention)
		used += len(mention)
	}
	if n := len(al.Recipients) - len(pings); n > 0 {
		fmt.Fprintf(&b, "and %d more", n)
	}
	content := text
	if b.Len() > 0 {
		// The marker stays the last line.
		i := strings.LastIndex(text, "\n")
		content = text[:i] + "\n" + strings.TrimSpace(b.String()) + text[i:]
	}
	m := &discordgo.MessageSend{
		Content:         content,
		Embeds:          a.alertCard(ctx, al, rec, channel),
		AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}, Users: pings},
	}
	if rec.ID != "" {
		m.Components = cardButtons(rec)
	}
	return m
}

// dmAlert is the direct message to one subscriber.
func (a AlertWording) dmAlert(ctx context.Context, al shelf.Alert, rec shelf.StoryRecord) *discordgo.MessageSend {
	return &discordgo.MessageSend{
		Content:         alertText(al, true),
		Embeds:          a.alertCard(ctx, al, rec, ""),
		AllowedMentions: noPings(),
	}
}
