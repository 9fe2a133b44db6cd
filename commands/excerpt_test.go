package commands

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/discordtest"
	"ficshelf/fic"
	"ficshelf/fic/passage"
	"ficshelf/shelf"
	"ficshelf/storetest"
)

// channelsOnly is a Discord that knows channels and nothing else.
type channelsOnly struct {
	Discord
	channels map[string]*discordgo.Channel
}

func (d channelsOnly) Channel(ctx context.Context, id string) (*discordgo.Channel, error) {
	if ch, ok := d.channels[id]; ok {
		return ch, nil
	}
	return nil, fmt.Errorf("unknown channel %s", id)
}

const (
	plainChannel = "800000000000000001" // where slash() sends from
	nsfwChannel  = "800000000000000002"
)

// excerptRouter is a router with only the excerpt family, a fixed random
// source and a Discord with a plain and an age-restricted channel.
func excerptRouter(t testing.TB, st shelf.Store) *Router {
	c := newCmds(Deps{Store: st, Now: time.Now, Discord: channelsOnly{channels: map[string]*discordgo.Channel{
		plainChannel: {ID: plainChannel, GuildID: testGuild, Type: discordgo.ChannelTypeGuildText},
		nsfwChannel:  {ID: nsfwChannel, GuildID: testGuild, Type: discordgo.ChannelTypeGuildText, NSFW: true},
	}}})
	r := NewRouter(nil)
	c.registerExcerptWith(r, rand.New(rand.NewPCG(1, 2)))
	c.registerSettings(r)
	return r
}

// excerptSlash is /excerpt with options (no subcommand).
func excerptSlash(user string, opts ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.Interaction {
	i := slash(user, "excerpt", "")
	i.Data = discordgo.ApplicationCommandInteractionData{Name: "excerpt", Options: opts}
	return i
}

// click is a component interaction on a bot message.
func click(user, channel, customID string) *discordgo.Interaction {
	return &discordgo.Interaction{
		ID: "2", Type: discordgo.InteractionMessageComponent, GuildID: testGuild, ChannelID: channel, AppID: "900",
		Member:  &discordgo.Member{User: &discordgo.User{ID: user, Username: "u" + user}},
		Message: &discordgo.Message{ID: "3", ChannelID: channel},
		Data:    discordgo.MessageComponentInteractionData{CustomID: customID, ComponentType: discordgo.ButtonComponent},
	}
}

func nextID(t testing.TB, resp *discordgo.InteractionResponse) string {
	t.Helper()
	for _, row := range resp.Data.Components {
		for _, c := range row.(discordgo.ActionsRow).Components {
			if b := c.(discordgo.Button); strings.HasPrefix(b.CustomID, routeExcerptNext+":") {
				return b.CustomID
			}
		}
	}
	t.Fatalf("no Next passage button in %+v", resp.Data.Components)
	return ""
}

func TestExcerptNextCustomID(t *testing.T) {
	for _, n := range []excerptNext{
		{Story: "1", Chapter: 1, Byte: 0, Length: passage.Short},
		{Story: "18446744073709551615", Chapter: 1 << 20, Byte: 1<<31 - 1, Length: passage.Long},
		{Story: "42", Chapter: 3, Byte: 12345, Length: passage.Medium},
	} {
		id := n.customID()
		if len(id) > 100 {
			t.Errorf("%q: %d characters, over Discord's 100", id, len(id))
		}
		route, args := splitCustomID(id)
		got, ok := parseExcerptNext(args)
		if route != routeExcerptNext || !ok || got != n {
			t.Errorf("%q decodes to %+v %v; want %+v", id, got, ok, n)
		}
	}
	for _, bad := range []string{"ex1", "ex1:1:2:3", "ex1:x:1:0:m", "ex1:1:0:0:m", "ex1:1:1:-4:m", "ex1:1:1:0:huge", "ex1:1:1:0:m:extra"} {
		_, args := splitCustomID(bad)
		if n, ok := parseExcerptNext(args); ok {
			t.Errorf("%q decodes to %+v; want a refusal", bad, n)
		}
	}
}

func TestChapterLabel(t *testing.T) {
	for _, tc := range []struct {
		n           int
		title, want string
	}{
		{3, "", "Chapter 3"},
		{3, "The Lake", "Chapter 3: The Lake"},
		{3, "Chapter 3", "Chapter 3"},
		{1, "chapter one: Dawn", "chapter one: Dawn"},
	} {
		if got := chapterLabel(tc.n, tc.title); got != tc.want {
			t.Errorf("chapterLabel(%d, %q) = %q, want %q", tc.n, tc.title, got, tc.want)
		}
	}
}

func TestExcerptNextChainReadsTheStoryThrough(t *testing.T) {
	st := storetest.Open(t)
	r := excerptRouter(t, st)
	s := storetest.Numbered("Counting Stars", 3, 6, 4)
	rec := storetest.AddText(t, st, testGuild, "501", s)
	var want []string
	for _, ch := range s.Chapters {
		idx := passage.Segment(ch.Text)
		for i := 0; i < idx.Len(); i++ {
			a, b := idx.Span(ch.Text, i)
			want = append(want, ch.Text[a:b])
		}
	}
	id := excerptNext{Story: rec.ID, Chapter: 1, Length: passage.Short}.customID()
	var got []string
	chapterStarts := 0
	for steps := 0; ; steps++ {
		if steps > 200 {
			t.Fatal("chain does not end")
		}
		resp := handle(t, r, click("502", plainChannel, id))
		if resp.Data.Flags&discordgo.MessageFlagsEphemeral != 0 {
			if !strings.Contains(resp.Data.Content, "That's the end of") {
				t.Fatalf("chain stopped with %q", resp.Data.Content)
			}
			break
		}
		e := resp.Data.Embeds[0]
		if strings.Contains(e.Title, "continues in Chapter") {
			chapterStarts++
		}
		for _, para := range strings.Split(e.Description, "\n\n") {
			for _, sent := range strings.SplitAfter(para, "lake.") {
				if sent = strings.TrimSpace(sent); sent != "" {
					got = append(got, sent)
				}
			}
		}
		id = nextID(t, resp)
	}
	if !slices.Equal(got, want) {
		t.Errorf("chain read %d sentences, want %d:\n got %q\nwant %q", len(got), len(want), got, want)
	}
	if chapterStarts != 3 {
		t.Errorf("%d passages said a chapter begins; want 3", chapterStarts)
	}
}

func TestExcerptFindAndErrors(t *testing.T) {
	st := storetest.Open(t)
	r := excerptRouter(t, st)
	s := storetest.Numbered("Counting Stars", 3, 6, 4)
	s.Chapters[2].Text += "\n\nAt last Zoë said, “Don’t go.”"
	rec := storetest.AddText(t, st, testGuild, "501", s)
	resp := handle(t, r, excerptSlash("502", strOpt("story", rec.ID), strOpt("find", `zoe said, "don't`)))
	if e := resp.Data.Embeds; len(e) != 1 || !strings.Contains(e[0].Description, "Zoë said, “Don’t go.”") || !strings.Contains(e[0].Title, "Chapter 3: Part 3") {
		t.Fatalf("find answered %+v", resp.Data)
	}
	ephemeral := func(what string, resp *discordgo.InteractionResponse, contains string) {
		t.Helper()
		if resp.Data.Flags&discordgo.MessageFlagsEphemeral == 0 || !strings.Contains(resp.Data.Content, contains) {
			t.Errorf("%s: %q (flags %d); want ephemeral containing %q", what, resp.Data.Content, resp.Data.Flags, contains)
		}
	}
	ephemeral("no match", handle(t, r, excerptSlash("502", strOpt("story", rec.ID), strOpt("find", "dragons"))), "couldn't find “dragons” in **Counting Stars**")
	ephemeral("no match in chapter", handle(t, r, excerptSlash("502", strOpt("story", rec.ID), strOpt("find", "Zoë"), intOpt("chapter", 1))), "in chapter 1 of")
	ephemeral("chapter out of range", handle(t, r, excerptSlash("502", strOpt("story", rec.ID), intOpt("chapter", 9))), "has 3 chapters")
	link := addWork(t, st, "Only A Link", 4, 4, "501", false)
	ephemeral("link only", handle(t, r, excerptSlash("502", strOpt("story", link.ID))), "excerpts need an uploaded file")
	ephemeral("removed story", handle(t, r, click("502", plainChannel, excerptNext{Story: "999", Chapter: 1, Length: passage.Short}.customID())), "no longer in this server's library")
	ephemeral("stale button", handle(t, r, click("502", plainChannel, "ex1:1:garbage")), "expired")
}

func TestExcerptAdultPlacement(t *testing.T) {
	st := storetest.Open(t)
	r := excerptRouter(t, st)
	s := storetest.Numbered("Counting Stars", 3, 6, 4)
	s.Rating = fic.RatingExplicit
	s.Warnings = []string{fic.WarningViolence}
	s.Chapters[0].Text = "She said || was a pipe. *And then\n\n" + s.Chapters[0].Text
	rec := storetest.AddText(t, st, testGuild, "501", s)
	in := func(channel string) *discordgo.Interaction {
		i := excerptSlash("502", strOpt("story", rec.ID), intOpt("chapter", 1), strOpt("find", "she said"))
		i.ChannelID = channel
		return i
	}
	if resp := handle(t, r, in(plainChannel)); resp.Data.Flags&discordgo.MessageFlagsEphemeral == 0 || len(resp.Data.Embeds) > 0 {
		t.Errorf("explicit story outside NSFW: %+v; want an ephemeral refusal", resp.Data)
	}
	resp := handle(t, r, in(nsfwChannel))
	if len(resp.Data.Embeds) != 1 || !strings.HasPrefix(resp.Data.Embeds[0].Description, "**Warnings:** ||Graphic Depictions Of Violence||\n\n") {
		t.Fatalf("explicit story in NSFW: %+v", resp.Data)
	}
	if resp.Data.Embeds[0].Color != colorExplicit {
		t.Errorf("colour %x, want explicit's", resp.Data.Embeds[0].Color)
	}
	if _, err := st.SetSettings(context.Background(), testGuild, shelf.Settings{AdultContent: shelf.AdultSpoilered}); err != nil {
		t.Fatal(err)
	}
	resp = handle(t, r, in(plainChannel))
	d := resp.Data.Embeds[0].Description
	if !strings.Contains(d, "||She said \\|\\| was a pipe. \\*And then||") {
		t.Errorf("spoilered passage: %q", d)
	}
	if _, err := st.SetSettings(context.Background(), testGuild, shelf.Settings{AdultContent: shelf.AdultOff}); err != nil {
		t.Fatal(err)
	}
	if resp := handle(t, r, in(nsfwChannel)); !strings.Contains(resp.Data.Content, "turned off") {
		t.Errorf("off in NSFW: %+v", resp.Data)
	}
}

// TestExcerptFitsDiscord posts long passages of markdown soup, plainly and
// spoilered, and checks every answer against Discord's limits.
func TestExcerptFitsDiscord(t *testing.T) {
	st := storetest.Open(t)
	r := excerptRouter(t, st)
	word := "*|_~`\\"
	var b strings.Builder
	for i := 0; i < 3000; i++ {
		b.WriteString(word[i%len(word):] + " ")
	}
	long := strings.Repeat("A", 300)
	s := &fic.Story{Title: strings.Repeat("T", 300), Authors: []string{strings.Repeat("a", 300)}, Rating: fic.RatingMature,
		Warnings: []string{fic.WarningViolence, fic.WarningMajorDeath, fic.WarningNonCon, fic.WarningUnderage},
		Chapters: []fic.Chapter{{Title: long, Text: b.String()}}}
	rec := storetest.AddText(t, st, testGuild, "501", s)
	if _, err := st.SetSettings(context.Background(), testGuild, shelf.Settings{AdultContent: shelf.AdultSpoilered}); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []string{plainChannel, nsfwChannel} {
		for n := 0; n < 20; n++ {
			i := excerptSlash("502", strOpt("story", rec.ID), strOpt("length", "long"))
			i.ChannelID = ch
			resp := handle(t, r, i) // handle checks the answer against Discord's limits
			if len(resp.Data.Embeds) != 1 {
				t.Fatalf("no excerpt: %+v", resp.Data)
			}
		}
	}
}

func TestSettingsHandlers(t *testing.T) {
	st := storetest.Open(t)
	r := excerptRouter(t, st)
	admin := func(sub string, opts ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.InteractionResponse {
		i := slash("503", "settings", sub, opts...)
		i.Member.Permissions = discordgo.PermissionManageGuild
		return handle(t, r, i)
	}
	if resp := handle(t, r, slash("502", "settings", "show")); !strings.Contains(resp.Data.Content, "Manage Server") {
		t.Errorf("plain member: %q", resp.Data.Content)
	}
	if resp := handle(t, r, slash("502", "settings", "adult-content", strOpt("mode", "off"))); !strings.Contains(resp.Data.Content, "Manage Server") {
		t.Errorf("plain member changing: %q", resp.Data.Content)
	}
	if got, _ := st.Settings(context.Background(), testGuild); got.AdultContent != shelf.AdultAgeRestrictedOnly {
		t.Errorf("a plain member changed the settings: %+v", got)
	}
	admin("adult-content", strOpt("mode", "spoilered"))
	admin("timezone", strOpt("zone", "Europe/Paris"))
	if resp := admin("timezone", strOpt("zone", "Mars/Olympus")); !strings.Contains(resp.Data.Content, "don't know the time zone") {
		t.Errorf("bad zone: %q", resp.Data.Content)
	}
	admin("recs-channel", &discordgo.ApplicationCommandInteractionDataOption{Name: "channel", Type: discordgo.ApplicationCommandOptionChannel, Value: plainChannel})
	got, _ := st.Settings(context.Background(), testGuild)
	if got != (shelf.Settings{RecsChannelID: plainChannel, AdultContent: shelf.AdultSpoilered, Timezone: "Europe/Paris"}) {
		t.Errorf("settings = %+v", got)
	}
	show := admin("show").Data.Content
	for _, want := range []string{"<#" + plainChannel + ">", "`spoilered`", "spoiler bars", "Europe/Paris"} {
		if !strings.Contains(show, want) {
			t.Errorf("show lacks %q: %q", want, show)
		}
	}
	admin("recs-channel")
	if got, _ := st.Settings(context.Background(), testGuild); got.RecsChannelID != "" {
		t.Errorf("recs channel not cleared: %+v", got)
	}
	if err := discordtest.CheckCommands(r.Definitions()); err != nil {
		t.Error(err)
	}
	for _, d := range r.Definitions() {
		if d.Name == "settings" && (d.DefaultMemberPermissions == nil || *d.DefaultMemberPermissions != discordgo.PermissionManageGuild) {
			t.Errorf("settings default permissions = %v", d.DefaultMemberPermissions)
		}
	}
}

func TestIndexCacheFollowsTheStoredIndex(t *testing.T) {
	var c indexCache
	text := strings.Repeat("It rained all day. ", 10000)
	idx := passage.Segment(text)
	stored, _ := idx.MarshalBinary()
	if len(stored) < indexCacheMin {
		t.Fatalf("stored index %d bytes: too small for the cache", len(stored))
	}
	ch := shelf.ChapterRecord{Number: 1, Chapter: fic.Chapter{Text: text}, Sentences: stored}
	first := c.index(testGuild, "1", ch)
	if again := c.index(testGuild, "1", ch); &again[0] != &first[0] {
		t.Error("an unchanged index was decoded again")
	}
	// The chapter is re-imported with other text: a new index is decoded.
	text2 := strings.Repeat("It snowed. ", 12000)
	idx2 := passage.Segment(text2)
	stored2, _ := idx2.MarshalBinary()
	got := c.index(testGuild, "1", shelf.ChapterRecord{Number: 1, Chapter: fic.Chapter{Text: text2}, Sentences: stored2})
	if !slices.Equal(got, idx2) {
		t.Error("a changed stored index was served from the cache")
	}
	// An index written by older segmentation rules is segmented again
	// once, then served from the cache, however small.
	small := "It rained. Then it stopped."
	old := []byte{passage.IndexVersion - 1, 10}
	oldCh := shelf.ChapterRecord{Number: 2, Chapter: fic.Chapter{Text: small}, Sentences: old}
	got = c.index(testGuild, "1", oldCh)
	if !slices.Equal(got, passage.Segment(small)) {
		t.Errorf("old index: %v", got)
	}
	if again := c.index(testGuild, "1", oldCh); &again[0] != &got[0] {
		t.Error("an old index was segmented again")
	}
	// Another server's chapter with the same number is its own entry.
	if other := c.index("700000000000000002", "1", ch); !slices.Equal(other, idx) {
		t.Error("wrong index for another server")
	}
}
