package commands

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/discordtest"
	"ficshelf/fic"
	"ficshelf/shelf"
	"ficshelf/storetest"
)

const testGuild = "700000000000000001"

// slash builds a guild slash-command interaction by user with one
// subcommand and its options.
func slash(user, command, sub string, opts ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.Interaction {
	return &discordgo.Interaction{
		ID: "1", Type: discordgo.InteractionApplicationCommand, GuildID: testGuild, ChannelID: "800000000000000001", AppID: "900",
		Member: &discordgo.Member{User: &discordgo.User{ID: user, Username: "u" + user}},
		Data: discordgo.ApplicationCommandInteractionData{Name: command, Options: []*discordgo.ApplicationCommandInteractionDataOption{{
			Name: sub, Type: discordgo.ApplicationCommandOptionSubCommand, Options: opts,
		}}},
	}
}

func strOpt(name, v string) *discordgo.ApplicationCommandInteractionDataOption {
	return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionString, Value: v}
}

func intOpt(name string, v int) *discordgo.ApplicationCommandInteractionDataOption {
	return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: discordgo.ApplicationCommandOptionInteger, Value: float64(v)}
}

// addWork adds a Teen And Up story known by its details only
// (storetest.Work) to testGuild.
func addWork(t testing.TB, st shelf.Store, title string, posted, expected int, by string, mine bool) shelf.StoryRecord {
	t.Helper()
	w := storetest.Work(title, posted, expected, 0)
	w.Rating = fic.RatingTeen
	return storetest.AddAt(t, st, testGuild, by, mine, time.Time{}, w)
}

func handle(t testing.TB, r *Router, i *discordgo.Interaction) *discordgo.InteractionResponse {
	t.Helper()
	resp, err := r.HandleInteraction(context.Background(), i)
	if err != nil {
		t.Fatalf("%v", err)
	}
	fromMessage := i.Message != nil
	if err := discordtest.CheckResponse(i.Type, fromMessage, resp); err != nil {
		t.Fatalf("invalid answer: %v", err)
	}
	return resp
}

func TestKudosUpdateRelabelsOnlyTheKudosButton(t *testing.T) {
	msg := &discordgo.Message{
		Content: "<@1> recommends",
		Embeds: []*discordgo.MessageEmbed{
			{Title: "Card", Fields: []*discordgo.MessageEmbedField{{Name: "Kudos", Value: "4"}, {Name: "Words", Value: "10"}}, Footer: &discordgo.MessageEmbedFooter{Text: "Story 12 · AO3 work 9"}},
			{Title: "Other", Fields: []*discordgo.MessageEmbedField{{Name: "Kudos", Value: "4"}}, Footer: &discordgo.MessageEmbedFooter{Text: "Story 123"}},
		},
		Components: []discordgo.MessageComponent{
			&discordgo.ActionsRow{Components: []discordgo.MessageComponent{
				&discordgo.Button{Label: "Next passage", CustomID: "ex1:12:3", Style: discordgo.PrimaryButton},
				&discordgo.Button{Label: "Kudos (4)", CustomID: "kudos:12", Style: discordgo.SuccessButton, Emoji: &discordgo.ComponentEmoji{Name: "❤️"}},
				&discordgo.Button{Label: "Kudos (4)", CustomID: "kudos:123", Style: discordgo.SuccessButton},
			}},
			&discordgo.ActionsRow{Components: []discordgo.MessageComponent{
				&discordgo.SelectMenu{CustomID: "pick", Options: []discordgo.SelectMenuOption{{Label: "a", Value: "a"}}},
			}},
		},
	}
	r := kudosUpdate(msg, "12", 5)
	if err := discordtest.CheckResponse(discordgo.InteractionMessageComponent, true, r); err != nil {
		t.Fatal(err)
	}
	d := r.Data
	if r.Type != discordgo.InteractionResponseUpdateMessage || d.Content != msg.Content || len(d.Embeds) != 2 || len(d.Components) != 2 {
		t.Fatalf("update = %+v", d)
	}
	row := d.Components[0].(*discordgo.ActionsRow).Components
	if l := row[1].(*discordgo.Button).Label; l != "Kudos (5)" {
		t.Errorf("kudos label %q", l)
	}
	if l := row[0].(*discordgo.Button).Label; l != "Next passage" {
		t.Errorf("other button %q", l)
	}
	if l := row[2].(*discordgo.Button).Label; l != "Kudos (4)" {
		t.Errorf("another story's kudos button became %q", l)
	}
	if d.Embeds[0].Fields[0].Value != "5" || d.Embeds[0].Fields[1].Value != "10" || d.Embeds[1].Fields[0].Value != "4" {
		t.Errorf("embeds %+v %+v", d.Embeds[0].Fields, d.Embeds[1].Fields)
	}
	// The received message is not modified in place.
	if msg.Embeds[0].Fields[0].Value != "4" || msg.Components[0].(*discordgo.ActionsRow).Components[1].(*discordgo.Button).Label != "Kudos (4)" {
		t.Error("kudosUpdate modified the message it was given")
	}
}

func TestKudosGiveRules(t *testing.T) {
	st := storetest.Open(t)
	r := New(Deps{Store: st})
	own := addWork(t, st, "Mine", 1, 1, "501", true)
	found := addWork(t, st, "Found", 1, 1, "501", false)
	give := func(user string, rec shelf.StoryRecord) *discordgo.InteractionResponse {
		return handle(t, r, slash(user, "kudos", "give", strOpt("story", rec.ID)))
	}
	if a := give("502", own); a.Data.Flags != 0 || !strings.Contains(a.Data.Content, "1 kudos") {
		t.Errorf("first kudos: %+v", a.Data)
	}
	for _, c := range []struct {
		user string
		rec  shelf.StoryRecord
		want string
	}{{"502", own, "already left kudos"}, {"501", own, "You wrote"}} {
		a := give(c.user, c.rec)
		if a.Data.Flags&discordgo.MessageFlagsEphemeral == 0 || !strings.Contains(a.Data.Content, c.want) {
			t.Errorf("%s on %s: %+v", c.user, c.rec.Story.Title, a.Data)
		}
	}
	if a := give("501", found); a.Data.Flags != 0 {
		t.Errorf("the adder of a story they did not write was refused: %q", a.Data.Content)
	}
	got, _ := st.Story(context.Background(), testGuild, own.ID)
	if got.Kudos != 1 {
		t.Errorf("kudos = %d after refusals; want 1", got.Kudos)
	}
}

func TestKudosListPageFits(t *testing.T) {
	kudos := make([]shelf.Kudo, 45)
	for i := range kudos {
		kudos[i] = shelf.Kudo{UserID: fmt.Sprint(100000000000000000 + i), At: time.Unix(int64(1e9+i), 0)}
	}
	rec := shelf.StoryRecord{ID: "3", Story: fic.Story{Title: strings.Repeat("Ŵ", 300)}}
	for page := -1; page < 4; page++ {
		e, comps := kudosListPage(rec, kudos, page)
		r := EmbedReply(false, []*discordgo.MessageEmbed{e}, comps...)
		if err := discordtest.CheckResponse(discordgo.InteractionApplicationCommand, false, r); err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
	}
}

// BenchmarkKudosGive64 sends /kudos give through the router from 64
// concurrent members on one story (each kudos durable before its answer)
// and reports kudos per second. The store's BenchmarkKudos64 compares the
// batched write with one db.Update per kudos.
func BenchmarkKudosGive64(b *testing.B) {
	st := storetest.Open(b)
	r := New(Deps{Store: st})
	rec := addWork(b, st, "Hot", 1, 1, "7", false)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := 0; w < 64; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				resp, err := r.HandleInteraction(context.Background(), slash(fmt.Sprint(1_000_000+i), "kudos", "give", strOpt("story", rec.ID)))
				if err != nil || resp.Data.Flags != 0 {
					b.Errorf("kudos %d: %v %+v", i, err, resp)
					return
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/el.Seconds(), "kudos/s")
	if got, _ := st.Story(context.Background(), testGuild, rec.ID); got.Kudos != b.N {
		b.Fatalf("count %d after %d kudos", got.Kudos, b.N)
	}
}

// /kudos top shows ten stories and says when more have kudos.
func TestKudosTopSaysWhenMoreStoriesHaveKudos(t *testing.T) {
	st := storetest.Open(t)
	r := New(Deps{Store: st})
	var recs []shelf.StoryRecord
	for i := range 11 {
		recs = append(recs, addWork(t, st, fmt.Sprintf("Story %02d", i), 1, 1, "501", false))
	}
	top := func() *discordgo.MessageEmbed {
		return handle(t, r, slash("502", "kudos", "top")).Data.Embeds[0]
	}
	for _, rec := range recs[:10] {
		if _, err := st.GiveKudos(context.Background(), testGuild, rec.ID, "502", time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	if e := top(); strings.Contains(e.Footer.Text, "more stories") || strings.Count(e.Description, "❤️") != 10 {
		t.Errorf("ten stories with kudos: %q / %q", e.Description, e.Footer.Text)
	}
	if _, err := st.GiveKudos(context.Background(), testGuild, recs[10].ID, "502", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if e := top(); !strings.Contains(e.Footer.Text, "The top 10; more stories have kudos of all time.") || strings.Count(e.Description, "❤️") != 10 {
		t.Errorf("eleven stories with kudos: %q / %q", e.Description, e.Footer.Text)
	}
}

// The chart shows all ten stories however long their titles.
func TestKudosTopShowsEveryStoryOfTheChart(t *testing.T) {
	st := storetest.Open(t)
	r := New(Deps{Store: st})
	for i := range 10 {
		s := storetest.Story(fmt.Sprintf("%02d %s", i, strings.Repeat("*_", 100)), strings.Repeat("|~", 60))
		rec := storetest.Add(t, st, testGuild, "501", s)
		if _, err := st.GiveKudos(context.Background(), testGuild, rec.ID, "502", time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	d := handle(t, r, slash("502", "kudos", "top")).Data.Embeds[0].Description
	if n := len([]rune(d)); n > maxListText {
		t.Errorf("%d characters", n)
	}
	for i := 1; i <= 10; i++ {
		if !strings.Contains(d, fmt.Sprintf("**%d.** **", i)) {
			t.Errorf("story %d missing from the chart:\n%.500s", i, d)
		}
	}
}

// burstStore is a store on which, right after each GiveKudos, another
// member's click on the same story commits (as in a burst of clicks), and
// which counts the reads of whole stories.
type burstStore struct {
	Store
	other       string
	storyReads  atomic.Int32
	countsAfter atomic.Int32 // KudosCount calls
}

func (s *burstStore) GiveKudos(ctx context.Context, guild, story, user string, at time.Time) (int, error) {
	n, err := s.Store.GiveKudos(ctx, guild, story, user, at)
	if err == nil && s.other != "" {
		_, _ = s.Store.GiveKudos(ctx, guild, story, s.other, at)
		s.other = ""
	}
	return n, err
}

func (s *burstStore) Story(ctx context.Context, guild, id string) (shelf.StoryRecord, error) {
	s.storyReads.Add(1)
	return s.Store.Story(ctx, guild, id)
}

func (s *burstStore) KudosCount(ctx context.Context, guild, story string) (int, error) {
	s.countsAfter.Add(1)
	return s.Store.KudosCount(ctx, guild, story)
}

// A Kudos click answers with the count as of its answer, including a
// click committed after its own write, and reads the story once: after
// the write it reads the count alone.
func TestKudosButtonShowsTheCountAsOfItsAnswer(t *testing.T) {
	base := storetest.Open(t)
	st := &burstStore{Store: base, other: "503"}
	rec := addWork(t, base, "Clicked", 1, 1, "501", false)
	r := New(Deps{Store: st})
	msg := &discordgo.Message{ID: "42", Content: "A card", Components: []discordgo.MessageComponent{
		&discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			&discordgo.Button{Label: "Kudos (0)", CustomID: "kudos:" + rec.ID, Style: discordgo.SuccessButton},
		}},
	}}
	i := &discordgo.Interaction{
		ID: "2", Type: discordgo.InteractionMessageComponent, GuildID: testGuild, ChannelID: "800000000000000001", AppID: "900",
		Member:  &discordgo.Member{User: &discordgo.User{ID: "502", Username: "u502"}},
		Data:    discordgo.MessageComponentInteractionData{CustomID: "kudos:" + rec.ID, ComponentType: discordgo.ButtonComponent},
		Message: msg,
	}
	resp := handle(t, r, i)
	if resp.Type != discordgo.InteractionResponseUpdateMessage {
		t.Fatalf("answer type %d: %+v", resp.Type, resp.Data)
	}
	if l := resp.Data.Components[0].(*discordgo.ActionsRow).Components[0].(*discordgo.Button).Label; l != "Kudos (2)" {
		t.Errorf("label %q, want Kudos (2): the other member's click committed before the answer", l)
	}
	if n := st.storyReads.Load(); n != 1 {
		t.Errorf("the story was read %d times, want once", n)
	}
	if n := st.countsAfter.Load(); n != 1 {
		t.Errorf("KudosCount called %d times, want once", n)
	}
}
