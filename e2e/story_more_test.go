package e2e

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/discordtest"
	"ficshelf/fic"
	"ficshelf/shelf"
)

// TestStorySlowLinkIsDeferredThenEdited: an AO3 look-up slower than the
// bot's deferral point is acknowledged at once, then the card is edited in.
func TestStorySlowLinkIsDeferredThenEdited(t *testing.T) {
	ao3 := newFakeArchive(t)
	ao3.set(8080, ao3Page("Slow Apples", "appletree", "General Audiences", "1/1"))
	ao3.setDelay(2500 * time.Millisecond)
	e := Start(t, WithAO3(ao3.URL))
	a := e.Slash(e.General, e.Alice, "story", storySub("add", discordtest.String("link", "https://archiveofourown.org/works/8080")))
	if !a.Deferred() || !a.Edited {
		t.Errorf("slow link: deferred=%v edited=%v", a.Deferred(), a.Edited)
	}
	wantCard(t, "slow link", a, "Slow Apples")

	// A slow refusal still reaches only the member who asked.
	p := e.Srv.Send(t, e.Srv.Slash(t, e.General.ID, e.Alice.User.ID, "story", storySub("add", discordtest.String("link", "https://archiveofourown.org/works/8081"))))
	private := func(a *discordtest.Answer) bool {
		for _, f := range a.Followups {
			if f.Ephemeral() && strings.Contains(f.Content, "AO3 has no work at that link") {
				return true
			}
		}
		return a.Original != nil && a.Original.Ephemeral() && strings.Contains(a.Original.Content, "AO3 has no work at that link")
	}
	a = p.WaitFor(t, private)
	if !a.Deferred() || (a.Original != nil && !a.Original.Deleted && !a.Original.Ephemeral()) {
		t.Errorf("slow refusal: deferred=%v original=%+v", a.Deferred(), a.Original)
	}
}

// TestStoryConcurrentAddsOfOneWork: two members adding the same AO3 work
// at once make one story; the second is pointed to it.
func TestStoryConcurrentAddsOfOneWork(t *testing.T) {
	ao3 := newFakeArchive(t)
	ao3.set(4321, ao3Page("Twin Orchards", "appletree", "General Audiences", "1/1"))
	ao3.setDelay(300 * time.Millisecond)
	e := Start(t, WithAO3(ao3.URL))
	var wg sync.WaitGroup
	answers := make([]*discordtest.Answer, 2)
	for i, who := range []string{e.Alice.User.ID, e.Bob.User.ID} {
		p := e.Srv.Send(t, e.Srv.Slash(t, e.General.ID, who, "story", storySub("add", discordtest.String("link", "https://archiveofourown.org/works/4321"))))
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = p.Wait(t)
		}()
	}
	wg.Wait()
	cards, pointed := 0, 0
	for _, a := range answers {
		switch {
		case !a.Ephemeral() && a.Original != nil && len(a.Original.Embeds) > 0:
			cards++
		case strings.Contains(a.Content(), "already has **Twin Orchards**"):
			pointed++
		}
	}
	if cards != 1 || pointed != 1 {
		t.Errorf("concurrent adds: %d cards, %d pointed to the entry; want 1 and 1", cards, pointed)
	}
	if titles := libraryTitles(t, e, e.General, e.Alice); len(titles) != 1 {
		t.Errorf("library %q", titles)
	}
	if n := ao3.hits.Load(); n != 1 {
		t.Errorf("AO3 asked %d times for one work", n)
	}
}

// TestStoryUpdateExtendsAClub: a club reading a work in progress gets a
// checkpoint for the chapter a re-upload brings.
func TestStoryUpdateExtendsAClub(t *testing.T) {
	e := Start(t)
	id := wantCard(t, "two chapters", addFile(e, e.General, e.Alice, "lamps.html", []byte(lanternHTMLN(9100, "2/?", 2))), "Forty Lamps")
	start := e.Slash(e.General, e.Alice, "club", discordtest.Sub("start", discordtest.String("story", id), discordtest.Int("every", 7)))
	if text := start.Original.EmbedText(); !strings.Contains(text, "**2.**") || strings.Contains(text, "**3.**") {
		t.Fatalf("club schedule before: %q", text)
	}
	a := addFile(e, e.General, e.Alice, "lamps.html", []byte(lanternHTMLN(9100, "3/?", 3)))
	if got := wantCard(t, "three chapters", a, "Forty Lamps"); got != id || !strings.Contains(a.Content(), "3 with text, was 2") {
		t.Errorf("update: story %s content %q", got, a.Content())
	}
	sched := e.Slash(e.General, e.Alice, "club", discordtest.Sub("schedule"))
	if text := sched.Original.EmbedText() + sched.Content(); !strings.Contains(text, "**3.**") {
		t.Errorf("club schedule after the new chapter: %q", text)
	}
}

// TestStoryCardAdultSummaryPlacement: an adult story's card shows its
// title and tags anywhere, its summary only where the server allows.
func TestStoryCardAdultSummaryPlacement(t *testing.T) {
	var id string
	e := Start(t, WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		rec, err := st.AddStory(context.Background(), e.Guild.ID, &fic.Story{Title: "Midnight Canal", Authors: []string{"owl"}, Rating: fic.RatingExplicit,
			Summary: "SECRET-SUMMARY of the night.", Tags: []string{"Night Swimming"}}, nil, e.Alice.User.ID, false, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		id = rec.ID
	}))
	info := func(ch *discordgo.Channel) *discordtest.Message {
		t.Helper()
		a := e.Slash(ch, e.Bob, "story", storySub("info", discordtest.String("story", id)))
		wantCard(t, "info in "+ch.Name, a, "Midnight Canal")
		if !strings.Contains(field(a.Original, "Tags"), "Night Swimming") {
			t.Errorf("%s: tags hidden: %q", ch.Name, field(a.Original, "Tags"))
		}
		return a.Original
	}
	if d := info(e.General).Embeds[0].Description; strings.Contains(d, "SECRET-SUMMARY") {
		t.Errorf("general channel shows an Explicit summary: %q", d)
	}
	if d := info(e.Thread).Embeds[0].Description; strings.Contains(d, "SECRET-SUMMARY") {
		t.Errorf("thread under a general channel shows an Explicit summary: %q", d)
	}
	if d := info(e.NSFWThread).Embeds[0].Description; d != "SECRET-SUMMARY of the night." {
		t.Errorf("thread under an age-restricted channel: %q", d)
	}

	// The server chose "spoilered": behind spoiler bars anywhere.
	st := openStore(t, e)
	if _, err := st.SetSettings(context.Background(), e.Guild.ID, shelf.Settings{AdultContent: shelf.AdultSpoilered}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	e.Begin()
	if d := info(e.General).Embeds[0].Description; d != "||SECRET-SUMMARY of the night.||" {
		t.Errorf("spoilered setting: %q", d)
	}
}
