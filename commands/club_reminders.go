package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

	"ficshelf/shelf"
)

// /club reminders on: and the reminder itself (posted by jobs.Reminders).

// clubRemindersOption is /club reminders' definition.
func clubRemindersOption() *discordgo.ApplicationCommandOption {
	return &discordgo.ApplicationCommandOption{
		Type: discordgo.ApplicationCommandOptionSubCommand, Name: "reminders",
		Description: "Turn your reminders before club checkpoints on or off",
		Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionBoolean, Name: "on", Description: "Remind me a day before a checkpoint when I'm behind", Required: true},
		},
	}
}

func (c *cmds) clubReminders(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	rs, ok := c.clubs.(shelf.ClubReminders)
	if !ok {
		return nil, errors.New("club reminders: the store has no ClubReminders port")
	}
	on, _ := req.Bool("on")
	if err := rs.SetClubReminders(ctx, req.GuildID, req.UserID, on); err != nil {
		return nil, err
	}
	if on {
		return Ephemeral("Reminders on: a day before a checkpoint opens, if you haven't read up to the one before, I'll mention you in the club's channel."), nil
	}
	return Ephemeral("Reminders off: I won't mention you before checkpoints in this server's clubs (announcements still ping members when a checkpoint opens). `/club reminders on:true` to have them again."), nil
}

// reminderHead starts a reminder; IsReminder looks for it.
func reminderHead(club shelf.Club, n int) string {
	return fmt.Sprintf("⏰ **%s** — checkpoint %d of %d opens", escapeMarkdown(clip(club.Name, 100)), n, len(club.Checkpoints))
}

// Reminder mentions the members who have not read up to chapter upTo, a
// day before cp opens; only they are pinged.
func (CheckpointWording) Reminder(club shelf.Club, cp shelf.Checkpoint, upTo int, users []string) *discordgo.MessageSend {
	head := fmt.Sprintf("%s <t:%d:R> (%s).\n", reminderHead(club, cp.Number), cp.Opens.Unix(), chapterSpan(cp))
	tail := fmt.Sprintf("\nYou haven't read up to chapter %d yet: there's still time! Record it with `/club progress`; `/club reminders on:false` stops these.", upTo)
	room := 2000 - len([]rune(head)) - len([]rune(tail)) - 24
	var b strings.Builder
	b.WriteString(head)
	pings := []string{}
	used := 0
	for _, u := range users {
		mention := "<@" + u + "> "
		if len(pings) == maxPings || used+len(mention) > room {
			break
		}
		pings = append(pings, u)
		b.WriteString(mention)
		used += len(mention)
	}
	if len(users) > len(pings) {
		fmt.Fprintf(&b, "and %d more", len(users)-len(pings))
	}
	b.WriteString(tail)
	return &discordgo.MessageSend{
		Content:         b.String(),
		AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}, Users: pings},
	}
}

// IsReminder reports whether m is the reminder of checkpoint n of club.
func (CheckpointWording) IsReminder(m *discordgo.Message, club shelf.Club, n int) bool {
	return strings.HasPrefix(m.Content, reminderHead(club, n)+" ")
}

// exportClubData adds the member's nominations and reminders choice to
// their /mydata export.
func (c *cmds) exportClubData(ctx context.Context, req *Request, doc *MyDataExport) error {
	cp, ok := c.clubs.(shelf.ClubPolls)
	if !ok {
		return nil
	}
	noms, err := cp.MemberNominations(ctx, req.GuildID, req.UserID)
	if err != nil {
		return fmt.Errorf("export nominations: %w", err)
	}
	doc.ClubNominations = noms
	if rs, ok := c.clubs.(shelf.ClubReminders); ok {
		off, err := rs.ClubRemindersOff(ctx, req.GuildID)
		if err != nil {
			return fmt.Errorf("export club reminders: %w", err)
		}
		doc.ClubRemindersOff = off[req.UserID]
	}
	return nil
}

// deleteClubData removes the member's nominations and reminders choice
// for /mydata delete.
func (c *cmds) deleteClubData(ctx context.Context, req *Request) error {
	if cp, ok := c.clubs.(shelf.ClubPolls); ok {
		if err := cp.DeleteMemberClubData(ctx, req.GuildID, req.UserID); err != nil {
			return fmt.Errorf("delete club data: %w", err)
		}
	}
	return nil
}
