package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"ficshelf/jobs"
	"ficshelf/shelf"
)

// /club nominate and /club poll: members nominate stories for a channel's
// next club, a Discord poll of the nominations decides, and the club
// starts on the winner when the poll ends (jobs.Polls, with the wording of
// ClubPollWording below).

const (
	routePollEnd = "club-pollend" // club-pollend:<poll>
	// Discord's poll limits.
	maxPollQuestion = 300
	maxPollAnswer   = 55
	maxPollHours    = 768
)

// pollEnder is what the End poll button needs of Discord beyond Discord
// (package bot implements it).
type pollEnder interface {
	ExpirePoll(ctx context.Context, channelID, messageID string) error
}

// clubPollOptions are /club nominate's and /club poll's definitions.
func clubPollOptions() []*discordgo.ApplicationCommandOption {
	ten := 10
	return []*discordgo.ApplicationCommandOption{
		{
			Type: discordgo.ApplicationCommandOptionSubCommand, Name: "nominate",
			Description: "Nominate a story for this channel's next club (one per member)",
			Options:     []*discordgo.ApplicationCommandOption{storyOption("The story to nominate", true)},
		},
		{
			Type: discordgo.ApplicationCommandOptionSubCommand, Name: "poll",
			Description: "Poll the nominations; the winner starts as a club (host or Manage Threads)",
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionInteger, Name: "hours", Description: "How long the poll runs, 1 to 768 hours (default 24)", MinValue: ptrFloat(1), MaxValue: maxPollHours},
				{Type: discordgo.ApplicationCommandOptionInteger, Name: "chapters", Description: "Chapters per checkpoint of the club (default 1)", MinValue: ptrFloat(1), MaxValue: maxPerCheckpoint},
				{Type: discordgo.ApplicationCommandOptionInteger, Name: "every", Description: "Days between checkpoints (default 7)", MinValue: ptrFloat(1), MaxValue: 365},
				{Type: discordgo.ApplicationCommandOptionString, Name: "starts", Description: "First checkpoint's date, YYYY-MM-DD (default: the day the poll ends)", MinLength: &ten, MaxLength: 10},
				{Type: discordgo.ApplicationCommandOptionBoolean, Name: "gated", Description: "Private checkpoint threads, joined once a member has read that far"},
				{Type: discordgo.ApplicationCommandOptionBoolean, Name: "events", Description: "Show each checkpoint as a server event"},
			},
		},
	}
}

// registerClubPoll adds the End poll button (the subcommands are part of
// /club's definition).
func (c *cmds) registerClubPoll(r *Router) {
	r.Component(routePollEnd, c.clubPollEndButton)
}

func (c *cmds) pollStore() (shelf.ClubPolls, error) {
	p, ok := c.clubs.(shelf.ClubPolls)
	if !ok {
		return nil, errors.New("club polls: the store has no ClubPolls port")
	}
	return p, nil
}

func (c *cmds) clubNominate(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	polls, err := c.pollStore()
	if err != nil {
		return nil, err
	}
	rec, err := c.resolveStory(ctx, req, "story")
	if err != nil {
		return nil, err
	}
	prev, had, err := polls.Nominate(ctx, req.GuildID, req.ChannelID, req.UserID, rec.ID, c.now())
	switch {
	case errors.Is(err, shelf.ErrAlreadyNominated):
		if prev.UserID == req.UserID {
			return nil, Errorf("You already nominated %s here.", quote(rec.Story.Title))
		}
		return nil, Errorf("%s is already nominated here, by <@%s>. Nominate another story, or vote for it when the poll opens.", quote(rec.Story.Title), prev.UserID)
	case errors.Is(err, shelf.ErrNominationsFull):
		return nil, Errorf("This channel has %d nominations, the most one poll can hold. Wait for the next poll, or ask a member to change theirs.", shelf.MaxNominations)
	case err != nil:
		return nil, storeError(err, actResolve, facts{Story: rec.Story.Title})
	}
	noms, err := polls.Nominations(ctx, req.GuildID, req.ChannelID)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "📚 <@%s> nominated **%s** for this channel's next club", req.UserID, escapeMarkdown(clip(rec.Story.Title, 150)))
	if had && prev.StoryID != rec.ID {
		fmt.Fprintf(&b, " (instead of %s)", quote(prev.StoryTitle))
	}
	fmt.Fprintf(&b, ". Nominations: %d of %d.", len(noms), shelf.MaxNominations)
	if open, err := polls.OpenClubPoll(ctx, req.GuildID, req.ChannelID); err == nil {
		fmt.Fprintf(&b, " A poll is running here (it closes <t:%d:R>); this nomination waits for the next one.", open.Ends.Unix())
	} else if len(noms) >= 2 {
		b.WriteString(" The host can open the vote with `/club poll`.")
	} else {
		b.WriteString(" A poll needs at least 2 nominations.")
	}
	return Reply(b.String()), nil
}

// canRunPolls reports whether the member may open or end a poll here: the
// host of the channel's last club, or Manage Threads. host is that club's
// host ("" when the channel has had none).
func (c *cmds) canRunPolls(ctx context.Context, polls shelf.ClubPolls, req *Request) (ok bool, host string, err error) {
	last, err := polls.LastClub(ctx, req.GuildID, req.ChannelID)
	switch {
	case err == nil:
		host = last.HostID
	case !errors.Is(err, shelf.ErrNotFound):
		return false, "", err
	}
	return host == req.UserID || req.Can(discordgo.PermissionManageThreads), host, nil
}

func (c *cmds) clubPoll(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	polls, err := c.pollStore()
	if err != nil {
		return nil, err
	}
	ok, host, err := c.canRunPolls(ctx, polls, req)
	if err != nil {
		return nil, err
	}
	if !ok {
		if host != "" {
			return nil, Errorf("Only the host of this channel's last club (<@%s>) or someone with Manage Threads can open a poll.", host)
		}
		return nil, Errorf("Only someone with Manage Threads can open a poll here (this channel has had no club, so it has no host yet).")
	}
	ch, err := c.discord.Channel(ctx, req.ChannelID)
	if err != nil {
		return nil, fmt.Errorf("look up channel: %w", err)
	}
	if ch.Type != discordgo.ChannelTypeGuildText && ch.Type != discordgo.ChannelTypeGuildNews {
		return nil, Errorf("Open a poll in an ordinary text channel: the club it starts opens a thread there for each checkpoint.")
	}
	if ap := req.Interaction.AppPermissions; ap != 0 && ap&discordgo.PermissionAdministrator == 0 {
		var lacks []string
		if ap&discordgo.PermissionSendMessages == 0 {
			lacks = append(lacks, "Send Messages")
		}
		if ap&discordgo.PermissionSendPolls == 0 {
			lacks = append(lacks, "Create Polls")
		}
		if len(lacks) > 0 {
			return nil, Errorf("I can't post a poll here: I lack the %s permission in this channel.", strings.Join(lacks, " and "))
		}
	}
	hours, ok := req.Int("hours")
	if !ok {
		hours = 24
	}
	per, ok := req.Int("chapters")
	if !ok {
		per = 1
	}
	every, ok := req.Int("every")
	if !ok {
		every = 7
	}
	if hours < 1 || hours > maxPollHours {
		return nil, Errorf("A poll runs 1 to %d hours (32 days).", maxPollHours)
	}
	if per < 1 || per > maxPerCheckpoint || every < 1 || every > 365 {
		return nil, Errorf("Checkpoints take 1 to 100 chapters each, 1 to 365 days apart.")
	}
	loc, tz, err := c.zone(ctx, req.GuildID)
	if err != nil {
		return nil, err
	}
	now := c.now()
	ends := now.Add(time.Duration(hours) * time.Hour)
	starts := req.String("starts")
	if starts != "" {
		day, err := time.ParseInLocation("2006-01-02", starts, loc)
		today := now.In(loc).Format("2006-01-02")
		if err != nil {
			return nil, Errorf("I couldn't read %s as a date: write it as YYYY-MM-DD, for example %s.", quote(starts), today)
		}
		endDay := ends.In(loc).Format("2006-01-02")
		if starts < endDay {
			return nil, Errorf("The poll closes on %s (%s time), so the club can start on that day at the earliest.", endDay, tz)
		}
		todayDay, _ := time.ParseInLocation("2006-01-02", today, loc)
		if day.After(todayDay.AddDate(1, 0, 0)) {
			return nil, Errorf("A club can start at most a year from today.")
		}
	}
	noms, err := polls.Nominations(ctx, req.GuildID, req.ChannelID)
	if err != nil {
		return nil, err
	}
	if len(noms) < 2 {
		return nil, Errorf("A poll needs at least 2 nominations; this channel has %d. Members nominate with `/club nominate`.", len(noms))
	}
	gated, _ := req.Bool("gated")
	events, _ := req.Bool("events")
	if gated {
		if err := checkGated(req); err != nil {
			return nil, err
		}
	}
	if events {
		if err := checkEvents(req); err != nil {
			return nil, err
		}
	}
	p := shelf.ClubPoll{
		ChannelID: req.ChannelID, CreatedBy: req.UserID, CreatedAt: now, Hours: int(hours), Ends: ends, Timezone: tz,
		Options: shelf.ClubPollOptions{PerCheckpoint: int(per), EveryDays: int(every), Starts: starts, Gated: gated, Events: events},
	}
	titles := make([]string, len(noms))
	for i, n := range noms {
		titles[i] = n.StoryTitle
	}
	texts := pollAnswerTexts(titles, noms)
	for i, n := range noms {
		p.Answers = append(p.Answers, shelf.ClubPollAnswer{AnswerID: i + 1, StoryID: n.StoryID, StoryTitle: n.StoryTitle, Text: texts[i], NominatedBy: n.UserID, NominatedAt: n.At})
	}
	p, err = polls.CreateClubPoll(ctx, req.GuildID, p)
	if errors.Is(err, shelf.ErrPollOpen) {
		return nil, Errorf("This channel already has a poll running; it closes <t:%d:f>. End it early with its **End poll** button.", p.Ends.Unix())
	}
	if err != nil {
		return nil, err
	}
	msg, err := c.discord.SendMessageOnce(ctx, req.ChannelID, jobs.PollNonce("pl", req.GuildID, p.ID), pollMessage(p))
	if err != nil {
		if _, uerr := polls.UpdateClubPoll(ctx, req.GuildID, p.ID, func(q *shelf.ClubPoll) error { q.Closed = "not posted: " + err.Error(); return nil }); uerr != nil {
			c.log.Error("close a club poll that was not posted", "guild", req.GuildID, "poll", p.ID, "err", uerr)
		}
		return nil, fmt.Errorf("post the poll: %w", err)
	}
	if _, err := polls.UpdateClubPoll(ctx, req.GuildID, p.ID, func(q *shelf.ClubPoll) error { q.MessageID = msg.ID; return nil }); err != nil {
		return nil, err
	}
	c.clubsChanged()
	extra := ""
	if active, err := c.clubs.ActiveClub(ctx, req.GuildID, req.ChannelID); err == nil {
		extra = fmt.Sprintf(" %s is still running here: end it with `/club end` before the poll closes, so the winner can start.", quote(active.Name))
	}
	return Ephemeral(fmt.Sprintf("Poll posted: it closes <t:%d:f>. You (or anyone with Manage Threads) can end it early with its **End poll** button.%s", ends.Unix(), extra)), nil
}

// pollAnswerTexts shortens titles to Discord's 55 characters per answer,
// keeping them told apart: titles that would read the same end with their
// story's ID.
func pollAnswerTexts(titles []string, noms []shelf.Nomination) []string {
	out := make([]string, len(titles))
	seen := map[string]int{}
	for i, t := range titles {
		out[i] = clip(strings.TrimSpace(t), maxPollAnswer)
		seen[strings.ToLower(out[i])]++
	}
	for i, t := range titles {
		if seen[strings.ToLower(out[i])] > 1 || out[i] == "" {
			suffix := " (#" + noms[i].StoryID + ")"
			out[i] = clip(strings.TrimSpace(t), maxPollAnswer-utf8.RuneCountInString(suffix)) + suffix
		}
	}
	return out
}

// pollMessage is the poll: Discord's poll object (one vote per member) of
// the nominations, with who nominated each and an End poll button.
func pollMessage(p shelf.ClubPoll) *discordgo.MessageSend {
	var b strings.Builder
	fmt.Fprintf(&b, "🗳️ <@%s> opened the vote for this channel's next club. It closes <t:%d:R>; the winner starts as a club right away (%s per checkpoint, every %s",
		p.CreatedBy, p.Ends.Unix(), countOf(p.Options.PerCheckpoint, "chapter", "chapters"), countOf(p.Options.EveryDays, "day", "days"))
	if p.Options.Starts != "" {
		fmt.Fprintf(&b, ", from %s", p.Options.Starts)
	}
	b.WriteString("). A tie goes to the earliest nomination.\n")
	for _, a := range p.Answers {
		// 50 characters (100 escaped) a title keep ten lines within
		// one message.
		fmt.Fprintf(&b, "\n%d. **%s** — nominated by <@%s>", a.AnswerID, escapeMarkdown(clip(a.StoryTitle, 50)), a.NominatedBy)
	}
	answers := make([]discordgo.PollAnswer, len(p.Answers))
	for i, a := range p.Answers {
		answers[i] = discordgo.PollAnswer{Media: &discordgo.PollMedia{Text: a.Text}}
	}
	return &discordgo.MessageSend{
		Content: clip(b.String(), 2000),
		Poll: &discordgo.Poll{
			Question:         discordgo.PollMedia{Text: clip("📚 What should we read next?", maxPollQuestion)},
			Answers:          answers,
			AllowMultiselect: false,
			LayoutType:       discordgo.PollLayoutTypeDefault,
			Duration:         p.Hours,
		},
		Components:      []discordgo.MessageComponent{Row(discordgo.Button{Label: "End poll", Style: discordgo.SecondaryButton, CustomID: CustomID(routePollEnd, p.ID), Emoji: &discordgo.ComponentEmoji{Name: "⏹️"}})},
		AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}},
	}
}

func (c *cmds) clubPollEndButton(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	if len(req.Args) < 1 {
		return nil, buttonExpired("")
	}
	polls, err := c.pollStore()
	if err != nil {
		return nil, err
	}
	p, err := polls.ClubPoll(ctx, req.GuildID, req.Args[0])
	if errors.Is(err, shelf.ErrNotFound) || errors.Is(err, shelf.ErrInvalidID) {
		return nil, buttonExpired("")
	}
	if err != nil {
		return nil, err
	}
	now := c.now()
	if p.Done() || p.Decided || !p.Ends.After(now) {
		return Ephemeral("This poll has already ended; its result is posted in the channel (or on its way)."), nil
	}
	ok, host, err := c.canRunPolls(ctx, polls, req)
	if err != nil {
		return nil, err
	}
	if !ok && req.UserID != p.CreatedBy {
		who := "someone with Manage Threads"
		if host != "" {
			who = fmt.Sprintf("the host of this channel's last club (<@%s>) or someone with Manage Threads", host)
		}
		return nil, Errorf("Only %s can end this poll early.", who)
	}
	// Ending it is recorded first: the poll job then reads the final
	// counts (and ends the poll on Discord itself should this call fail).
	p, err = polls.UpdateClubPoll(ctx, req.GuildID, p.ID, func(q *shelf.ClubPoll) error {
		if q.Ends.After(now) {
			q.Ends, q.EndedBy = now, req.UserID
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if pe, ok := c.discord.(pollEnder); ok && p.MessageID != "" {
		if err := pe.ExpirePoll(ctx, p.ChannelID, p.MessageID); err != nil {
			c.log.Warn("end poll on Discord failed; the poll job retries", "guild", req.GuildID, "poll", p.ID, "err", err)
		}
	}
	c.clubsChanged()
	return Ephemeral("Poll ended. The result follows in a moment."), nil
}

// ---- the result (posted by jobs.Polls) ----

// ClubPollWording is the wording of club poll results, for the poll job
// in package jobs (it implements jobs.PollWording).
type ClubPollWording struct{}

// pollLink links to a poll's message.
func pollLink(p shelf.ClubPoll) string {
	return "https://discord.com/channels/" + p.GuildID + "/" + p.ChannelID + "/" + p.MessageID
}

// Result announces a poll's result: the counts, the winner and the club
// started on it (with its schedule and Join button), or why none started.
func (ClubPollWording) Result(p shelf.ClubPoll, club, active *shelf.Club, now time.Time) *discordgo.MessageSend {
	var b strings.Builder
	fmt.Fprintf(&b, "🗳️ The [poll](%s) for this channel's next club is closed", pollLink(p))
	if p.EndedBy != "" {
		fmt.Fprintf(&b, " (ended early by <@%s>)", p.EndedBy)
	}
	b.WriteString(".\n")
	if p.NoClub != shelf.NoClubPollGone {
		total := 0
		for _, a := range p.Answers {
			total += a.Votes
		}
		for _, a := range p.Answers {
			mark := ""
			if a.AnswerID == p.Winner {
				mark = " 🏆"
			}
			fmt.Fprintf(&b, "%s — %s%s\n", escapeMarkdown(clip(a.StoryTitle, 60)), countOf(a.Votes, "vote", "votes"), mark)
		}
	}
	w := p.Answer(p.Winner)
	m := &discordgo.MessageSend{AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}}
	switch {
	case club != nil && w != nil:
		fmt.Fprintf(&b, "\n**%s** wins! The club starts now, hosted by <@%s>: press **Join** to read along.", escapeMarkdown(clip(w.StoryTitle, 150)), club.HostID)
		m.Embeds = scheduleEmbeds(*club, true, club.Chapters(), now, "")
		m.Components = []discordgo.MessageComponent{joinRow(club.ID)}
	case p.NoClub == shelf.NoClubNoVotes:
		b.WriteString("\nNobody voted, so no club starts. Nominations are cleared; nominate again with `/club nominate`.")
	case p.NoClub == shelf.NoClubPollGone:
		b.WriteString("\nThe poll's message was deleted, so I couldn't count the votes and no club starts. Nominations are cleared.")
	case p.NoClub == shelf.NoClubActive && w != nil:
		name := "Another club"
		if active != nil {
			name = quote(active.Name)
		}
		fmt.Fprintf(&b, "\n**%s** wins, but %s is still running in this channel, so I couldn't start it. End that club with `/club end`, then start this one with `/club start`.", escapeMarkdown(clip(w.StoryTitle, 150)), name)
	case p.NoClub == shelf.NoClubStoryGone && w != nil:
		fmt.Fprintf(&b, "\n**%s** wins, but it was removed from the library, so no club starts.", escapeMarkdown(clip(w.StoryTitle, 150)))
	case w != nil:
		fmt.Fprintf(&b, "\n**%s** wins, but I couldn't build its schedule with the poll's options. Start it with `/club start`.", escapeMarkdown(clip(w.StoryTitle, 150)))
	}
	m.Content = clip(b.String(), 2000)
	return m
}

// IsResult reports whether m is p's result: it links to p's poll.
func (ClubPollWording) IsResult(m *discordgo.Message, p shelf.ClubPoll) bool {
	return p.MessageID != "" && strings.Contains(m.Content, "]("+pollLink(p)+")") && m.Poll == nil
}

// IsPoll reports whether m is p's poll: a poll with p's End poll button.
func (ClubPollWording) IsPoll(m *discordgo.Message, p shelf.ClubPoll) bool {
	return m.Poll != nil && hasButton(m.Components, CustomID(routePollEnd, p.ID))
}
