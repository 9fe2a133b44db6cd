package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"ficshelf/discordtest"
	"ficshelf/fic"
	"ficshelf/fic/passage"
	"ficshelf/shelf"
	"ficshelf/storetest"
)

// exStory adds s to the main server as an import would (indexed chapters).
func exStory(t *testing.T, st shelf.Store, e *Env, s *fic.Story) shelf.StoryRecord {
	t.Helper()
	return storetest.AddText(t, st, e.Guild.ID, e.Alice.User.ID, s)
}

// lakeHouse is a three-chapter General story with dialogue, curly quotes,
// abbreviations, accents and would-be pings in its text.
func lakeHouse() *fic.Story {
	s := &fic.Story{Title: "The Lake House", Authors: []string{"quill", "ink"}, Rating: fic.RatingGeneral,
		Warnings: []string{fic.WarningNoneApply}, ChaptersExpected: 3}
	openings := []string{
		"Mr. Hale opened the shutters at dawn. “Is it raining?” Zoë asked from the stairs. It wasn’t. The lake lay flat and grey under the mist, and somewhere a loon called twice.",
		"Dr. Okafor arrived by the noon ferry. She carried one bag and a paper map of St. Ives that was no use at all here. “You must be the tenant,” she said. He said he was.",
		"The storm came on the last night. Someone wrote @everyone on the kitchen board and <@123> underneath it, as a joke. Nobody laughed. By morning the jetty was gone.",
	}
	for c, open := range openings {
		paras := []string{open}
		for p := 0; p < 7; p++ {
			paras = append(paras, fmt.Sprintf("Day %d of chapter %d went by slowly. They fished, they read, they argued about the boat. “Again?” Zoë said, laughing. The café in the village closed at six, so they ate early. The light went gold and then blue over the water.", p+1, c+1))
		}
		s.Chapters = append(s.Chapters, fic.Chapter{Title: []string{"Mist", "The Ferry", "Storm"}[c], Text: strings.Join(paras, "\n\n")})
	}
	return s
}

// sentencesOf lists every sentence of s, chapter by chapter, with white
// space runs made single spaces.
func sentencesOf(s *fic.Story) [][]string {
	var out [][]string
	for _, ch := range s.Chapters {
		idx := passage.Segment(ch.Text)
		var sents []string
		for i := 0; i < idx.Len(); i++ {
			a, b := idx.Span(ch.Text, i)
			sents = append(sents, strings.Join(strings.Fields(ch.Text[a:b]), " "))
		}
		out = append(out, sents)
	}
	return out
}

// publicExcerpt checks a public excerpt answer and returns its embed.
func publicExcerpt(t *testing.T, what string, a *discordtest.Answer) *discordgo.MessageEmbed {
	t.Helper()
	if a.Original == nil || a.Ephemeral() || len(a.Original.Embeds) != 1 {
		t.Fatalf("%s: want a public excerpt; got ephemeral=%v content %q", what, a.Ephemeral(), a.Content())
	}
	if am := a.Original.AllowedMentions; am == nil || len(am.Parse) != 0 || len(am.Users) != 0 || len(am.Roles) != 0 {
		t.Errorf("%s: allowed_mentions = %+v; want nobody pinged", what, am)
	}
	if a.Type != discordgo.InteractionResponseChannelMessageWithSource {
		t.Errorf("%s: callback type %d; want a new message (4)", what, a.Type)
	}
	return a.Original.Embeds[0]
}

// nextPassageID is the Next passage button's custom ID on m.
func nextPassageID(t *testing.T, m *discordtest.Message) string {
	t.Helper()
	for _, id := range m.CustomIDs() {
		if strings.HasPrefix(id, "ex1:") {
			return id
		}
	}
	t.Fatalf("no Next passage button among %q", m.CustomIDs())
	return ""
}

// posted counts the public messages in a channel.
func posted(e *Env, ch *discordgo.Channel) int {
	n := 0
	for _, m := range e.Srv.Messages(ch.ID) {
		if !m.Ephemeral() && !m.Deleted {
			n++
		}
	}
	return n
}

func TestExcerptRandomAndByChapter(t *testing.T) {
	var rec shelf.StoryRecord
	s := lakeHouse()
	e := Start(t, WithSeed(func(t *testing.T, st shelf.Store, e *Env) { rec = exStory(t, st, e, s) }))
	all := strings.Join(strings.Fields(s.Chapters[0].Text+" "+s.Chapters[1].Text+" "+s.Chapters[2].Text), " ")
	for n := 0; n < 8; n++ {
		a := e.Slash(e.General, e.Bob, "excerpt", discordtest.String("story", rec.ID))
		em := publicExcerpt(t, "random", a)
		if text := strings.Join(strings.Fields(em.Description), " "); !strings.Contains(all, text) {
			t.Errorf("random passage %q is not a run of the story's text", em.Description)
		}
		if !strings.HasPrefix(em.Title, "The Lake House — Chapter ") || em.Author == nil || em.Author.Name != "by quill, ink" || em.Color != 0x77a51c {
			t.Errorf("random excerpt embed: title %q author %+v colour %x", em.Title, em.Author, em.Color)
		}
		if !strings.Contains(em.Footer.Text, " of 3 · ") || !strings.Contains(em.Footer.Text, "sentence") {
			t.Errorf("footer %q", em.Footer.Text)
		}
		if strings.Contains(em.Description, "Warnings") {
			t.Errorf("No Archive Warnings Apply shown as a warning: %q", em.Description)
		}
		wantIDs := []string{"kudos:" + rec.ID, "rl-add:" + rec.ID}
		for _, id := range wantIDs {
			if a.Original.Component(id) == nil {
				t.Errorf("excerpt lacks button %s (has %q)", id, a.Original.CustomIDs())
			}
		}
	}
	for _, ch := range []int64{1, 2, 3} {
		for _, length := range []string{"short", "long"} {
			em := publicExcerpt(t, "by chapter", e.Slash(e.General, e.Bob, "excerpt", discordtest.String("story", rec.ID), discordtest.Int("chapter", ch), discordtest.String("length", length)))
			chText := strings.Join(strings.Fields(s.Chapters[ch-1].Text), " ")
			if !strings.Contains(chText, strings.Join(strings.Fields(em.Description), " ")) {
				t.Errorf("chapter %d passage %q is not from chapter %d", ch, em.Description, ch)
			}
			if !strings.HasPrefix(em.Footer.Text, fmt.Sprintf("Chapter %d of 3", ch)) || !strings.Contains(em.Title, fmt.Sprintf("Chapter %d: ", ch)) {
				t.Errorf("chapter %d: title %q footer %q", ch, em.Title, em.Footer.Text)
			}
			if n := len([]rune(em.Description)); length == "short" && n > 360 || length == "long" && n < 800 {
				t.Errorf("%s passage has %d characters", length, n)
			}
		}
	}
	// Kudos and Add to reading list work from an excerpt; Kudos relabels
	// its button and leaves the passage as it was.
	a := e.Slash(e.General, e.Bob, "excerpt", discordtest.String("story", rec.ID), discordtest.Int("chapter", 2))
	em := publicExcerpt(t, "for buttons", a)
	k := e.Click(e.Bob, a.Original, "kudos:"+rec.ID)
	if k.Original == nil || button(t, k.Original, "kudos:"+rec.ID).Label != "Kudos (1)" || k.Original.Embeds[0].Description != em.Description {
		t.Errorf("kudos on an excerpt: %+v", k.Original)
	}
	if k.Original.Component(nextPassageID(t, a.Original)) == nil {
		t.Error("kudos dropped the Next passage button")
	}
	wantEphemeral(t, "add to reading list", e.Click(e.Bob, a.Original, "rl-add:"+rec.ID), "reading list")
	wantEphemeral(t, "chapter out of range", e.Slash(e.General, e.Bob, "excerpt", discordtest.String("story", rec.ID), discordtest.Int("chapter", 4)), "has 3 chapters")
	wantEphemeral(t, "by typed title", e.Slash(e.General, e.Bob, "excerpt", discordtest.String("story", "No Such Story")), "no story called")
}

func TestExcerptFind(t *testing.T) {
	var rec, link shelf.StoryRecord
	s := lakeHouse()
	e := Start(t, WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		rec = exStory(t, st, e, s)
		link = seedWork(t, st, e.Guild.ID, e.Alice.User.ID, "Known By Link", 2, 2, false, 77)
	}))
	find := func(phrase string, opts ...discordtest.Opt) *discordtest.Answer {
		return e.Slash(e.General, e.Bob, "excerpt", append([]discordtest.Opt{discordtest.String("story", rec.ID), discordtest.String("find", phrase)}, opts...)...)
	}
	for _, tc := range []struct{ phrase, want, chapter string }{
		{`"is it raining?" ZOE asked`, "“Is it raining?” Zoë asked", "Chapter 1: Mist"},
		{"you must be the TENANT", "“You must be the tenant,”", "Chapter 2: The Ferry"},
		{"it wasn't", "It wasn’t.", "Chapter 1: Mist"},
		{"the   jetty\nwas gone", "By morning the jetty was gone.", "Chapter 3: Storm"},
		{"st. ives", "St. Ives", "Chapter 2: The Ferry"},
	} {
		em := publicExcerpt(t, "find "+tc.phrase, find(tc.phrase))
		if !strings.Contains(em.Description, tc.want) || !strings.Contains(em.Title, tc.chapter) {
			t.Errorf("find %q: title %q passage %q; want %q in %s", tc.phrase, em.Title, em.Description, tc.want, tc.chapter)
		}
	}
	// The first match in chapter order, or in the chapter asked for.
	if em := publicExcerpt(t, "first match", find("café in the village")); !strings.Contains(em.Title, "Chapter 1") || !strings.HasPrefix(em.Description, "The café in the village") || !strings.Contains(em.Description, "Day 2 of chapter 1") {
		t.Errorf("first match: %q %q", em.Title, em.Description)
	}
	if em := publicExcerpt(t, "match in chapter", find("CAFE IN THE VILLAGE", discordtest.Int("chapter", 3))); !strings.Contains(em.Title, "Chapter 3") {
		t.Errorf("match in chapter 3: %q", em.Title)
	}
	before := posted(e, e.General)
	wantEphemeral(t, "no match", find("dragons"), "I couldn't find “dragons” in **The Lake House**")
	wantEphemeral(t, "no match in chapter", find("ferry", discordtest.Int("chapter", 3)), "in chapter 3 of **The Lake House**")
	wantEphemeral(t, "link only", e.Slash(e.General, e.Bob, "excerpt", discordtest.String("story", link.ID)), "excerpts need an uploaded file")
	if after := posted(e, e.General); after != before {
		t.Errorf("refusals posted %d public messages", after-before)
	}
}

func TestExcerptNextReadsTheStoryThrough(t *testing.T) {
	var rec shelf.StoryRecord
	s := lakeHouse()
	e := Start(t, WithSeed(func(t *testing.T, st shelf.Store, e *Env) { rec = exStory(t, st, e, s) }))
	want := sentencesOf(s)

	// Start at the very beginning: the passage around the first words.
	a := e.Slash(e.General, e.Bob, "excerpt", discordtest.String("story", rec.ID), discordtest.String("find", "Mr. Hale opened"), discordtest.String("length", "short"))
	ch, k := 0, 0 // next sentence expected: chapter ch, sentence k
	starts, pings := 0, 0
	for step := 0; ; step++ {
		if step > 300 {
			t.Fatal("the chain never ends")
		}
		if a.Ephemeral() {
			if !strings.Contains(a.Content(), "That's the end of **The Lake House**") {
				t.Fatalf("chain stopped early: %q", a.Content())
			}
			break
		}
		em := publicExcerpt(t, fmt.Sprintf("passage %d", step), a)
		if strings.Contains(em.Title, "continues in Chapter") {
			starts++
		}
		text := strings.Join(strings.Fields(em.Description), " ")
		if strings.Contains(text, "@everyone") && strings.Contains(text, "<@123>") {
			pings++ // publicExcerpt checked that allowed_mentions pings nobody
		}
		if k == len(want[ch]) {
			ch, k = ch+1, 0
			if !strings.Contains(em.Title, fmt.Sprintf("continues in Chapter %d", ch+1)) {
				t.Errorf("passage %d crosses into chapter %d but its title is %q", step, ch+1, em.Title)
			}
		}
		if !strings.HasPrefix(em.Footer.Text, fmt.Sprintf("Chapter %d of 3", ch+1)) {
			t.Errorf("passage %d footer %q; want chapter %d", step, em.Footer.Text, ch+1)
		}
		// The passage is exactly the next whole sentences.
		rest := text
		for rest != "" {
			if k >= len(want[ch]) || !strings.HasPrefix(rest, want[ch][k]) {
				t.Fatalf("passage %d %q does not continue with chapter %d sentence %d %q", step, rest, ch+1, k+1, want[ch][min(k, len(want[ch])-1)])
			}
			rest = strings.TrimPrefix(strings.TrimPrefix(rest, want[ch][k]), " ")
			k++
		}
		a = e.Click(e.Bob, a.Original, nextPassageID(t, a.Original))
	}
	if ch != 2 || k != len(want[2]) {
		t.Errorf("the chain ended at chapter %d sentence %d; want the end of chapter 3", ch+1, k)
	}
	if pings != 1 {
		t.Errorf("%d passages held the would-be pings; want 1", pings)
	}
	if starts != 2 {
		t.Errorf("%d passages said a new chapter begins; want 2", starts)
	}
	// The last passage's button still answers after a restart: the end.
	last := e.Srv.Messages(e.General.ID)
	var lastExcerpt *discordtest.Message
	for _, m := range last {
		if !m.Ephemeral() && len(m.Embeds) == 1 {
			lastExcerpt = m
		}
	}
	e.Restart()
	wantEphemeral(t, "end after restart", e.Click(e.Bob, lastExcerpt, nextPassageID(t, lastExcerpt)), "That's the end of")
}

func TestExcerptAdultContent(t *testing.T) {
	var explicit, notRated shelf.StoryRecord
	e := Start(t, WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		s := lakeHouse()
		s.Title, s.Rating = "After Hours", fic.RatingExplicit
		s.Warnings = []string{fic.WarningViolence, fic.WarningMajorDeath}
		explicit = exStory(t, st, e, s)
		notRated = SeedStory(t, st, e.Guild.ID, e.Alice.User.ID, "plain.txt", "Plain Tale\nby someone\n\nIt was a quiet night. Nothing happened at all. Then the phone rang.\n", false)
	}))
	if notRated.Story.Rating != fic.RatingNotRated {
		t.Fatalf("plain text imported as %q", notRated.Story.Rating)
	}
	setMode := func(mode string) {
		t.Helper()
		a := e.Slash(e.General, e.Admin, "settings", discordtest.Sub("adult-content", discordtest.String("mode", mode)))
		wantEphemeral(t, "set "+mode, a, "Done")
	}
	type outcome int
	const (
		plain outcome = iota
		spoilered
		refused
	)
	channels := []*discordgo.Channel{e.General, e.Thread, e.NSFW, e.NSFWThread}
	for _, tc := range []struct {
		mode string
		want []outcome // per channel above
	}{
		{"age-restricted-only", []outcome{refused, refused, plain, plain}},
		{"spoilered", []outcome{spoilered, spoilered, plain, plain}},
		{"off", []outcome{refused, refused, refused, refused}},
	} {
		setMode(tc.mode)
		for i, ch := range channels {
			for _, rec := range []shelf.StoryRecord{explicit, notRated} {
				what := fmt.Sprintf("%s, %s in #%s", tc.mode, rec.Story.Title, ch.Name)
				before := posted(e, ch)
				a := e.Slash(ch, e.Bob, "excerpt", discordtest.String("story", rec.ID))
				switch tc.want[i] {
				case refused:
					wantEphemeral(t, what, a, "rated "+string(rec.Story.Rating))
					if tc.mode == "off" && !strings.Contains(a.Content(), "turned off") {
						t.Errorf("%s: %q does not say the server turned them off", what, a.Content())
					}
					if n := posted(e, ch) - before; n != 0 {
						t.Errorf("%s: %d public messages posted after a refusal", what, n)
					}
				case plain, spoilered:
					em := publicExcerpt(t, what, a)
					hidden := strings.Contains(em.Description, "hidden behind spoiler bars")
					if hidden != (tc.want[i] == spoilered) {
						t.Errorf("%s: spoilered=%v, want %v: %q", what, hidden, tc.want[i] == spoilered, em.Description)
					}
					if tc.want[i] == spoilered {
						for _, para := range strings.Split(em.Description, "\n\n")[1:] {
							if rec.ID == explicit.ID && para == strings.Split(em.Description, "\n\n")[1] {
								continue // the note line
							}
							if !strings.HasPrefix(para, "||") || !strings.HasSuffix(para, "||") {
								t.Errorf("%s: paragraph not behind spoiler bars: %q", what, para)
							}
						}
					}
					if rec.ID == explicit.ID && !strings.HasPrefix(em.Description, "**Warnings:** ||Graphic Depictions Of Violence||, ||Major Character Death||\n\n") {
						t.Errorf("%s: warnings not shown first as spoilers: %q", what, em.Description)
					}
				}
			}
		}
	}

	// Next passage keeps the rules: a passage posted in the NSFW channel,
	// then the server turns adult excerpts off.
	setMode("age-restricted-only")
	a := e.Slash(e.NSFW, e.Bob, "excerpt", discordtest.String("story", explicit.ID), discordtest.Int("chapter", 1))
	publicExcerpt(t, "NSFW excerpt", a)
	next := nextPassageID(t, a.Original)
	publicExcerpt(t, "NSFW next", e.Click(e.Bob, a.Original, next))
	setMode("off")
	before := posted(e, e.NSFW)
	wantEphemeral(t, "next when off", e.Click(e.Bob, a.Original, next), "turned off")
	if posted(e, e.NSFW) != before {
		t.Error("Next passage posted while adult excerpts are off")
	}
}

func TestExcerptFromCardAndRemovedStory(t *testing.T) {
	var rec, adult shelf.StoryRecord
	e := Start(t, WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		rec = exStory(t, st, e, lakeHouse())
		s := lakeHouse()
		s.Title, s.Rating = "Grown-Up Lake", fic.RatingMature
		adult = exStory(t, st, e, s)
	}))
	card := e.Slash(e.General, e.Bob, "story", discordtest.Sub("info", discordtest.String("story", rec.ID)))
	em := publicExcerpt(t, "card's Excerpt", e.Click(e.Bob, card.Original, "ex-card:"+rec.ID))
	if !strings.HasPrefix(em.Title, "The Lake House") {
		t.Errorf("card excerpt title %q", em.Title)
	}
	adultCard := e.Slash(e.General, e.Bob, "story", discordtest.Sub("info", discordtest.String("story", adult.ID)))
	if adultCard.Original.Component("ex-card:"+adult.ID) != nil {
		before := posted(e, e.General)
		wantEphemeral(t, "adult card's Excerpt", e.Click(e.Bob, adultCard.Original, "ex-card:"+adult.ID), "age-restricted")
		if posted(e, e.General) != before {
			t.Error("an adult excerpt was posted in a plain channel from a card")
		}
	}
	// A Next passage button whose story was removed since.
	a := e.Slash(e.General, e.Bob, "excerpt", discordtest.String("story", rec.ID))
	publicExcerpt(t, "before removal", a)
	del := e.Slash(e.General, e.Alice, "story", discordtest.Sub("remove", discordtest.String("story", rec.ID)))
	for _, id := range del.Original.CustomIDs() {
		if strings.HasPrefix(id, "sr-yes") {
			e.Click(e.Alice, del.Original, id)
		}
	}
	got := e.Click(e.Bob, a.Original, nextPassageID(t, a.Original))
	wantEphemeral(t, "removed story", got, "no longer in this server's library")
}
