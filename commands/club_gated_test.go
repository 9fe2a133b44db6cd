package commands

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"ficshelf/discordtest"
	"ficshelf/shelf"
)

func TestGatedAndEventsSayWhatTheBotLacks(t *testing.T) {
	req := func(perms int64) *Request {
		return &Request{Interaction: &discordgo.Interaction{AppPermissions: perms}}
	}
	if err := checkGated(req(0)); err != nil {
		t.Errorf("no app_permissions sent: %v", err)
	}
	if err := checkGated(req(discordgo.PermissionAdministrator)); err != nil {
		t.Errorf("administrator: %v", err)
	}
	err := checkGated(req(discordgo.PermissionSendMessages | discordgo.PermissionManageThreads))
	if err == nil || !strings.Contains(err.Error(), "I lack Create Private Threads and Send Messages in Threads") {
		t.Errorf("lacking two: %v", err)
	}
	all := int64(discordgo.PermissionCreatePrivateThreads) | discordgo.PermissionManageThreads | discordgo.PermissionSendMessagesInThreads
	if err := checkGated(req(all)); err != nil {
		t.Errorf("all granted: %v", err)
	}
	if err := checkEvents(req(all)); err == nil || !strings.Contains(err.Error(), "Manage Events") {
		t.Errorf("events without Manage Events: %v", err)
	}
	if err := checkEvents(req(discordgo.PermissionManageEvents)); err != nil {
		t.Errorf("events with Manage Events: %v", err)
	}
}

// Reminders, thread openings and events of clubs with the longest names
// keep Discord's limits; a reminder pings exactly whom it mentions.
func TestClubWordingKeepsLimits(t *testing.T) {
	long := strings.Repeat("Ünïcode *club* name ", 20)
	club := shelf.Club{ID: "1", GuildID: tGuild, ChannelID: tChannel, Name: long, StoryTitle: long, Checkpoints: []shelf.Checkpoint{
		{Number: 1, First: 1, Last: 2, Opens: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		{Number: 2, First: 3, Last: 4, Opens: time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC)},
	}}
	var users []string
	for i := range 150 {
		users = append(users, fmt.Sprintf("1%017d", i))
	}
	w := CheckpointWording{}
	r := w.Reminder(club, club.Checkpoints[1], 2, users)
	if err := discordtest.CheckMessage(r); err != nil {
		t.Fatalf("reminder: %v", err)
	}
	pinged := r.AllowedMentions.Users
	if len(pinged) == 0 || len(pinged) > maxPings || len(r.AllowedMentions.Parse) != 0 || !strings.Contains(r.Content, "more") {
		t.Errorf("reminder pings %d, parse %v", len(pinged), r.AllowedMentions.Parse)
	}
	for _, u := range pinged {
		if !strings.Contains(r.Content, "<@"+u+">") {
			t.Errorf("pings %s without mentioning them", u)
		}
	}
	if !w.IsReminder(&discordgo.Message{Content: r.Content}, club, 2) || w.IsReminder(&discordgo.Message{Content: r.Content}, club, 1) {
		t.Error("IsReminder does not tell its checkpoint")
	}
	if err := discordtest.CheckMessage(w.ThreadStarter(club, club.Checkpoints[0])); err != nil {
		t.Errorf("thread starter: %v", err)
	}
	if n := utf8.RuneCountInString(w.EventName(club, club.Checkpoints[0])); n < 1 || n > 100 {
		t.Errorf("event name %d characters", n)
	}
	if n := utf8.RuneCountInString(w.EventDescription(club, club.Checkpoints[0])); n > 1000 {
		t.Errorf("event description %d characters", n)
	}
	if n := utf8.RuneCountInString(w.EventLocation(club, strings.Repeat("c", 100))); n < 1 || n > 100 {
		t.Errorf("event location %d characters", n)
	}
	a := announcement(club, club.Checkpoints[0], nil, false)
	if err := discordtest.CheckMessage(a); err != nil {
		t.Errorf("announcement with I've read it: %v", err)
	}
}
