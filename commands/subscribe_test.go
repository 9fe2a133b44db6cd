package commands

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/discordtest"
	"ficshelf/discordtest/fakes"
	"ficshelf/fic"
	"ficshelf/jobs"
	"ficshelf/shelf"
	"ficshelf/storetest"
)

func subButtons(resp *discordgo.InteractionResponse) []string {
	var ids []string
	for _, row := range resp.Data.Components {
		for _, c := range row.(discordgo.ActionsRow).Components {
			ids = append(ids, c.(discordgo.Button).CustomID)
		}
	}
	return ids
}

func TestSubscribeCommands(t *testing.T) {
	st := storetest.Open(t)
	r := New(Deps{Store: st})
	plain := addWork(t, st, "From A File", 2, 0, "501", false)
	wip := storetest.AddAt(t, st, testGuild, "501", false, time.Time{}, storetest.Work("Slow Burn", 3, 0, 4242))
	ephemeral := func(resp *discordgo.InteractionResponse) bool {
		return resp.Data.Flags&discordgo.MessageFlagsEphemeral != 0
	}
	a := handle(t, r, slash("502", "subscribe", "add", strOpt("story", plain.ID)))
	if !ephemeral(a) || !strings.Contains(a.Data.Content, "has no AO3 work") || !strings.Contains(a.Data.Content, "/story add") {
		t.Errorf("story without AO3 work: %+v", a.Data)
	}
	a = handle(t, r, slash("502", "subscribe", "add", strOpt("story", "Slow Burn")))
	if !ephemeral(a) || !strings.Contains(a.Data.Content, "Subscribed to **Slow Burn** (chapters 3/?)") || !strings.Contains(a.Data.Content, "direct message") {
		t.Errorf("subscribe: %+v", a.Data)
	}
	a = handle(t, r, slash("502", "subscribe", "add", strOpt("story", wip.ID)))
	if !strings.Contains(a.Data.Content, "already subscribed") {
		t.Errorf("second subscribe: %q", a.Data.Content)
	}
	// The card's button, pressed again, offers to unsubscribe.
	a = handle(t, r, click("502", "800000000000000001", CustomID(routeSubscribe, wip.ID)))
	if !ephemeral(a) || !strings.Contains(a.Data.Content, "already subscribed") || len(subButtons(a)) != 1 || subButtons(a)[0] != CustomID(routeUnsubscribe, wip.ID) {
		t.Errorf("button again: %+v", a.Data)
	}
	a = handle(t, r, click("502", "800000000000000001", CustomID(routeUnsubscribe, wip.ID)))
	if a.Type != discordgo.InteractionResponseUpdateMessage || !strings.Contains(a.Data.Content, "no longer hear") {
		t.Errorf("unsubscribe button: %+v", a)
	}
	a = handle(t, r, slash("502", "subscribe", "list"))
	if !strings.Contains(a.Data.Content, "no subscriptions") {
		t.Errorf("empty list: %q", a.Data.Content)
	}
	// The button subscribes a member who is not yet.
	a = handle(t, r, click("503", "800000000000000001", CustomID(routeSubscribe, wip.ID)))
	if !ephemeral(a) || !strings.Contains(a.Data.Content, "Subscribed") {
		t.Errorf("button: %+v", a.Data)
	}
	if err := st.SetDMsClosed(context.Background(), testGuild, "503", true); err != nil {
		t.Fatal(err)
	}
	a = handle(t, r, slash("503", "subscribe", "list"))
	if !strings.Contains(a.Data.Content, "**Slow Burn** — chapters 3/?, not checked yet") || !strings.Contains(a.Data.Content, "could not reach you by direct message") {
		t.Errorf("list: %q", a.Data.Content)
	}
	a = handle(t, r, slash("503", "subscribe", "remove", strOpt("story", wip.ID)))
	if !strings.Contains(a.Data.Content, "no longer hear") {
		t.Errorf("remove: %q", a.Data.Content)
	}
	a = handle(t, r, slash("503", "subscribe", "remove", strOpt("story", wip.ID)))
	if !strings.Contains(a.Data.Content, "weren't subscribed") {
		t.Errorf("remove again: %q", a.Data.Content)
	}
}

func TestCardSubscribeButtonOnlyWithAO3Work(t *testing.T) {
	with := cardButtons(shelf.StoryRecord{ID: "1", Story: fic.Story{Title: "A", AO3ID: 7}})
	without := cardButtons(shelf.StoryRecord{ID: "2", Story: fic.Story{Title: "B"}})
	has := func(comps []discordgo.MessageComponent) bool {
		return hasButton(comps, CustomID(routeSubscribe, "1")) || hasButton(comps, CustomID(routeSubscribe, "2"))
	}
	if !has(with) || has(without) {
		t.Errorf("Subscribe button: with AO3 work %v, without %v", has(with), has(without))
	}
}

func TestSettingsUpdatesChannel(t *testing.T) {
	st := storetest.Open(t)
	r := New(Deps{Store: st})
	admin := slash("501", "settings", "updates-channel", &discordgo.ApplicationCommandInteractionDataOption{
		Name: "channel", Type: discordgo.ApplicationCommandOptionChannel, Value: "800000000000000009"})
	admin.Member.Permissions = discordgo.PermissionManageGuild
	a := handle(t, r, admin)
	if !strings.Contains(a.Data.Content, "<#800000000000000009>") {
		t.Errorf("set: %q", a.Data.Content)
	}
	got, _ := st.Settings(context.Background(), testGuild)
	if got.UpdatesChannelID != "800000000000000009" {
		t.Errorf("stored %+v", got)
	}
	clear := slash("501", "settings", "updates-channel")
	clear.Member.Permissions = discordgo.PermissionManageGuild
	if a := handle(t, r, clear); !strings.Contains(a.Data.Content, "direct message") {
		t.Errorf("clear: %q", a.Data.Content)
	}
	if got, _ := st.Settings(context.Background(), testGuild); got.UpdatesChannelID != "" {
		t.Errorf("not cleared: %+v", got)
	}
	if a := handle(t, r, slash("502", "settings", "updates-channel")); a.Data.Flags&discordgo.MessageFlagsEphemeral == 0 || !strings.Contains(a.Data.Content, "Manage Server") {
		t.Errorf("member without Manage Server: %q", a.Data.Content)
	}
}

// dmDiscord is fakes.Discord with direct messages; closed users answer
// 50007, and failOnce makes the next send post and then fail (a crash
// between posting and recording).
type dmDiscord struct {
	fakes.Discord
	mu       sync.Mutex
	closed   map[string]bool
	failOnce bool
	mentions [][]string
}

func (d *dmDiscord) OpenDM(_ context.Context, user string) (string, error) { return "dm" + user, nil }

func (d *dmDiscord) SendMessageOnce(ctx context.Context, ch, nonce string, m *discordgo.MessageSend) (*discordgo.Message, error) {
	d.mu.Lock()
	if strings.HasPrefix(ch, "dm") && d.closed[strings.TrimPrefix(ch, "dm")] {
		d.mu.Unlock()
		return nil, &discordgo.RESTError{Response: &http.Response{StatusCode: 403}, Message: &discordgo.APIErrorMessage{Code: discordgo.ErrCodeCannotSendMessagesToThisUser}}
	}
	fail := d.failOnce
	d.failOnce = false
	if m.AllowedMentions != nil {
		d.mentions = append(d.mentions, m.AllowedMentions.Users)
	}
	d.mu.Unlock()
	msg, err := d.Discord.SendMessageOnce(ctx, ch, nonce, m)
	if fail {
		return nil, &discordgo.RESTError{Response: &http.Response{StatusCode: 500}, Message: &discordgo.APIErrorMessage{Code: 0}}
	}
	return msg, err
}

func (d *dmDiscord) SendMessage(ctx context.Context, ch string, m *discordgo.MessageSend) (*discordgo.Message, error) {
	return d.SendMessageOnce(ctx, ch, "", m)
}

// alertFixture records one update alert of a story with subscribers.
func alertFixture(t *testing.T, st shelf.Store, users ...string) shelf.StoryRecord {
	t.Helper()
	ctx := context.Background()
	rec := storetest.AddAt(t, st, testGuild, "501", false, time.Time{}, storetest.Work("Slow Burn", 3, 0, 4242))
	for _, u := range users {
		if _, _, err := st.Subscribe(ctx, testGuild, u, rec.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.ClaimDueWorks(ctx, time.Now(), time.Hour, 10); err != nil {
		t.Fatal(err)
	}
	next := *storetest.Work("Slow Burn", 4, 0, 4242)
	if n, err := st.RecordWorkCheck(ctx, shelf.WorkCheck{WorkID: 4242, At: time.Now(), Fetched: &next, NextCheck: time.Now().Add(time.Hour)}); err != nil || n != 1 {
		t.Fatalf("record: %d %v", n, err)
	}
	return rec
}

func TestAlertsInUpdatesChannelOnceAcrossACrash(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	if _, err := st.SetSettings(ctx, testGuild, shelf.Settings{UpdatesChannelID: tChannel}); err != nil {
		t.Fatal(err)
	}
	alertFixture(t, st, "502", "503")
	d := &dmDiscord{failOnce: true}
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	al := jobs.NewAlerts(st, d, NewAlertWording(Deps{Discord: d, Store: st, Now: clock}), nil)
	al.Now = clock
	if err := al.SendAlerts(ctx); err == nil {
		t.Fatal("a failed send reported success")
	}
	// Minutes later, Discord has forgotten the nonce: the alert is found
	// among the channel's messages, not posted again.
	d.ForgetNonces()
	mu.Lock()
	now = now.Add(10 * time.Minute)
	mu.Unlock()
	if err := al.SendAlerts(ctx); err != nil {
		t.Fatal(err)
	}
	if err := al.SendAlerts(ctx); err != nil {
		t.Fatal(err)
	}
	if len(d.Posted) != 1 {
		t.Fatalf("%d posts, want 1", len(d.Posted))
	}
	p := d.Posted[0]
	if p.ChannelID != tChannel || !strings.Contains(p.Content, "**Slow Burn** updated on AO3: 1 new chapter (4/?)") ||
		!strings.Contains(p.Content, "<@502> <@503>") || !strings.Contains(p.Content, "/story add") {
		t.Errorf("post %q", p.Content)
	}
	if len(d.mentions) == 0 || strings.Join(d.mentions[0], ",") != "502,503" {
		t.Errorf("allowed mentions %v", d.mentions)
	}
	if pending, _ := st.PendingAlerts(ctx, 10); len(pending) != 0 {
		t.Errorf("still pending: %+v", pending)
	}
}

func TestAlertsByDirectMessage(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	alertFixture(t, st, "502", "503")
	d := &dmDiscord{closed: map[string]bool{"503": true}}
	al := jobs.NewAlerts(st, d, NewAlertWording(Deps{Discord: d, Store: st}), nil)
	if err := al.SendAlerts(ctx); err != nil {
		t.Fatal(err)
	}
	if len(d.Posted) != 1 || d.Posted[0].ChannelID != "dm502" || !strings.Contains(d.Posted[0].Content, "1 new chapter") {
		t.Fatalf("DMs %+v", d.Posted)
	}
	if closed, _ := st.DMsClosed(ctx, testGuild, "503"); !closed {
		t.Error("closed DMs not flagged")
	}
	if pending, _ := st.PendingAlerts(ctx, 10); len(pending) != 0 {
		t.Errorf("a member with closed DMs is retried: %+v", pending)
	}
}

func TestChannelAlertMentionsAtMost100(t *testing.T) {
	var users []string
	for i := range 150 {
		users = append(users, fmt.Sprint(300000000000000000+i))
	}
	al := shelf.Alert{GuildID: testGuild, ID: "1", StoryID: "2", Kind: shelf.AlertUpdate, Title: strings.Repeat("Long ", 40),
		Summary: "1 new chapter (4/?)", Recipients: users}
	m := NewAlertWording(Deps{}).channelAlert(context.Background(), al, shelf.StoryRecord{}, "")
	if err := discordtest.CheckMessage(m); err != nil {
		t.Fatal(err)
	}
	n := len(m.AllowedMentions.Users)
	if n == 0 || n > 100 || !strings.Contains(m.Content, fmt.Sprintf("and %d more", 150-n)) || len([]rune(m.Content)) > 2000 {
		t.Errorf("%d mentions, content %d runes", n, len([]rune(m.Content)))
	}
	if !strings.HasSuffix(m.Content, alertMarker(al)) {
		t.Error("marker is not the last line")
	}
}
