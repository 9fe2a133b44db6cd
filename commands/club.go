package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"ficshelf/shelf"
)

// Club routes and rules.
const (
	routeClubJoin = "club-join" // club-join:<club>
	// maxPings bounds the members pinged by one announcement (Discord
	// takes at most 100 user IDs in allowed_mentions, and the mentions
	// must fit in one message).
	maxPings = 80
	// maxPerCheckpoint is the most chapters one checkpoint takes.
	maxPerCheckpoint = 100
	// maxStatusMembers is how many members /club status shows a bar for;
	// it counts the others.
	maxStatusMembers = 40
	// maxCaughtUpText bounds the mentions of members caught up in /club
	// status; it counts the others.
	maxCaughtUpText = 900
	// maxScheduleText bounds one schedule embed's description (Discord
	// allows 4,096; the intro of /club start is added in front of the
	// first).
	maxScheduleText = 3600
)

// registerClub adds /club and the Join button.
func (c *cmds) registerClub(r *Router) {
	one, ten := 1, 10
	r.Add(&Command{
		Def: &discordgo.ApplicationCommand{
			Name:        "club",
			Description: "Reading clubs: read a story together on a schedule",
			Options: []*discordgo.ApplicationCommandOption{
				{
					Type: discordgo.ApplicationCommandOptionSubCommand, Name: "start",
					Description: "Start a reading club in this channel",
					Options: []*discordgo.ApplicationCommandOption{
						storyOption("The story to read together", true),
						{Type: discordgo.ApplicationCommandOptionInteger, Name: "chapters", Description: "Chapters per checkpoint (default 1)", MinValue: ptrFloat(1), MaxValue: maxPerCheckpoint},
						{Type: discordgo.ApplicationCommandOptionInteger, Name: "every", Description: "Days between checkpoints (default 7)", MinValue: ptrFloat(1), MaxValue: 365},
						{Type: discordgo.ApplicationCommandOptionString, Name: "starts", Description: "First checkpoint's date, YYYY-MM-DD (default today)", MinLength: &ten, MaxLength: 10},
						{Type: discordgo.ApplicationCommandOptionString, Name: "name", Description: "The club's name (default: the story's title)", MinLength: &one, MaxLength: 80},
					},
				},
				{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "join", Description: "Join this channel's reading club"},
				{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "leave", Description: "Leave this channel's reading club"},
				{
					Type: discordgo.ApplicationCommandOptionSubCommand, Name: "progress",
					Description: "Record how far you have read",
					Options: []*discordgo.ApplicationCommandOption{
						{Type: discordgo.ApplicationCommandOptionInteger, Name: "chapter", Description: "The last chapter you have read", Required: true, MinValue: ptrFloat(0), MaxValue: 10000},
					},
				},
				{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "status", Description: "Current checkpoint, next date and everyone's progress"},
				{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "schedule", Description: "Every checkpoint with its chapters and date"},
				{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "end", Description: "End this channel's club (host or Manage Threads)"},
			},
		},
		Subcommands: map[string]HandlerFunc{
			"start":    c.clubStart,
			"join":     c.clubJoin,
			"leave":    c.clubLeave,
			"progress": c.clubProgress,
			"status":   c.clubStatus,
			"schedule": c.clubSchedule,
			"end":      c.clubEnd,
		},
		Autocomplete:  c.autocompleteStories,
		EphemeralSubs: map[string]bool{"join": true, "leave": true, "progress": true},
	})
	r.Component(routeClubJoin, c.clubJoinButton)
}

func ptrFloat(f float64) *float64 { return &f }

// zone returns the server's time zone (UTC unless set).
func (c *cmds) zone(ctx context.Context, guild string) (*time.Location, string, error) {
	st, err := c.settings.Settings(ctx, guild)
	if err != nil {
		return nil, "", fmt.Errorf("read settings: %w", err)
	}
	loc, err := time.LoadLocation(st.Timezone)
	if err != nil {
		return time.UTC, "UTC", nil
	}
	return loc, st.Timezone, nil
}

// clubHere finds the active club of the request's channel, or of the
// channel a thread belongs to (a checkpoint's discussion thread).
func (c *cmds) clubHere(ctx context.Context, req *Request) (shelf.Club, error) {
	club, err := c.clubs.ActiveClub(ctx, req.GuildID, req.ChannelID)
	if err == nil || !errors.Is(err, shelf.ErrNotFound) {
		return club, err
	}
	if ch, cerr := c.discord.Channel(ctx, req.ChannelID); cerr == nil && ch.IsThread() && ch.ParentID != "" {
		if club, err := c.clubs.ActiveClub(ctx, req.GuildID, ch.ParentID); err == nil {
			return club, nil
		}
	}
	return shelf.Club{}, storeError(err, actClubHere, facts{})
}

func chapterSpan(cp shelf.Checkpoint) string {
	if cp.First == cp.Last {
		return fmt.Sprintf("Chapter %d", cp.First)
	}
	return fmt.Sprintf("Chapters %d–%d", cp.First, cp.Last)
}

func (c *cmds) clubStart(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	ch, err := c.discord.Channel(ctx, req.ChannelID)
	if err != nil {
		return nil, fmt.Errorf("look up channel: %w", err)
	}
	if ch.Type != discordgo.ChannelTypeGuildText && ch.Type != discordgo.ChannelTypeGuildNews {
		return nil, Errorf("Start a club in an ordinary text channel: I open a thread there for each checkpoint, which threads and forums can't hold.")
	}
	rec, err := c.resolveStory(ctx, req, "story")
	if err != nil {
		return nil, err
	}
	per, ok := req.Int("chapters")
	if !ok {
		per = 1
	}
	every, ok := req.Int("every")
	if !ok {
		every = 7
	}
	if per < 1 || per > maxPerCheckpoint || every < 1 || every > 365 {
		return nil, Errorf("Checkpoints take 1 to 100 chapters each, 1 to 365 days apart.")
	}
	loc, tz, err := c.zone(ctx, req.GuildID)
	if err != nil {
		return nil, err
	}
	now := c.now()
	today := now.In(loc).Format("2006-01-02")
	starts := req.String("starts")
	if starts == "" {
		starts = today
	}
	day, err := time.ParseInLocation("2006-01-02", starts, loc)
	if err != nil {
		return nil, Errorf("I couldn't read %s as a date: write it as YYYY-MM-DD, for example %s.", quote(starts), today)
	}
	todayDay, _ := time.ParseInLocation("2006-01-02", today, loc)
	if day.Before(todayDay) {
		return nil, Errorf("%s has already passed (today is %s in %s). Pick today or a later date.", starts, today, tz)
	}
	if day.After(todayDay.AddDate(1, 0, 0)) {
		return nil, Errorf("A club can start at most a year from today.")
	}
	club, err := c.clubs.StartClub(ctx, req.GuildID, shelf.ClubStart{
		ChannelID: req.ChannelID, StoryID: rec.ID, Name: req.String("name"), HostID: req.UserID,
		PerCheckpoint: int(per), EveryDays: int(every), Starts: starts, Timezone: tz, Now: now,
	})
	if errors.Is(err, shelf.ErrClubActive) {
		// Name the club in the way (the store need not return it).
		if active, aerr := c.clubs.ActiveClub(ctx, req.GuildID, req.ChannelID); aerr == nil {
			club = active
		}
	}
	if err != nil {
		return nil, storeError(err, actClubStart, facts{Story: rec.Story.Title, Club: club.Name, Reading: club.StoryTitle})
	}
	c.clubsChanged()
	posted := storyChapters(rec)
	embeds := scheduleEmbeds(club, rec.Story.Complete(), posted, now, wholeStoryHint(club, posted))
	embeds[0].Description = fmt.Sprintf("<@%s> started a reading club. Press **Join** to read along: I'll ping you when each checkpoint opens.\n\n", req.UserID) + embeds[0].Description
	return EmbedReply(false, embeds, joinRow(club.ID)), nil
}

func joinRow(clubID string) discordgo.ActionsRow {
	return Row(discordgo.Button{Label: "Join", Style: discordgo.SuccessButton, CustomID: CustomID(routeClubJoin, clubID), Emoji: &discordgo.ComponentEmoji{Name: "📚"}})
}

// storyChapters is how many chapters a club on rec is scheduled up to: its
// posted chapters, or the chapters stored when more (as the store counts).
func storyChapters(rec shelf.StoryRecord) int {
	return max(rec.Story.ChaptersPosted, len(rec.Chapters))
}

// scheduleFull reports whether the club's schedule has as many checkpoints
// as a club keeps: it is extended no further.
func scheduleFull(club shelf.Club) bool {
	return len(club.Checkpoints) >= shelf.MaxCheckpoints
}

// scheduleCut is the sentence saying that the club's schedule stops short
// of the story's posted chapters because a club keeps at most
// shelf.MaxCheckpoints checkpoints, or "" when it covers them all.
func scheduleCut(club shelf.Club, posted int) string {
	if !scheduleFull(club) || posted <= club.Chapters() {
		return ""
	}
	return fmt.Sprintf("A club keeps at most %s checkpoints, so this schedule covers chapters 1–%s of the story's %s.",
		formatInt(shelf.MaxCheckpoints), formatInt(club.Chapters()), formatInt(posted))
}

// wholeStoryHint tells the member who started a shortened schedule how to
// schedule the whole story: more chapters per checkpoint.
func wholeStoryHint(club shelf.Club, posted int) string {
	if scheduleCut(club, posted) == "" {
		return ""
	}
	per := (posted + shelf.MaxCheckpoints - 1) / shelf.MaxCheckpoints
	if per > maxPerCheckpoint {
		return "The whole story won't fit in one club's schedule."
	}
	return fmt.Sprintf("To read the whole story together, end this club with `/club end` and start it again with `chapters:%d` or more per checkpoint.", per)
}

// scheduleEmbeds lists every checkpoint with its chapters and date, split
// over embeds of at most 60 lines. posted is the story's chapters, for the
// sentence saying when the schedule stops short of them; hint, when not
// empty, follows that sentence.
func scheduleEmbeds(club shelf.Club, complete bool, posted int, now time.Time, hint string) []*discordgo.MessageEmbed {
	var head strings.Builder
	fmt.Fprintf(&head, "Reading **%s**: %s per checkpoint, one checkpoint every %s. Host: <@%s>.\nCheckpoints open at midnight, %s time.",
		escapeMarkdown(clip(club.StoryTitle, 200)), countOf(club.PerCheckpoint, "chapter", "chapters"), countOf(club.EveryDays, "day", "days"), club.HostID, club.Timezone)
	if cut := scheduleCut(club, posted); cut != "" {
		head.WriteString("\n" + cut)
		if hint != "" {
			head.WriteString(" " + hint)
		}
	} else if !complete && !scheduleFull(club) {
		head.WriteString(" The story is still being posted: new checkpoints are added as new chapters arrive.")
	}
	if !club.Active() {
		fmt.Fprintf(&head, "\nThis club ended <t:%d:D>.", club.EndedAt.Unix())
	}
	var lines []string
	for _, cp := range club.Checkpoints {
		mark := ""
		switch {
		case cp.ThreadID != "":
			mark = " · ✅ [discussion](" + channelLink(club.GuildID, cp.ThreadID) + ")"
		case cp.Skipped != "":
			mark = " · skipped"
		case !cp.Opens.After(now):
			mark = " · opening now"
		}
		lines = append(lines, fmt.Sprintf("**%d.** %s · <t:%d:D>%s", cp.Number, chapterSpan(cp), cp.Opens.Unix(), mark))
	}
	// Each embed takes at most 60 lines and what its description holds
	// (a done checkpoint's line carries a link), so no line is cut off.
	first := &discordgo.MessageEmbed{Color: colorNeutral, Title: clip("📚 "+club.Name, 256), Description: head.String() + "\n"}
	embeds := []*discordgo.MessageEmbed{first}
	cur, n := first, 0
	for _, l := range lines {
		if n == 60 || textLen(cur.Description)+1+textLen(l) > maxScheduleText {
			cur = &discordgo.MessageEmbed{Color: colorNeutral}
			embeds = append(embeds, cur)
			n = 0
		}
		if cur.Description != "" {
			cur.Description += "\n"
		}
		cur.Description += l
		n++
	}
	return embeds
}

func (c *cmds) clubJoin(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	club, err := c.clubHere(ctx, req)
	if err != nil {
		return nil, err
	}
	return c.join(ctx, req, club.ID)
}

func (c *cmds) clubJoinButton(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	if len(req.Args) < 1 {
		return nil, buttonExpired("/club join")
	}
	return c.join(ctx, req, req.Args[0])
}

func (c *cmds) join(ctx context.Context, req *Request, clubID string) (*discordgo.InteractionResponse, error) {
	joined, err := c.clubs.JoinClub(ctx, req.GuildID, clubID, req.UserID, c.now())
	if err != nil {
		return nil, storeError(err, actClubJoin, facts{})
	}
	club, err := c.clubs.Club(ctx, req.GuildID, clubID)
	if err != nil {
		return nil, err
	}
	if !joined {
		return Ephemeral(fmt.Sprintf("You're already in %s. Record your reading with `/club progress`.", quote(club.Name))), nil
	}
	return Ephemeral(fmt.Sprintf("Welcome to %s! I'll ping you when each checkpoint opens. Record your reading with `/club progress`; `/club leave` if you change your mind.", quote(club.Name))), nil
}

func (c *cmds) clubLeave(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	club, err := c.clubHere(ctx, req)
	if err != nil {
		return nil, err
	}
	if err := c.clubs.LeaveClub(ctx, req.GuildID, club.ID, req.UserID); err != nil {
		return nil, storeError(err, actClubLeave, facts{Club: club.Name})
	}
	return Ephemeral(fmt.Sprintf("You left %s. No more pings from it.", quote(club.Name))), nil
}

// currentCheckpoint is the last checkpoint open at now (nil before the
// first), and the next one (nil after the last).
func currentCheckpoint(club shelf.Club, now time.Time) (cur, next *shelf.Checkpoint) {
	for i := range club.Checkpoints {
		cp := &club.Checkpoints[i]
		if cp.Opens.After(now) && cp.MessageID == "" {
			return cur, cp
		}
		cur = cp
	}
	return cur, nil
}

func (c *cmds) clubProgress(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	club, err := c.clubHere(ctx, req)
	if err != nil {
		return nil, err
	}
	ch, _ := req.Int("chapter")
	total := club.Chapters()
	if ch < 0 || int(ch) > total {
		if scheduleFull(club) {
			return nil, Errorf("%s covers chapters 1 to %s: a club keeps at most %s checkpoints.", quote(club.Name), formatInt(total), formatInt(shelf.MaxCheckpoints))
		}
		return nil, Errorf("%s covers chapters 1 to %d so far.", quote(club.Name), total)
	}
	err = c.clubs.SetClubProgress(ctx, req.GuildID, club.ID, req.UserID, int(ch), c.now())
	if err != nil {
		return nil, storeError(err, actClubProgress, facts{Club: club.Name})
	}
	msg := fmt.Sprintf("Noted: you've read %d of %d chapters of %s.", ch, total, quote(club.StoryTitle))
	if cur, _ := currentCheckpoint(club, c.now()); cur != nil {
		if int(ch) >= cur.Last {
			msg += " You're caught up with the current checkpoint."
		} else {
			msg += fmt.Sprintf(" %d more to catch up with the current checkpoint (%s).", cur.Last-int(ch), chapterSpan(*cur))
		}
	}
	return Ephemeral(msg), nil
}

// clubBar draws read/total as ten segments.
func clubBar(read, total int) string {
	if total <= 0 {
		total = 1
	}
	full := min(10, read*10/total)
	return strings.Repeat("▰", full) + strings.Repeat("▱", 10-full)
}

func (c *cmds) clubStatus(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	club, err := c.clubHere(ctx, req)
	if err != nil {
		return nil, err
	}
	members, err := c.clubs.ClubMembers(ctx, req.GuildID, club.ID)
	if err != nil {
		return nil, err
	}
	now := c.now()
	cur, next := currentCheckpoint(club, now)
	var b strings.Builder
	fmt.Fprintf(&b, "Reading **%s** · %d chapters scheduled · host <@%s>\n", escapeMarkdown(clip(club.StoryTitle, 200)), club.Chapters(), club.HostID)
	if rec, err := c.stories.Story(ctx, req.GuildID, club.StoryID); err == nil {
		if cut := scheduleCut(club, storyChapters(rec)); cut != "" {
			b.WriteString(cut + "\n")
		}
	}
	if cur != nil {
		fmt.Fprintf(&b, "**Current checkpoint:** %d of %d, %s (opened <t:%d:D>)", cur.Number, len(club.Checkpoints), chapterSpan(*cur), cur.Opens.Unix())
		if cur.ThreadID != "" {
			fmt.Fprintf(&b, " · [discussion](%s)", channelLink(req.GuildID, cur.ThreadID))
		}
		b.WriteString("\n")
	} else {
		b.WriteString("**Current checkpoint:** none yet\n")
	}
	if next != nil {
		fmt.Fprintf(&b, "**Next:** %s on <t:%d:D> (<t:%d:R>)\n", chapterSpan(*next), next.Opens.Unix(), next.Opens.Unix())
	} else {
		b.WriteString("**Next:** no more checkpoints scheduled\n")
	}
	b.WriteString("\n")
	var caught []string
	shown := 0
	for _, m := range members {
		up := cur != nil && m.Chapter >= cur.Last
		if up {
			caught = append(caught, "<@"+m.UserID+">")
		}
		if shown < maxStatusMembers {
			mark := ""
			if up {
				mark = " ✓"
			}
			fmt.Fprintf(&b, "<@%s> `%s` %d/%d%s\n", m.UserID, clubBar(m.Chapter, club.Chapters()), m.Chapter, club.Chapters(), mark)
			shown++
		}
	}
	if len(members) > shown {
		fmt.Fprintf(&b, "…and %d more members\n", len(members)-shown)
	}
	switch {
	case cur == nil:
	case len(caught) == 0:
		b.WriteString("\nNobody is caught up yet.")
	case len(caught) == len(members):
		b.WriteString("\nEveryone is caught up!")
	default:
		fmt.Fprintf(&b, "\n**Caught up (%d):** %s", len(caught), mentionList(caught, maxCaughtUpText))
	}
	e := &discordgo.MessageEmbed{Title: clip("📚 "+club.Name, 256), Description: b.String(), Color: colorNeutral,
		Footer: &discordgo.MessageEmbedFooter{Text: fmt.Sprintf("%d members · dates at midnight, %s", len(members), club.Timezone)}}
	return EmbedReply(false, []*discordgo.MessageEmbed{e}, joinRow(club.ID)), nil
}

// mentionList joins mentions with spaces, as many whole ones as fit in
// room characters, then "and N more" for the rest: a mention is never cut
// in the middle, and nobody left out goes uncounted.
func mentionList(mentions []string, room int) string {
	var b strings.Builder
	for i, m := range mentions {
		rest := len(mentions) - i
		tail := 0
		if rest > 1 {
			tail = len(" and 99999 more")
		}
		if b.Len()+1+len(m)+tail > room {
			fmt.Fprintf(&b, " and %s more", formatInt(rest))
			return strings.TrimSpace(b.String())
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(m)
	}
	return b.String()
}

func (c *cmds) clubSchedule(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	club, err := c.clubHere(ctx, req)
	if err != nil {
		return nil, err
	}
	complete, posted := false, club.Chapters()
	if rec, err := c.stories.Story(ctx, req.GuildID, club.StoryID); err == nil {
		complete, posted = rec.Story.Complete(), storyChapters(rec)
	}
	return EmbedReply(false, scheduleEmbeds(club, complete, posted, c.now(), ""), joinRow(club.ID)), nil
}

func (c *cmds) clubEnd(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	club, err := c.clubHere(ctx, req)
	if err != nil {
		return nil, err
	}
	if club.HostID != req.UserID && !req.Can(discordgo.PermissionManageThreads) {
		return nil, Errorf("Only the host (<@%s>) or someone with Manage Threads can end %s.", club.HostID, quote(club.Name))
	}
	if _, err := c.clubs.EndClub(ctx, req.GuildID, club.ID, req.UserID, c.now()); err != nil {
		return nil, err
	}
	c.clubsChanged()
	done := 0
	for _, cp := range club.Checkpoints {
		if cp.ThreadID != "" {
			done++
		}
	}
	return Reply(fmt.Sprintf("📚 %s has ended after %d of %d checkpoints. Its discussion threads stay open for anyone who wants to keep talking. Thanks for reading together!",
		quote(club.Name), done, len(club.Checkpoints))), nil
}

// ---- checkpoint announcements (posted by jobs.Checkpoints) ----

// CheckpointWording is the wording of club checkpoint announcements, for
// the announcer in package jobs (it implements jobs.CheckpointWording).
type CheckpointWording struct{}

// ThreadName is a checkpoint's discussion thread's name: the club and the
// chapters, within Discord's 100 characters.
func (CheckpointWording) ThreadName(club shelf.Club, cp shelf.Checkpoint) string {
	return clip(club.Name+" — "+chapterSpan(cp), 100)
}

// Announcement is a checkpoint's message: it pings the club's members
// (and nobody else) and says when it is late.
func (CheckpointWording) Announcement(club shelf.Club, cp shelf.Checkpoint, members []shelf.ClubMember, late bool) *discordgo.MessageSend {
	return announcement(club, cp, members, late)
}

// IsAnnouncement reports whether m (one of the bot's own messages)
// announces checkpoint n of club: it carries the club's Join button and
// says which checkpoint opened.
func (CheckpointWording) IsAnnouncement(m *discordgo.Message, club shelf.Club, n int) bool {
	return findAnnouncement([]*discordgo.Message{m}, club, n) != nil
}

// findAnnouncement returns the message among msgs (the bot's own) that
// announces checkpoint n of club: it carries the club's Join button and
// says which checkpoint opened.
func findAnnouncement(msgs []*discordgo.Message, club shelf.Club, n int) *discordgo.Message {
	join := CustomID(routeClubJoin, club.ID)
	opened := fmt.Sprintf("— checkpoint %d of %d is open:", n, len(club.Checkpoints))
	for _, m := range msgs {
		if strings.Contains(m.Content, opened) && hasButton(m.Components, join) {
			return m
		}
	}
	return nil
}

// hasButton reports whether a button with customID is among comps.
func hasButton(comps []discordgo.MessageComponent, customID string) bool {
	for _, c := range comps {
		switch c := c.(type) {
		case *discordgo.ActionsRow:
			if hasButton(c.Components, customID) {
				return true
			}
		case discordgo.ActionsRow:
			if hasButton(c.Components, customID) {
				return true
			}
		case *discordgo.Button:
			if c.CustomID == customID {
				return true
			}
		case discordgo.Button:
			if c.CustomID == customID {
				return true
			}
		}
	}
	return false
}

// announcement is a checkpoint's message: it pings the club's members
// (and nobody else) and says when it is late.
func announcement(club shelf.Club, cp shelf.Checkpoint, members []shelf.ClubMember, late bool) *discordgo.MessageSend {
	head := fmt.Sprintf("📖 **%s** — checkpoint %d of %d is open: **%s** of *%s*.\n",
		escapeMarkdown(clip(club.Name, 100)), cp.Number, len(club.Checkpoints), chapterSpan(cp), escapeMarkdown(clip(club.StoryTitle, 150)))
	tail := fmt.Sprintf("Talk about it in the thread below — spoilers up to chapter %d are fine there.", cp.Last)
	if cp.Number < len(club.Checkpoints) {
		nx := club.Checkpoints[cp.Number]
		tail += fmt.Sprintf(" Next: %s on <t:%d:D>.", chapterSpan(nx), nx.Opens.Unix())
	}
	if late {
		tail += fmt.Sprintf("\n*(This checkpoint opened on <t:%d:D>; I was offline.)*", cp.Opens.Unix())
	}
	// Mentions fill what one message has left (2000 characters, less room
	// for "and N more").
	room := 2000 - utf8.RuneCountInString(head) - utf8.RuneCountInString(tail) - 24
	var b strings.Builder
	b.WriteString(head)
	pings := []string{}
	used := 0
	for _, m := range members {
		mention := "<@" + m.UserID + "> "
		if len(pings) == maxPings || used+len(mention) > room {
			break
		}
		pings = append(pings, m.UserID)
		b.WriteString(mention)
		used += len(mention)
	}
	if len(members) > len(pings) {
		fmt.Fprintf(&b, "and %d more ", len(members)-len(pings))
	}
	if len(members) > 0 {
		b.WriteString("\n")
	}
	b.WriteString(tail)
	return &discordgo.MessageSend{
		Content:         b.String(),
		Components:      []discordgo.MessageComponent{joinRow(club.ID)},
		AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}, Users: pings},
	}
}
