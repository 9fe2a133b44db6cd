package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"ficshelf/discordtest"
	"ficshelf/shelf"
)

// myData reads Alice's /mydata export.
type myDataDoc struct {
	Format      string `json:"format"`
	GuildID     string `json:"guild_id"`
	UserID      string `json:"user_id"`
	ReadingList []struct {
		StoryID string `json:"story_id"`
		Status  string `json:"status"`
	} `json:"reading_list"`
	KudosGiven []struct {
		StoryID string `json:"story_id"`
		Title   string `json:"title"`
	} `json:"kudos_given"`
	StoriesAdded []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"stories_added"`
	Other map[string]json.RawMessage `json:"other"`
}

func exportMyData(t *testing.T, e *Env, who *discordgo.Member) myDataDoc {
	t.Helper()
	a := e.Slash(e.General, who, "mydata", discordtest.Sub("export"))
	if !a.Ephemeral() || len(a.Original.Files) != 1 || a.Original.Files[0].Name != "ficshelf-my-data.json" {
		t.Fatalf("/mydata export: ephemeral=%v files=%v", a.Ephemeral(), a.Original.Files)
	}
	var doc myDataDoc
	if err := json.Unmarshal(a.Original.Files[0].Data, &doc); err != nil {
		t.Fatalf("export is not JSON: %v", err)
	}
	return doc
}

func TestMyDataExportAndDelete(t *testing.T) { forEachEngine(t, testMyDataExportAndDelete) }

func testMyDataExportAndDelete(t *testing.T, db Option) {
	var one, two, mine shelf.StoryRecord
	e := Start(t, db, WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		one = seedWork(t, st, e.Guild.ID, e.Mod.User.ID, "First Love", 3, 3, false, 0)
		two = seedWork(t, st, e.Guild.ID, e.Mod.User.ID, "Second Wind", 3, 3, false, 0)
		mine = seedWork(t, st, e.Guild.ID, e.Alice.User.ID, "Alice's Own", 1, 1, true, 0)
	}))
	kudos := func(who *discordgo.Member, r shelf.StoryRecord) {
		t.Helper()
		if a := e.Slash(e.General, who, "kudos", discordtest.Sub("give", discordtest.String("story", r.ID))); a.Ephemeral() {
			t.Fatalf("kudos refused: %q", a.Content())
		}
	}
	kudos(e.Alice, one)
	kudos(e.Alice, two)
	kudos(e.Bob, one)
	e.Slash(e.General, e.Alice, "readinglist", rl("add", discordtest.String("story", one.ID), discordtest.String("status", "reading")))
	e.Slash(e.General, e.Alice, "readinglist", rl("add", discordtest.String("story", two.ID)))
	e.Slash(e.General, e.Bob, "readinglist", rl("add", discordtest.String("story", one.ID)))

	// Club progress: Alice joins a club in Lounge and records a chapter.
	if a := e.Slash(e.Lounge, e.Mod, "club", discordtest.Sub("start", discordtest.String("story", one.ID))); a.Ephemeral() {
		t.Fatalf("/club start: %q", a.Content())
	}
	e.Slash(e.Lounge, e.Alice, "club", discordtest.Sub("join"))
	e.Slash(e.Lounge, e.Alice, "club", discordtest.Sub("progress", discordtest.Int("chapter", 2)))

	doc := exportMyData(t, e, e.Alice)
	if doc.Other["clubs"] == nil {
		t.Errorf("export has no club progress: %+v", doc.Other)
	}
	if doc.Format != "ficshelf-member-data/1" || doc.UserID != e.Alice.User.ID || doc.GuildID != e.Guild.ID {
		t.Errorf("export header %+v", doc)
	}
	if len(doc.ReadingList) != 2 || len(doc.KudosGiven) != 2 || len(doc.StoriesAdded) != 1 || doc.StoriesAdded[0].Title != "Alice's Own" {
		t.Errorf("export = %+v", doc)
	}
	// Another server's export knows nothing of this one.
	other := e.Slash(e.OtherGeneral, e.OtherMember, "mydata", discordtest.Sub("export"))
	if !strings.Contains(string(other.Original.Files[0].Data), `"reading_list": []`) {
		t.Errorf("other server export: %s", other.Original.Files[0].Data)
	}

	// Cancel changes nothing.
	ask := e.Slash(e.General, e.Alice, "mydata", discordtest.Sub("delete"))
	if !ask.Ephemeral() || !strings.Contains(ask.Content(), "2 stories") {
		t.Fatalf("delete prompt: %q", ask.Content())
	}
	yes, no := "md-del:yes:"+e.Alice.User.ID, "md-del:no:"+e.Alice.User.ID
	c := e.Click(e.Alice, ask.Original, no)
	if c.Type != discordgo.InteractionResponseUpdateMessage || !strings.Contains(c.Original.Content, "nothing was deleted") || len(c.Original.Components) != 0 {
		t.Errorf("cancel: type %d %q components %d", c.Type, c.Original.Content, len(c.Original.Components))
	}
	if d := exportMyData(t, e, e.Alice); len(d.ReadingList) != 2 || len(d.KudosGiven) != 2 {
		t.Fatalf("cancel deleted something: %+v", d)
	}
	// Someone else cannot confirm Alice's deletion.
	ask = e.Slash(e.General, e.Alice, "mydata", discordtest.Sub("delete"))
	wantEphemeral(t, "another member confirms", e.Click(e.Bob, ask.Original, yes), "Only the member who asked")
	// Confirm deletes list and kudos, and the counts follow.
	c = e.Click(e.Alice, ask.Original, yes)
	if c.Type != discordgo.InteractionResponseUpdateMessage || !strings.Contains(c.Original.Content, "Done") {
		t.Fatalf("confirm: type %d %q", c.Type, c.Original.Content)
	}
	d := exportMyData(t, e, e.Alice)
	if len(d.ReadingList) != 0 || len(d.KudosGiven) != 0 || len(d.StoriesAdded) != 1 || d.Other["clubs"] != nil {
		t.Errorf("after delete: %+v; want no list, no kudos, the added story kept", d)
	}
	list := e.Slash(e.General, e.Bob, "kudos", discordtest.Sub("list", discordtest.String("story", one.ID))).Original.EmbedText()
	if !strings.Contains(list, "1 kudos") || strings.Contains(list, e.Alice.User.ID) {
		t.Errorf("First Love kudos after Alice's deletion: %q", list)
	}
	top := e.Slash(e.General, e.Bob, "kudos", discordtest.Sub("top")).Original.EmbedText()
	if strings.Contains(top, "Second Wind") {
		t.Errorf("Second Wind still ranked with no kudos left: %q", top)
	}
	// Bob's data is untouched, and Alice can start again.
	if b := exportMyData(t, e, e.Bob); len(b.ReadingList) != 1 || len(b.KudosGiven) != 1 {
		t.Errorf("Bob's data after Alice's deletion: %+v", b)
	}
	kudos(e.Alice, one)
	_ = mine
}

// TestRemovingAStoryRemovesItsKudosAndListEntries removes a story with
// /story remove (confirmed) and checks every view of kudos and lists
// follows, also after a restart.
func TestRemovingAStoryRemovesItsKudosAndListEntries(t *testing.T) {
	forEachEngine(t, testRemovingAStoryRemovesItsKudosAndListEntries)
}

func testRemovingAStoryRemovesItsKudosAndListEntries(t *testing.T, db Option) {
	var gone, kept shelf.StoryRecord
	e := Start(t, db, WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		gone = seedWork(t, st, e.Guild.ID, e.Mod.User.ID, "Going Away", 2, 2, false, 0)
		kept = seedWork(t, st, e.Guild.ID, e.Mod.User.ID, "Staying Put", 2, 2, false, 0)
	}))
	for _, who := range []*discordgo.Member{e.Alice, e.Bob} {
		for _, r := range []shelf.StoryRecord{gone, kept} {
			e.Slash(e.General, who, "kudos", discordtest.Sub("give", discordtest.String("story", r.ID)))
			e.Slash(e.General, who, "readinglist", rl("add", discordtest.String("story", r.ID)))
		}
	}
	card := cardMessage(e, gone.ID, 2)
	e.Click(e.Mod, card, "kudos:"+gone.ID)
	ask := e.Slash(e.General, e.Mod, "story", discordtest.Sub("remove", discordtest.String("story", gone.ID)))
	confirm := ""
	for _, id := range ask.Original.CustomIDs() {
		if strings.HasPrefix(id, "sr-yes:") {
			confirm = id
		}
	}
	if confirm == "" {
		t.Fatalf("/story remove asked no confirmation: %q %q", ask.Content(), ask.Original.CustomIDs())
	}
	e.Click(e.Mod, ask.Original, confirm)
	e.Restart()

	show := e.Slash(e.General, e.Alice, "readinglist", rl("show")).Original.Embeds[0].Description
	if strings.Contains(show, "Going Away") || !strings.Contains(show, "Staying Put") {
		t.Errorf("Alice's list after removal: %q", show)
	}
	top := e.Slash(e.General, e.Bob, "kudos", discordtest.Sub("top")).Original.EmbedText()
	if strings.Contains(top, "Going Away") || !strings.Contains(top, "Staying Put") {
		t.Errorf("/kudos top after removal: %q", top)
	}
	doc := exportMyData(t, e, e.Bob)
	if len(doc.KudosGiven) != 1 || len(doc.ReadingList) != 1 || doc.KudosGiven[0].StoryID != kept.ID {
		t.Errorf("Bob's data after removal: %+v", doc)
	}
	// Buttons on old messages of the removed story answer with a sentence.
	wantEphemeral(t, "kudos on removed", e.Click(e.Alice, card, "kudos:"+gone.ID), "no longer in this server's library")
	wantEphemeral(t, "list add on removed", e.Click(e.Alice, card, "rl-add:"+gone.ID), "no longer in this server's library")
	m := e.Srv.Send(t, e.Srv.MessageCommand(t, e.General.ID, e.Alice.User.ID, "Add to reading list", card.ID)).Wait(t)
	wantEphemeral(t, "message command on removed", m, "no longer in this server's library")
}
