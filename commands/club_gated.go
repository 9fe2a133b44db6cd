package commands

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"

	"ficshelf/jobs"
	"ficshelf/shelf"
)

// Gated clubs (/club start gated:true, or a poll's gated option): each
// checkpoint's discussion is a private thread that a member joins once
// their progress reaches its last chapter, by /club progress or the
// announcement's "I've read it" button.

const routeClubRead = "club-read" // club-read:<club>:<checkpoint>

// Permissions a gated club needs of the bot in its channel.
var gatedPermissions = []struct {
	perm int64
	name string
}{
	{discordgo.PermissionCreatePrivateThreads, "Create Private Threads"},
	{discordgo.PermissionManageThreads, "Manage Threads"},
	{discordgo.PermissionSendMessagesInThreads, "Send Messages in Threads"},
}

// clubStartOptions are /club start's gated and events options.
func clubStartOptions() []*discordgo.ApplicationCommandOption {
	return []*discordgo.ApplicationCommandOption{
		{Type: discordgo.ApplicationCommandOptionBoolean, Name: "gated", Description: "Private checkpoint threads, joined once a member has read that far"},
		{Type: discordgo.ApplicationCommandOptionBoolean, Name: "events", Description: "Show each checkpoint as a server event"},
	}
}

// lacking names the permissions of need the bot lacks according to the
// interaction's app_permissions (none when Discord did not send them).
func lacking(req *Request, need []struct {
	perm int64
	name string
}) []string {
	ap := req.Interaction.AppPermissions
	if ap == 0 || ap&discordgo.PermissionAdministrator != 0 {
		return nil
	}
	var out []string
	for _, p := range need {
		if ap&p.perm != p.perm {
			out = append(out, p.name)
		}
	}
	return out
}

// joinNames joins names as "A", "A and B", "A, B and C".
func joinNames(names []string) string {
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// checkGated refuses a gated club the bot cannot run here, naming what it
// lacks.
func checkGated(req *Request) error {
	if miss := lacking(req, gatedPermissions); len(miss) > 0 {
		return Errorf("A gated club needs me to have %s in this channel, and I lack %s. Ask an admin to grant %s, or start the club without `gated`.",
			joinNames(permNames(gatedPermissions)), joinNames(miss), map[bool]string{true: "it", false: "them"}[len(miss) == 1])
	}
	return nil
}

func permNames(ps []struct {
	perm int64
	name string
}) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.name)
	}
	return out
}

// threadAdder is what adding members to threads needs (package bot).
type threadAdder interface {
	AddThreadMember(ctx context.Context, threadID, userID string) error
}

// admitToThreads adds user to the private threads of a gated club's
// checkpoints their progress reached by going from chapter from to to,
// and returns those threads.
func (c *cmds) admitToThreads(ctx context.Context, club shelf.Club, user string, from, to int) []shelf.Checkpoint {
	if !club.Gated {
		return nil
	}
	// Read the club again after the progress was recorded: a thread the
	// announcer recorded meanwhile is seen here (one recorded later, the
	// announcer adds the member to itself).
	if fresh, err := c.clubs.Club(ctx, club.GuildID, club.ID); err == nil {
		club = fresh
	}
	reached := jobs.ReachedBy(club, from, to)
	ta, ok := c.discord.(threadAdder)
	if !ok || len(reached) == 0 {
		return nil
	}
	var added []shelf.Checkpoint
	for _, cp := range reached {
		if err := ta.AddThreadMember(ctx, cp.ThreadID, user); err != nil {
			c.log.Warn("add member to a gated checkpoint thread", "guild", club.GuildID, "club", club.ID, "checkpoint", cp.Number, "err", err)
			continue
		}
		added = append(added, cp)
	}
	return added
}

// memberChapter is user's progress in club (0 when not a member).
func (c *cmds) memberChapter(ctx context.Context, club shelf.Club, user string) (int, bool, error) {
	ms, err := c.clubs.ClubMembers(ctx, club.GuildID, club.ID)
	if err != nil {
		return 0, false, err
	}
	for _, m := range ms {
		if m.UserID == user {
			return m.Chapter, true, nil
		}
	}
	return 0, false, nil
}

// threadsSentence tells a member which private threads they joined.
func threadsSentence(club shelf.Club, added []shelf.Checkpoint) string {
	if len(added) == 0 {
		return ""
	}
	var links []string
	for i, cp := range added {
		if i == 5 {
			links = append(links, fmt.Sprintf("%d more", len(added)-5))
			break
		}
		links = append(links, "<#"+cp.ThreadID+">")
	}
	return " You're in the spoiler thread" + map[bool]string{true: "", false: "s"}[len(added) == 1] + " now: " + joinNames(links) + "."
}

// readRow is the announcement's buttons: Join, and I've read it.
func readRow(clubID string, n int) discordgo.ActionsRow {
	return Row(
		discordgo.Button{Label: "Join", Style: discordgo.SuccessButton, CustomID: CustomID(routeClubJoin, clubID), Emoji: &discordgo.ComponentEmoji{Name: "📚"}},
		discordgo.Button{Label: "I've read it", Style: discordgo.SecondaryButton, CustomID: CustomID(routeClubRead, clubID, strconv.Itoa(n)), Emoji: &discordgo.ComponentEmoji{Name: "✅"}},
	)
}

// clubReadButton records that the member has read up to the checkpoint's
// last chapter (joining the club if they had not), and admits them to its
// thread in a gated club.
func (c *cmds) clubReadButton(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	if len(req.Args) < 2 {
		return nil, buttonExpired("/club progress")
	}
	n, err := strconv.Atoi(req.Args[1])
	if err != nil {
		return nil, buttonExpired("/club progress")
	}
	club, err := c.clubs.Club(ctx, req.GuildID, req.Args[0])
	if errors.Is(err, shelf.ErrNotFound) || errors.Is(err, shelf.ErrInvalidID) {
		return nil, buttonExpired("/club progress")
	}
	if err != nil {
		return nil, err
	}
	if !club.Active() {
		return nil, Errorf("%s has ended.", quote(club.Name))
	}
	if n < 1 || n > len(club.Checkpoints) {
		return nil, buttonExpired("/club progress")
	}
	cp := club.Checkpoints[n-1]
	old, member, err := c.memberChapter(ctx, club, req.UserID)
	if err != nil {
		return nil, err
	}
	joined := ""
	if !member {
		if _, err := c.clubs.JoinClub(ctx, req.GuildID, club.ID, req.UserID, c.now()); err != nil {
			return nil, storeError(err, actClubJoin, facts{})
		}
		joined = fmt.Sprintf("Welcome to %s! ", quote(club.Name))
	}
	if old >= cp.Last {
		return Ephemeral(fmt.Sprintf("%sYou're already past chapter %d (you've read %d).%s", joined, cp.Last, old, threadsSentence(club, c.admitToThreads(ctx, club, req.UserID, cp.Last-1, cp.Last)))), nil
	}
	if err := c.clubs.SetClubProgress(ctx, req.GuildID, club.ID, req.UserID, cp.Last, c.now()); err != nil {
		return nil, storeError(err, actClubProgress, facts{Club: club.Name})
	}
	added := c.admitToThreads(ctx, club, req.UserID, old, cp.Last)
	return Ephemeral(fmt.Sprintf("%sNoted: you've read up to chapter %d of %s.%s", joined, cp.Last, quote(club.StoryTitle), threadsSentence(club, added))), nil
}

// ThreadStarter opens a gated checkpoint's private thread.
func (CheckpointWording) ThreadStarter(club shelf.Club, cp shelf.Checkpoint) *discordgo.MessageSend {
	return &discordgo.MessageSend{
		Content: fmt.Sprintf("🔒 **%s** — %s of *%s*. Spoilers up to chapter %d are fine here: members are added to this thread once they've read that far (`/club progress`, or **I've read it** on the announcement).",
			escapeMarkdown(clip(club.Name, 100)), chapterSpan(cp), escapeMarkdown(clip(club.StoryTitle, 150)), cp.Last),
		AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}},
	}
}

// Permissions an events club needs of the bot.
var eventPermissions = []struct {
	perm int64
	name string
}{
	{discordgo.PermissionManageEvents, "Manage Events"},
}

// checkEvents refuses an events club the bot cannot run, naming what it
// lacks.
func checkEvents(req *Request) error {
	if miss := lacking(req, eventPermissions); len(miss) > 0 {
		return Errorf("Showing checkpoints as server events needs me to have Manage Events in this server, and I lack it. Ask an admin to grant it, or start the club without `events`.")
	}
	return nil
}
