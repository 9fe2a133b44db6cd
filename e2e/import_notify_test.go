package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/discordtest"
	"ficshelf/store/postgres/pgtest"
)

// Two processes on one PostgreSQL database, the poll for jobs set to two
// minutes: a reading-list import confirmed through the process that does
// not hold the imports lease is run by the holder at once, woken by the
// database's notice (LISTEN/NOTIFY), not at its next poll.
func TestMultiProcessConfirmedImportStartsAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it as two processes")
	}
	w := twoPolling(t, "jobs/imports", "Shard 1 Shelves", "reader")
	srv, holder, other, general, m, poll, db, g := w.srv, w.holder, w.other, w.general, w.member, w.poll, w.db, w.guild
	const ao3 = 4242
	seedWork(t, pgtest.OpenURL(t, db), g.ID, m.User.ID, "Woken Shelf", 3, 3, false, ao3)
	list := fmt.Sprintf(`{"format":"ficshelf-reading-list/1","entries":[{"title":"Woken Shelf","ao3_id":%d,"status":"reading","chapter":2}]}`, ao3)
	att := srv.AddAttachment("reading-list.json", "application/json", []byte(list))
	preview := srv.Send(t, srv.Slash(t, general.ID, m.User.ID, "readinglist", rl("import", discordtest.Attach("file", att)))).Wait(t)
	if preview.Original == nil || len(preview.Original.Embeds) != 1 || len(preview.Original.CustomIDs()) != 2 {
		t.Fatalf("preview: %s", describeAnswer(preview))
	}
	confirmed := time.Now()
	click := srv.Click(t, m.User.ID, preview.Original, preview.Original.CustomIDs()[0])
	if a := click.WaitCallback(t); a.Type != discordgo.InteractionResponseUpdateMessage {
		t.Fatalf("Import answered %d", a.Type)
	}
	// Finished well inside the poll: 30 s leaves room for a slow machine,
	// and a holder waiting for its poll would take 2 minutes.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	finished := func(a *discordtest.Answer) bool {
		return a.Original != nil && len(a.Original.Embeds) == 1 && a.Original.Embeds[0].Title == "Import finished"
	}
	if _, err := click.WaitCtx(ctx, finished); err != nil {
		t.Fatalf("%v after %v; answer %s\nholder:\n%s\nother:\n%s", err, time.Since(confirmed).Round(time.Millisecond),
			describeAnswer(click.Answer()), holder.Log.Tail(3<<10), other.Log.Tail(2<<10))
	}
	t.Logf("confirmed through the other process, run by the holder %v later (poll %v)", time.Since(confirmed).Round(time.Millisecond), poll)
	if strings.Contains(other.Log.String(), "lease=jobs/imports ") {
		t.Errorf("the other process took the imports lease: the test did not test a wake across processes")
	}
}

// describeAnswer is an answer's original message as a failure shows it.
func describeAnswer(a *discordtest.Answer) string {
	if a == nil || a.Original == nil {
		return "no message"
	}
	var b strings.Builder
	b.WriteString(a.Original.Content)
	for _, e := range a.Original.Embeds {
		fmt.Fprintf(&b, "\n[%s] %s", e.Title, e.Description)
	}
	return b.String()
}
