package e2e

import (
	"strings"
	"sync"
	"testing"
	"time"

	"ficshelf/discordtest"
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
