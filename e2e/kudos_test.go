package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/discordtest"
	"ficshelf/shelf"
	"ficshelf/storetest"
)

// seedWork adds a story known by metadata only (as a link import leaves
// it) with posted/expected chapters (expected 0: a work in progress).
func seedWork(t *testing.T, st shelf.Store, guildID, addedBy, title string, posted, expected int, mine bool, ao3 int64) shelf.StoryRecord {
	t.Helper()
	s := storetest.Work(title, posted, expected, ao3)
	s.Fandoms = []string{"Original Work"}
	return storetest.AddAt(t, st, guildID, addedBy, mine, time.Time{}, s)
}

// Message shapes the Kudos button sits on. They are built here as the bot
// would post them, so these tests do not depend on other families' code:
// a card (embed footer "Story <id>", a Kudos field), an excerpt (passage
// embed, Next passage button first) and a rec (content, card and the
// recommender's words, a link button).
func cardMessage(e *Env, id string, kudos int) *discordtest.Message {
	return botMessage(e, "", []*discordgo.MessageEmbed{{
		Title: "Card", Description: "A summary.",
		Fields: []*discordgo.MessageEmbedField{{Name: "Rating", Value: "General Audiences", Inline: true}, {Name: "Kudos", Value: strconv.Itoa(kudos), Inline: true}},
		Footer: &discordgo.MessageEmbedFooter{Text: "Story " + id},
	}}, discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.Button{Label: fmt.Sprintf("Kudos (%d)", kudos), Style: discordgo.SuccessButton, CustomID: "kudos:" + id, Emoji: &discordgo.ComponentEmoji{Name: "❤️"}},
		discordgo.Button{Label: "Add to reading list", Style: discordgo.SecondaryButton, CustomID: "rl-add:" + id},
		discordgo.Button{Label: "Excerpt", Style: discordgo.PrimaryButton, CustomID: "ex-card:" + id},
	}})
}

func excerptMessage(e *Env, id string) *discordtest.Message {
	return botMessage(e, "", []*discordgo.MessageEmbed{{
		Title: "Chapter 1", Description: "It was dawn. The birds were singing.",
		Footer: &discordgo.MessageEmbedFooter{Text: "Chapter 1 · 1–2 of 40 sentences · 7 words"},
	}}, discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.Button{Label: "Next passage", Style: discordgo.PrimaryButton, CustomID: "ex1:" + id + ":1:2"},
		discordgo.Button{Label: "Kudos", Style: discordgo.SuccessButton, CustomID: "kudos:" + id},
		discordgo.Button{Label: "Add to reading list", Style: discordgo.SecondaryButton, CustomID: "rl-add:" + id},
	}})
}

func recMessage(e *Env, id string) *discordtest.Message {
	return botMessage(e, "<@"+e.Alice.User.ID+"> recommends:", []*discordgo.MessageEmbed{
		{Title: "Card", Fields: []*discordgo.MessageEmbedField{{Name: "Kudos", Value: "0"}}, Footer: &discordgo.MessageEmbedFooter{Text: "Story " + id + " · AO3 work 7"}},
		{Description: "Why: it made me cry twice.", Footer: &discordgo.MessageEmbedFooter{Text: "Story 1" + id}},
	}, discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.Button{Label: "Kudos (0)", Style: discordgo.SuccessButton, CustomID: "kudos:" + id},
		discordgo.Button{Label: "Add to reading list", Style: discordgo.SecondaryButton, CustomID: "rl-add:" + id},
		discordgo.Button{Label: "Discuss", Style: discordgo.LinkButton, URL: "https://discord.com/channels/1/2"},
	}})
}

// botMessage is a message by the bot in General, recorded by discordtest
// when a component on it is first used.
func botMessage(e *Env, content string, embeds []*discordgo.MessageEmbed, rows ...discordgo.MessageComponent) *discordtest.Message {
	return &discordtest.Message{Message: discordgo.Message{
		ID: e.Srv.NewID(), ChannelID: e.General.ID, GuildID: e.Guild.ID, Author: e.Srv.BotUser,
		Content: content, Embeds: embeds, Components: rows, Timestamp: time.Now().UTC(),
	}}
}

// button returns the button with customID on m, or fails.
func button(t *testing.T, m *discordtest.Message, customID string) *discordgo.Button {
	t.Helper()
	switch b := m.Component(customID).(type) {
	case *discordgo.Button:
		return b
	case discordgo.Button:
		return &b
	}
	t.Fatalf("message has no button %q (has %q)", customID, m.CustomIDs())
	return nil
}

func wantEphemeral(t *testing.T, what string, a *discordtest.Answer, contains string) {
	t.Helper()
	if !a.Ephemeral() || !strings.Contains(a.Content(), contains) {
		t.Errorf("%s: ephemeral=%v content=%q; want an ephemeral answer containing %q", what, a.Ephemeral(), a.Content(), contains)
	}
}

func TestKudosGive(t *testing.T) { forEachEngine(t, testKudosGive) }

func testKudosGive(t *testing.T, db Option) {
	var own, other shelf.StoryRecord
	e := Start(t, db, WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		own = seedWork(t, st, e.Guild.ID, e.Alice.User.ID, "Alice Writes", 1, 1, true, 0)
		other = seedWork(t, st, e.Guild.ID, e.Alice.User.ID, "Found On AO3", 3, 3, false, 0)
	}))
	story := func(r shelf.StoryRecord) discordtest.Opt {
		return discordtest.Sub("give", discordtest.String("story", r.ID))
	}

	a := e.Slash(e.General, e.Bob, "kudos", story(own))
	if a.Ephemeral() || !strings.Contains(a.Content(), "Alice Writes") || !strings.Contains(a.Content(), "1 kudos") {
		t.Errorf("first kudos: ephemeral=%v %q; want a public thank-you with the count", a.Ephemeral(), a.Content())
	}
	if a.Original.AllowedMentions == nil || len(a.Original.AllowedMentions.Parse) != 0 {
		t.Errorf("thank-you allowed_mentions = %+v; want none", a.Original.AllowedMentions)
	}
	wantEphemeral(t, "second kudos", e.Slash(e.General, e.Bob, "kudos", story(own)), "already left kudos")
	wantEphemeral(t, "author's kudos", e.Slash(e.General, e.Alice, "kudos", story(own)), "You wrote")
	// The adder of a story that is not their own may give kudos; by typed title too.
	a = e.Slash(e.General, e.Alice, "kudos", discordtest.Sub("give", discordtest.String("story", "found on ao3")))
	if a.Ephemeral() || !strings.Contains(a.Content(), "1 kudos") {
		t.Errorf("adder's kudos on a found story: %q", a.Content())
	}
	wantEphemeral(t, "unknown story", e.Slash(e.General, e.Bob, "kudos", discordtest.Sub("give", discordtest.String("story", "Nope Nothing"))), "no story called")

	// Nothing changed with the refusals: one kudos on each.
	list := e.Slash(e.General, e.Bob, "kudos", discordtest.Sub("list", discordtest.String("story", own.ID)))
	if text := list.Original.EmbedText(); !strings.Contains(text, "<@"+e.Bob.User.ID+">") || strings.Contains(text, e.Alice.User.ID) || !strings.Contains(text, "1 kudos") {
		t.Errorf("/kudos list after refusals = %q", text)
	}
	_ = other
}

func TestKudosButtonUpdatesCountInPlaceOnEveryShape(t *testing.T) {
	forEachEngine(t, testKudosButtonUpdatesCountInPlaceOnEveryShape)
}

func testKudosButtonUpdatesCountInPlaceOnEveryShape(t *testing.T, db Option) {
	var rec, own shelf.StoryRecord
	e := Start(t, db, WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		rec = seedWork(t, st, e.Guild.ID, e.Mod.User.ID, "Button Story", 2, 2, false, 0)
		own = seedWork(t, st, e.Guild.ID, e.Mod.User.ID, "Mod's Own", 2, 2, true, 0)
	}))
	kid := "kudos:" + rec.ID

	card := cardMessage(e, rec.ID, 0)
	a := e.Click(e.Alice, card, kid)
	if a.Type != discordgo.InteractionResponseUpdateMessage {
		t.Fatalf("kudos click answered type %d; want 7 (update the message)", a.Type)
	}
	m := a.Original
	if got := button(t, m, kid).Label; got != "Kudos (1)" {
		t.Errorf("card button label = %q; want Kudos (1)", got)
	}
	if b := button(t, m, kid); b.Emoji == nil || b.Emoji.Name != "❤️" || b.Style != discordgo.SuccessButton {
		t.Errorf("card kudos button lost its emoji or style: %+v", b)
	}
	if got := m.CustomIDs(); strings.Join(got, ",") != strings.Join(card.CustomIDs(), ",") {
		t.Errorf("components changed: %q → %q", card.CustomIDs(), got)
	}
	if len(m.Embeds) != 1 || m.Embeds[0].Description != "A summary." || m.Embeds[0].Fields[1].Value != "1" || m.Embeds[0].Fields[0].Value != "General Audiences" {
		t.Errorf("card embed after click = %+v; want the same card with Kudos 1", m.Embeds[0])
	}
	if n := len(e.Srv.Messages(e.General.ID)); n != 1 {
		t.Errorf("General has %d messages after a click; want 1 (no new message per click)", n)
	}
	// A second member: the count goes on in the same message.
	a = e.Click(e.Bob, m, kid)
	if got := button(t, a.Original, kid).Label; got != "Kudos (2)" || a.Original.ID != card.ID {
		t.Errorf("second click: label %q on message %s; want Kudos (2) on %s", got, a.Original.ID, card.ID)
	}
	// Refusals are ephemeral and leave the message alone.
	wantEphemeral(t, "second click", e.Click(e.Alice, a.Original, kid), "already left kudos")
	if got := button(t, e.Srv.Message(card.ID), kid).Label; got != "Kudos (2)" {
		t.Errorf("label after a refusal = %q", got)
	}

	// An excerpt: only the kudos button changes; the Next passage button and embed stay.
	ex := excerptMessage(e, rec.ID)
	a = e.Click(e.Admin, ex, kid)
	if a.Type != discordgo.InteractionResponseUpdateMessage {
		t.Fatalf("excerpt kudos answered type %d", a.Type)
	}
	if got := button(t, a.Original, kid).Label; got != "Kudos (3)" {
		t.Errorf("excerpt label = %q; want Kudos (3)", got)
	}
	if got := button(t, a.Original, "ex1:"+rec.ID+":1:2").Label; got != "Next passage" {
		t.Errorf("Next passage button became %q", got)
	}
	if a.Original.Embeds[0].Description != ex.Embeds[0].Description || a.Original.Embeds[0].Footer.Text != ex.Embeds[0].Footer.Text {
		t.Errorf("excerpt embed changed: %+v", a.Original.Embeds[0])
	}

	// A rec: content, both embeds and the link button stay; the card's count follows.
	rc := recMessage(e, rec.ID)
	a = e.Click(e.Mod, rc, kid)
	if got := button(t, a.Original, kid).Label; got != "Kudos (4)" {
		t.Errorf("rec label = %q; want Kudos (4)", got)
	}
	if a.Original.Content != rc.Content || len(a.Original.Embeds) != 2 || a.Original.Embeds[1].Description != rc.Embeds[1].Description {
		t.Errorf("rec message changed: %q %d embeds", a.Original.Content, len(a.Original.Embeds))
	}
	if a.Original.Embeds[0].Fields[0].Value != "4" {
		t.Errorf("rec card Kudos field = %q; want 4", a.Original.Embeds[0].Fields[0].Value)
	}
	if a.Original.Embeds[1].Footer.Text != "Story 1"+rec.ID {
		t.Errorf("an embed of another story was touched: %q", a.Original.Embeds[1].Footer.Text)
	}
	if a.Original.AllowedMentions == nil || len(a.Original.AllowedMentions.Parse) != 0 {
		t.Errorf("update allowed_mentions = %+v; want none", a.Original.AllowedMentions)
	}

	// The author of their own story is refused on the button too.
	wantEphemeral(t, "own story button", e.Click(e.Mod, cardMessage(e, own.ID, 0), "kudos:"+own.ID), "You wrote")

	// A removed story's button answers with a sentence.
	gone := cardMessage(e, "999999", 0)
	wantEphemeral(t, "removed story", e.Click(e.Alice, gone, "kudos:999999"), "no longer in this server's library")
}

func TestKudosTopAndList(t *testing.T) { forEachEngine(t, testKudosTopAndList) }

func testKudosTopAndList(t *testing.T, db Option) {
	now := time.Now()
	var a, b, c shelf.StoryRecord
	var voters []string
	e := Start(t, db, WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		a = seedWork(t, st, e.Guild.ID, e.Mod.User.ID, "Alpha", 1, 1, false, 0)
		b = seedWork(t, st, e.Guild.ID, e.Mod.User.ID, "Beta", 1, 1, false, 0)
		c = seedWork(t, st, e.Guild.ID, e.Mod.User.ID, "Gamma", 1, 1, false, 0)
		// Alpha: 3 old kudos (two months ago); Beta: 2 this week; Gamma: 1 three weeks ago.
		for i := 0; i < 3; i++ {
			if _, err := st.GiveKudos(context.Background(), e.Guild.ID, a.ID, strconv.Itoa(500+i), now.AddDate(0, -2, 0)); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < 2; i++ {
			if _, err := st.GiveKudos(context.Background(), e.Guild.ID, b.ID, strconv.Itoa(600+i), now.Add(-time.Duration(i+1)*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := st.GiveKudos(context.Background(), e.Guild.ID, c.ID, "700", now.AddDate(0, 0, -21)); err != nil {
			t.Fatal(err)
		}
		seedWork(t, st, e.Guild.ID, e.Mod.User.ID, "Epsilon", 1, 1, false, 0)
		// Delta: 45 kudos three months ago, one a day, for paging /kudos list.
		d := seedWork(t, st, e.Guild.ID, e.Mod.User.ID, "Delta", 1, 1, false, 0)
		for i := 0; i < 45; i++ {
			u := strconv.Itoa(800 + i)
			voters = append(voters, u)
			if _, err := st.GiveKudos(context.Background(), e.Guild.ID, d.ID, u, now.AddDate(0, -3, i)); err != nil {
				t.Fatal(err)
			}
		}
	}))
	order := func(text string, titles ...string) bool {
		last := -1
		for _, ti := range titles {
			i := strings.Index(text, ti)
			if i < last || i < 0 {
				return false
			}
			last = i
		}
		return true
	}
	top := func(period string) *discordtest.Answer {
		var opts []discordtest.Opt
		if period != "" {
			opts = append(opts, discordtest.String("period", period))
		}
		return e.Slash(e.General, e.Alice, "kudos", discordtest.Sub("top", opts...))
	}
	all := top("")
	if all.Ephemeral() || !order(all.Original.EmbedText(), "Delta", "Alpha", "Beta", "Gamma") || !strings.Contains(all.Original.EmbedText(), "**1.**") {
		t.Errorf("/kudos top (all) = %q", all.Original.EmbedText())
	}
	week := top("week").Original.EmbedText()
	if !strings.Contains(week, "Beta") || strings.Contains(week, "Alpha") || strings.Contains(week, "Gamma") || !strings.Contains(week, "2 kudos") {
		t.Errorf("/kudos top week = %q", week)
	}
	month := top("month").Original.EmbedText()
	if !order(month, "Beta", "Gamma") || strings.Contains(month, "Alpha") || strings.Contains(month, "Delta") {
		t.Errorf("/kudos top month = %q", month)
	}

	// /kudos list: newest first, 20 per page, Previous/Next update in place.
	list := e.Slash(e.General, e.Alice, "kudos", discordtest.Sub("list", discordtest.String("story", "Delta")))
	text := list.Original.EmbedText()
	if !strings.Contains(text, "45 kudos") || !strings.Contains(text, "page 1 of 3") {
		t.Errorf("/kudos list footer: %q", text)
	}
	mentions := regexp.MustCompile(`<@(\d+)>`)
	var seen []string
	page := list.Original
	for p := 0; p < 3; p++ {
		for _, m := range mentions.FindAllStringSubmatch(page.Embeds[0].Description, -1) {
			seen = append(seen, m[1])
		}
		if p < 2 {
			var next string
			for _, id := range page.CustomIDs() {
				if strings.HasSuffix(id, ":"+strconv.Itoa(p+1)) {
					next = id
				}
			}
			ans := e.Click(e.Bob, page, next)
			if ans.Type != discordgo.InteractionResponseUpdateMessage {
				t.Fatalf("Next answered type %d", ans.Type)
			}
			page = ans.Original
		}
	}
	if len(seen) != 45 {
		t.Fatalf("saw %d kudos over 3 pages; want 45", len(seen))
	}
	for i, u := range seen { // newest first: the last given comes first
		if want := voters[44-i]; u != want {
			t.Fatalf("kudos %d is %s; want %s (newest first)", i, u, want)
		}
	}
	if list.Original.AllowedMentions == nil || len(list.Original.AllowedMentions.Parse) != 0 {
		t.Errorf("/kudos list allowed_mentions = %+v", list.Original.AllowedMentions)
	}
	wantEphemeral(t, "list with none", e.Slash(e.General, e.Alice, "kudos", discordtest.Sub("list", discordtest.String("story", "Epsilon"))), "Nobody has left kudos")
	_ = c
}

// TestConcurrentKudosAreExact sends kudos from 40 members at once (slash
// commands and button clicks mixed) on one story, plus repeats, and checks
// the count equals the number of members.
func TestConcurrentKudosAreExact(t *testing.T) { forEachEngine(t, testConcurrentKudosAreExact) }

func testConcurrentKudosAreExact(t *testing.T, db Option) {
	var rec shelf.StoryRecord
	e := Start(t, db, WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		rec = seedWork(t, st, e.Guild.ID, e.Mod.User.ID, "Popular", 1, 1, false, 0)
	}))
	const n = 40
	members := make([]*discordgo.Member, n)
	for i := range members {
		members[i] = e.Srv.AddMember(e.Guild.ID, fmt.Sprintf("fan%02d", i), 0)
	}
	card := cardMessage(e, rec.ID, 0)
	e.Click(e.Alice, card, "kudos:"+rec.ID) // records the card; Alice is the 41st
	var pending []*discordtest.Pending
	for i, m := range members {
		var in *discordgo.Interaction
		if i%2 == 0 {
			in = e.Srv.Slash(t, e.General.ID, m.User.ID, "kudos", discordtest.Sub("give", discordtest.String("story", rec.ID)))
		} else {
			in = e.Srv.Component(t, m.User.ID, card, "kudos:"+rec.ID)
		}
		pending = append(pending, e.Srv.Send(t, in))
		if i%4 == 0 { // some repeat at once: must not count twice
			pending = append(pending, e.Srv.Send(t, e.Srv.Slash(t, e.General.ID, m.User.ID, "kudos", discordtest.Sub("give", discordtest.String("story", rec.ID)))))
		}
	}
	accepted := 0
	for _, p := range pending {
		a := p.Wait(t)
		if len(a.Rejected) > 0 {
			t.Errorf("answer rejected: %v", a.Rejected)
		}
		if !a.Ephemeral() {
			accepted++
		}
	}
	if accepted != n {
		t.Errorf("%d kudos accepted; want %d (one per member)", accepted, n)
	}
	list := e.Slash(e.General, e.Alice, "kudos", discordtest.Sub("list", discordtest.String("story", rec.ID)))
	if !strings.Contains(list.Original.EmbedText(), fmt.Sprintf("%d kudos", n+1)) {
		t.Errorf("/kudos list after %d concurrent kudos: %q", n+1, list.Original.EmbedText())
	}
	// The story card agrees.
	info := e.Slash(e.General, e.Alice, "story", discordtest.Sub("info", discordtest.String("story", rec.ID))).Original
	for _, f := range info.Embeds[0].Fields {
		if f.Name == "Kudos" && f.Value != fmt.Sprint(n+1) {
			t.Errorf("/story info Kudos = %s; want %d", f.Value, n+1)
		}
	}
	// The button then shows the exact count.
	late := e.Srv.AddMember(e.Guild.ID, "latecomer", 0)
	a := e.Click(late, cardMessage(e, rec.ID, 0), "kudos:"+rec.ID)
	if got := button(t, a.Original, "kudos:"+rec.ID).Label; got != fmt.Sprintf("Kudos (%d)", n+2) {
		t.Errorf("label after concurrent kudos = %q; want Kudos (%d)", got, n+2)
	}
}

// TestKudosOnARealRec presses Kudos on a rec posted by /rec post: the
// label and the card's count change; the recommender's words, the card and
// the other buttons stay. The message command then finds the story on it.
func TestKudosOnARealRec(t *testing.T) {
	var rec shelf.StoryRecord
	e := Start(t, WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		rec = seedWork(t, st, e.Guild.ID, e.Mod.User.ID, "Recommended Reading", 2, 2, false, 0)
	}))
	e.Slash(e.General, e.Alice, "rec", discordtest.Sub("post", discordtest.String("story", rec.ID), discordtest.String("why", "The *slow burn* is worth it.")))
	kid := "kudos:" + rec.ID
	post := e.Srv.WaitMessage(t, e.General.ID, func(m *discordtest.Message) bool { return m.Component(kid) != nil })
	a := e.Click(e.Bob, post, kid)
	if a.Type != discordgo.InteractionResponseUpdateMessage || a.Original.ID != post.ID {
		t.Fatalf("kudos on a rec: type %d on %s", a.Type, a.Original.ID)
	}
	if got := button(t, a.Original, kid).Label; got != "Kudos (1)" {
		t.Errorf("rec kudos label %q", got)
	}
	if a.Original.Content != post.Content || len(a.Original.Embeds) != 1 || a.Original.Embeds[0].Title != post.Embeds[0].Title ||
		a.Original.Embeds[0].Description != post.Embeds[0].Description {
		t.Errorf("rec changed beyond the count:\n%q → %q", post.Content, a.Original.Content)
	}
	for _, f := range a.Original.Embeds[0].Fields {
		if f.Name == "Kudos" && f.Value != "1" {
			t.Errorf("card Kudos field %q; want 1", f.Value)
		}
	}
	if strings.Join(a.Original.CustomIDs(), ",") != strings.Join(post.CustomIDs(), ",") {
		t.Errorf("buttons changed: %q → %q", post.CustomIDs(), a.Original.CustomIDs())
	}
	m := e.Srv.Send(t, e.Srv.MessageCommand(t, e.General.ID, e.Mod.User.ID, "Add to reading list", post.ID)).Wait(t)
	wantEphemeral(t, "message command on a rec", m, "Added **Recommended Reading**")
}

// TestKudosOnRealCardAndExcerpt presses Kudos on a /story info card and an
// /excerpt passage as those commands post them.
func TestKudosOnRealCardAndExcerpt(t *testing.T) {
	var rec shelf.StoryRecord
	e := Start(t, WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		rec = SeedStory(t, st, e.Guild.ID, e.Mod.User.ID, "tide.txt",
			"The Tide Clock\nby Marin\n\nChapter 1\n\nThe tide came in at noon. Nobody on the island believed the clock any more. Mira did.\n\nChapter 2\n\nShe wound it every night. The sea listened.\n", false)
	}))
	kid := "kudos:" + rec.ID
	card := e.Slash(e.NSFW, e.Alice, "story", discordtest.Sub("info", discordtest.String("story", rec.ID))).Original
	if card.Component(kid) == nil {
		t.Fatalf("/story info card has no Kudos button: %q", card.CustomIDs())
	}
	a := e.Click(e.Bob, card, kid)
	if a.Type != discordgo.InteractionResponseUpdateMessage || button(t, a.Original, kid).Label != "Kudos (1)" {
		t.Fatalf("kudos on a card: type %d label %q", a.Type, button(t, a.Original, kid).Label)
	}
	for _, f := range a.Original.Embeds[0].Fields {
		if f.Name == "Kudos" && f.Value != "1" {
			t.Errorf("card Kudos field %q; want 1", f.Value)
		}
	}
	if a.Original.Embeds[0].Title != card.Embeds[0].Title || a.Original.Embeds[0].Description != card.Embeds[0].Description || len(a.Original.Embeds[0].Fields) != len(card.Embeds[0].Fields) {
		t.Errorf("card changed beyond the count")
	}

	ex := e.Slash(e.NSFW, e.Alice, "excerpt", discordtest.String("story", rec.ID)).Original
	if ex.Component(kid) == nil {
		t.Fatalf("excerpt has no Kudos button: %q", ex.CustomIDs())
	}
	a = e.Click(e.Alice, ex, kid)
	if a.Type != discordgo.InteractionResponseUpdateMessage || button(t, a.Original, kid).Label != "Kudos (2)" {
		t.Fatalf("kudos on an excerpt: type %d label %q", a.Type, button(t, a.Original, kid).Label)
	}
	if a.Original.Content != ex.Content || a.Original.EmbedText() != ex.EmbedText() || strings.Join(a.Original.CustomIDs(), ",") != strings.Join(ex.CustomIDs(), ",") {
		t.Errorf("excerpt changed beyond the count:\n%q\n%q", ex.EmbedText(), a.Original.EmbedText())
	}
	wantEphemeral(t, "second kudos on the excerpt", e.Click(e.Bob, a.Original, kid), "already left kudos")

	// The message command finds the story on both.
	for _, m := range []*discordtest.Message{card, ex} {
		ans := e.Srv.Send(t, e.Srv.MessageCommand(t, e.NSFW.ID, e.Mod.User.ID, "Add to reading list", m.ID)).Wait(t)
		if !ans.Ephemeral() || !strings.Contains(ans.Content(), "The Tide Clock") {
			t.Errorf("message command on %s: %q", m.ID, ans.Content())
		}
	}
	// A fresh card shows the count and one reader.
	again := e.Slash(e.NSFW, e.Alice, "story", discordtest.Sub("info", discordtest.String("story", rec.ID))).Original
	if button(t, again, kid).Label != "Kudos (2)" {
		t.Errorf("fresh card label %q", button(t, again, kid).Label)
	}
	for _, f := range again.Embeds[0].Fields {
		if (f.Name == "Kudos" && f.Value != "2") || (f.Name == "Readers" && f.Value != "1") {
			t.Errorf("fresh card %s = %q", f.Name, f.Value)
		}
	}
}
