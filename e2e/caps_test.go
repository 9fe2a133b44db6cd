package e2e

import (
	"fmt"
	"strings"
	"testing"

	"ficshelf/discordtest"
	"ficshelf/jobs/jobstest"
	"ficshelf/shelf"
)

// Wherever the bot keeps less than it was given, its answer says so.

// A story given 200 tags keeps 50, and the answer says so; /story list
// finds it by a tag it kept.
func TestStoryAddSaysWhichTagsItKept(t *testing.T) {
	e := Start(t)
	var tags []string
	for i := range 200 {
		tags = append(tags, fmt.Sprintf("Trope %03d", i))
	}
	a := addFile(e, e.General, e.Alice, "ferry.txt", []byte(plainStory), discordtest.String("tags", strings.Join(tags, ", ")))
	wantCard(t, "200 tags", a, "The Ferryman's Daughter")
	if !strings.Contains(a.Content(), "Kept the first 50 of 200 tags.") {
		t.Errorf("answer to 200 tags: %q", a.Content())
	}
	if got := field(a.Original, "Tags"); !strings.Contains(got, "Trope 000") || !strings.Contains(got, "+25 more") {
		t.Errorf("card's tags: %q", got)
	}
	l := e.Slash(e.General, e.Bob, "story", storySub("list", discordtest.String("tag", "Trope 049")))
	if l.Ephemeral() || !strings.Contains(l.Original.Embeds[0].Description, "The Ferryman's Daughter") {
		t.Errorf("list by a kept tag: %q", l.Content())
	}
	wantEphemeral(t, "list by a tag not kept", e.Slash(e.General, e.Bob, "story", storySub("list", discordtest.String("tag", "Trope 150"))), "No stories")

	// A few tags: nothing to say.
	b := addFile(e, e.OtherGeneral, e.OtherMember, "ferry.txt", []byte(plainStory), discordtest.String("tags", "Angst, Fluff"))
	wantCard(t, "two tags", b, "The Ferryman's Daughter")
	if strings.Contains(b.Content(), "Kept") {
		t.Errorf("answer to two tags: %q", b.Content())
	}
}

// A club on a story longer than a club's schedule keeps says which
// chapters it covers, in its start answer and its status.
func TestClubOnAVeryLongStorySaysWhatItKept(t *testing.T) {
	var saga shelf.StoryRecord
	e := Start(t, WithNow(jobstest.NewFakeClock(clubT0).Now), WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		saga = seedWork(t, st, e.Guild.ID, e.Alice.User.ID, "The Endless Saga", 1200, 1200, false, 0)
	}))
	start := e.Slash(e.General, e.Alice, "club", discordtest.Sub("start", discordtest.String("story", saga.ID), discordtest.Int("every", 1)))
	text := start.Original.EmbedText()
	for _, want := range []string{
		"A club keeps at most 1,000 checkpoints, so this schedule covers chapters 1–1,000 of the story's 1,200.",
		"`chapters:2` or more",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("start lacks %q:\n%.1500s", want, text)
		}
	}
	status := e.Slash(e.General, e.Bob, "club", discordtest.Sub("status")).Original.EmbedText()
	if !strings.Contains(status, "covers chapters 1–1,000 of the story's 1,200") {
		t.Errorf("status:\n%s", status)
	}

	// Started again with two chapters per checkpoint, it covers the story.
	e.Slash(e.General, e.Alice, "club", discordtest.Sub("end"))
	again := e.Slash(e.General, e.Alice, "club", discordtest.Sub("start", discordtest.String("story", saga.ID), discordtest.Int("chapters", 2)))
	if text := again.Original.EmbedText(); strings.Contains(text, "at most") || !strings.Contains(text, "Chapters 1–2") {
		t.Errorf("second start:\n%.1500s", text)
	}
}
