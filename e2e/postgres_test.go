package e2e

import (
	"context"
	"strings"
	"testing"

	"ficshelf/discordtest"
	"ficshelf/store"
	"ficshelf/store/postgres/pgtest"
)

// TestPostgresAcceptancePath is the acceptance path of the ordinary
// one-process bot with FICSHELF_DB set to a PostgreSQL URL: it connects and
// registers, answers a slash command, adds a story from a file, posts an
// excerpt of it, takes kudos on the excerpt's button and by command, and
// keeps all of it across a restart, as it does on a BoltDB file.
func TestPostgresAcceptancePath(t *testing.T) {
	db := pgtest.URL(t)
	e := Start(t, withPostgres(db))
	if !strings.Contains(e.Logs(), "engine=postgres") {
		t.Fatalf("the bot did not start on PostgreSQL:\n%s", e.Logs())
	}

	help := e.Slash(e.General, e.Alice, "help")
	if !help.Ephemeral() || !strings.Contains(help.Original.EmbedText(), "/help") {
		t.Errorf("/help: ephemeral=%v %q", help.Ephemeral(), help.Original.EmbedText())
	}

	id := wantCard(t, "add", addFile(e, e.General, e.Alice, "ferry.txt", []byte(plainStory)), "The Ferryman's Daughter")
	if got := e.Autocomplete(e.General, e.Bob, "story", storySub("info", discordtest.Focused(discordtest.String("story", "ferry")))); len(got) != 1 || got[0].Value != id {
		t.Errorf("autocomplete from PostgreSQL: %v", got)
	}

	// Not Rated: refused outside an age-restricted channel, posted in one.
	wantEphemeral(t, "excerpt in general", e.Slash(e.General, e.Bob, "excerpt", discordtest.String("story", id)), "age-restricted")
	ex := e.Slash(e.NSFW, e.Bob, "excerpt", discordtest.String("story", id), discordtest.Int("chapter", 1))
	if ex.Ephemeral() || ex.Original == nil || len(ex.Original.Embeds) == 0 || ex.Original.Embeds[0].Description == "" {
		t.Fatalf("/excerpt: ephemeral=%v %q", ex.Ephemeral(), ex.Content())
	}
	kid := "kudos:" + id
	a := e.Click(e.Bob, ex.Original, kid)
	if got := button(t, a.Original, kid).Label; got != "Kudos (1)" {
		t.Errorf("kudos on the excerpt: label %q", got)
	}
	if a := e.Slash(e.General, e.Mod, "kudos", discordtest.Sub("give", discordtest.String("story", id))); a.Ephemeral() || !strings.Contains(a.Content(), "2 kudos") {
		t.Errorf("/kudos give: %q", a.Content())
	}
	wantEphemeral(t, "second kudos", e.Slash(e.General, e.Bob, "kudos", discordtest.Sub("give", discordtest.String("story", id))), "already left kudos")

	// A restart on the same database serves the same library and counts.
	e.Restart()
	if titles := libraryTitles(t, e, e.General, e.Alice); len(titles) != 1 || titles[0] != "The Ferryman's Daughter" {
		t.Errorf("library after restart: %q", titles)
	}
	list := e.Slash(e.General, e.Alice, "kudos", discordtest.Sub("list", discordtest.String("story", id))).Original.EmbedText()
	if !strings.Contains(list, "2 kudos") || !strings.Contains(list, "<@"+e.Bob.User.ID+">") || !strings.Contains(list, "<@"+e.Mod.User.ID+">") {
		t.Errorf("/kudos list after restart: %q", list)
	}

	// What the bot stored is in PostgreSQL (read back through the store).
	st := openStore(t, e)
	if got, err := st.Story(context.Background(), e.Guild.ID, id); err != nil || got.Kudos != 2 {
		t.Errorf("story in PostgreSQL: kudos %d, %v", got.Kudos, err)
	}
	if !store.IsPostgres(e.Cfg.DBPath) {
		t.Errorf("FICSHELF_DB is %q, not a PostgreSQL URL", e.Cfg.DBPath)
	}
}
