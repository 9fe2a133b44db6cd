package commands

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/discordtest/fakes"
	"ficshelf/fic"
	"ficshelf/fic/ao3test"
	"ficshelf/jobs"
	"ficshelf/shelf"
	"ficshelf/storetest"
)

// importDiscord is fakes.Discord with a file to download, and the job
// extras (JobDiscord): edits of answers by token, and DMs.
type importDiscord struct {
	fakes.Discord
	file      []byte
	mu        sync.Mutex
	edits     []*discordgo.WebhookEdit
	editErr   error
	dms       []*discordgo.MessageSend
	dmsClosed bool
}

func (d *importDiscord) FetchAttachment(context.Context, string, int64) ([]byte, error) {
	return d.file, nil
}

func (d *importDiscord) EditInteractionResponse(_ context.Context, appID, token string, e *discordgo.WebhookEdit) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.editErr != nil {
		return d.editErr
	}
	d.edits = append(d.edits, e)
	return nil
}

func (d *importDiscord) DirectMessage(_ context.Context, user string, m *discordgo.MessageSend) (*discordgo.Message, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dmsClosed {
		return nil, &discordgo.RESTError{Response: &http.Response{StatusCode: 403}, Message: &discordgo.APIErrorMessage{Code: 50007}}
	}
	d.dms = append(d.dms, m)
	return &discordgo.Message{ID: "1"}, nil
}

func (d *importDiscord) lastEdit() *discordgo.WebhookEdit {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.edits) == 0 {
		return nil
	}
	return d.edits[len(d.edits)-1]
}

// importSlash is /readinglist import with an attached file.
func importSlash(user string) *discordgo.Interaction {
	i := slash(user, "readinglist", "import", &discordgo.ApplicationCommandInteractionDataOption{Name: "file", Type: discordgo.ApplicationCommandOptionAttachment, Value: "55"})
	data := i.Data.(discordgo.ApplicationCommandInteractionData)
	data.Resolved = &discordgo.ApplicationCommandInteractionDataResolved{Attachments: map[string]*discordgo.MessageAttachment{
		"55": {ID: "55", URL: "https://cdn.discordapp.com/attachments/1/2/list.json", Filename: "list.json", Size: 100},
	}}
	i.Data = data
	return i
}

func exportFile(t *testing.T, entries ...map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"format": "ficshelf-reading-list/1", "entries": entries})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const importUser = "510000000000000001"

// runImports runs the runner until every import job is done and told.
func runImports(t *testing.T, st shelf.Store, run *jobs.JobRunner) {
	t.Helper()
	runJobs(t, run, st.RunningImportJobs, "imports", 10*time.Second)
}

// runJobs runs the runner, waking it every 20 ms, until running lists no
// job left; what names the jobs when they do not finish within.
func runJobs(t *testing.T, run *jobs.JobRunner, running func(context.Context) ([]shelf.ImportRef, error), what string, within time.Duration) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); run.Run(ctx) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		refs, err := running(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(refs) == 0 {
			return
		}
		run.Wake()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s did not finish", what)
}

func TestImportPreviewJobAndIdempotence(t *testing.T) {
	st := storetest.Open(t)
	a := storetest.AddAt(t, st, testGuild, "7", false, time.Time{}, storetest.Work("Alpha", 3, 3, 111))
	b := storetest.AddAt(t, st, testGuild, "7", false, time.Time{}, storetest.Work("Beta", 2, 2, 0))
	if _, err := st.SetListEntry(context.Background(), testGuild, importUser, shelf.ListEntry{StoryID: b.ID, Status: shelf.StatusToRead}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	d := &importDiscord{file: exportFile(t,
		map[string]any{"title": "Alpha", "ao3_id": 111, "status": "reading", "chapter": 1, "note": "so far so good"},
		map[string]any{"title": "Beta", "authors": []string{"quill"}, "status": "finished", "chapter": 9},
		map[string]any{"title": "Gone Elsewhere", "authors": []string{"nobody"}, "status": "to-read"},
	)}
	deps := Deps{Store: st, Discord: d}
	woken := 0
	deps.ImportsChanged = func() { woken++ }
	r := New(deps)
	resp := handle(t, r, importSlash(importUser))
	if resp.Data.Flags&discordgo.MessageFlagsEphemeral == 0 || len(resp.Data.Embeds) != 1 {
		t.Fatalf("preview: %+v", resp.Data)
	}
	desc := resp.Data.Embeds[0].Description
	for _, want := range []string{"a Ficshelf reading-list export: 3 works", "**To add** (1): *Alpha*", "**To update** (1): *Beta*", "**To skip** (1)", "*Gone Elsewhere*"} {
		if !strings.Contains(desc, want) {
			t.Errorf("preview lacks %q:\n%s", want, desc)
		}
	}
	ids := (&discordtestMessage{resp.Data.Components}).customIDs()
	if len(ids) != 2 || !strings.HasPrefix(ids[0], routeImportGo+":") || !strings.HasPrefix(ids[1], routeImportCancel+":") {
		t.Fatalf("buttons %v", ids)
	}
	// Nothing changes before Import.
	if e, _ := st.ListEntry(context.Background(), testGuild, importUser, b.ID); e.Status != shelf.StatusToRead {
		t.Fatalf("entry changed by the preview: %+v", e)
	}
	// Someone else's click does nothing.
	other := click("520000000000000002", "800000000000000001", ids[0])
	if got := handle(t, r, other); !strings.Contains(got.Data.Content, "isn't yours") {
		t.Errorf("another member's click: %q", got.Data.Content)
	}
	go1 := click(importUser, "800000000000000001", ids[0])
	go1.Token = "tok-1"
	started := handle(t, r, go1)
	if started.Type != discordgo.InteractionResponseUpdateMessage || len(started.Data.Components) != 0 || woken != 1 {
		t.Fatalf("Import answer %+v (woken %d)", started, woken)
	}
	if got := handle(t, r, go1); !strings.Contains(got.Data.Content, "already started") {
		t.Errorf("second click: %q", got.Data.Content)
	}
	run := newImportRunner(deps, time.Millisecond)
	runImports(t, st, run)
	ea, err := st.ListEntry(context.Background(), testGuild, importUser, a.ID)
	if err != nil || ea.Status != shelf.StatusReading || ea.Chapter != 1 || ea.Note != "so far so good" {
		t.Fatalf("Alpha entry %+v %v", ea, err)
	}
	eb, err := st.ListEntry(context.Background(), testGuild, importUser, b.ID)
	if err != nil || eb.Status != shelf.StatusFinished || eb.Chapter != 2 {
		t.Fatalf("Beta entry (chapter clamped to the story's 2) %+v %v", eb, err)
	}
	last := d.lastEdit()
	if last == nil || len(*last.Embeds) != 1 || (*last.Embeds)[0].Title != "Import finished" {
		t.Fatalf("last edit %+v", last)
	}
	final := (*last.Embeds)[0].Description
	for _, want := range []string{"▰▰▰▰▰▰▰▰▰▰ 2/2", "Added 1 · updated 1 · already there 0"[:len("Added 1 · updated 1")], "not imported 1", "Gone Elsewhere (not in this server's library)"} {
		if !strings.Contains(final, want) {
			t.Errorf("final answer lacks %q:\n%s", want, final)
		}
	}
	if len(d.dms) != 0 {
		t.Errorf("DMs while the answer could be edited: %d", len(d.dms))
	}
	// The same file again: nothing to import, and the list is the same.
	before, _ := st.MemberList(context.Background(), testGuild, importUser)
	again := handle(t, r, importSlash(importUser))
	if again.Data.Embeds[0].Title != "Nothing to import" || len(again.Data.Components) != 0 {
		t.Fatalf("second import: %+v", again.Data.Embeds[0])
	}
	after, _ := st.MemberList(context.Background(), testGuild, importUser)
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Fatalf("list changed:\n%v\n%v", before, after)
	}
}

// discordtestMessage reads custom IDs of components.
type discordtestMessage struct{ comps []discordgo.MessageComponent }

func (m *discordtestMessage) customIDs() []string {
	var out []string
	for _, c := range m.comps {
		if row, ok := c.(discordgo.ActionsRow); ok {
			for _, b := range row.Components {
				if btn, ok := b.(discordgo.Button); ok {
					out = append(out, btn.CustomID)
				}
			}
		}
	}
	return out
}

func TestImportCancel(t *testing.T) {
	st := storetest.Open(t)
	storetest.AddAt(t, st, testGuild, "7", false, time.Time{}, storetest.Work("Alpha", 3, 3, 111))
	d := &importDiscord{file: exportFile(t, map[string]any{"title": "Alpha", "ao3_id": 111})}
	r := New(Deps{Store: st, Discord: d})
	ids := (&discordtestMessage{handle(t, r, importSlash(importUser)).Data.Components}).customIDs()
	got := handle(t, r, click(importUser, "800000000000000001", ids[1]))
	if got.Type != discordgo.InteractionResponseUpdateMessage || !strings.Contains(got.Data.Content, "cancelled") {
		t.Fatalf("cancel: %+v", got.Data)
	}
	if got := handle(t, r, click(importUser, "800000000000000001", ids[0])); !strings.Contains(got.Data.Content, "That import was cancelled") {
		t.Fatalf("Import after Cancel: %q", got.Data.Content)
	}
	if l, _ := st.MemberList(context.Background(), testGuild, importUser); len(l) != 0 {
		t.Fatalf("list after cancel: %v", l)
	}
}

// A preview pruned once nobody confirmed it (shelf.DefaultJobRetention)
// answers its buttons with a sentence saying it expired, ephemerally, not
// with a failure; another member's job still says it is not theirs.
func TestImportPreviewPrunedAnswersExpired(t *testing.T) {
	st := storetest.Open(t)
	storetest.AddAt(t, st, testGuild, "7", false, time.Time{}, storetest.Work("Alpha", 3, 3, 111))
	d := &importDiscord{file: exportFile(t, map[string]any{"title": "Alpha", "ao3_id": 111})}
	r := New(Deps{Store: st, Discord: d})
	ids := (&discordtestMessage{handle(t, r, importSlash(importUser)).Data.Components}).customIDs()
	other := "520000000000000002"
	if got := handle(t, r, click(other, "800000000000000001", ids[0])); !strings.Contains(got.Data.Content, "isn't yours") {
		t.Errorf("another member's click: %q", got.Data.Content)
	}
	if n, err := st.PruneJobs(context.Background(), time.Now().Add(shelf.DefaultJobRetention+time.Hour), 10); err != nil || n != 1 {
		t.Fatalf("prune: %d %v, want the preview", n, err)
	}
	for _, id := range ids {
		got := handle(t, r, click(importUser, "800000000000000001", id))
		if got.Data.Flags&discordgo.MessageFlagsEphemeral == 0 || !strings.Contains(got.Data.Content, "That import preview has expired — run `/readinglist import` again.") {
			t.Errorf("%s on a pruned preview: %+v", id, got.Data)
		}
	}
}

// startJob creates and starts a job of works directly in the store.
func startJob(t *testing.T, st shelf.Store, works ...shelf.ImportWork) shelf.ImportJob {
	t.Helper()
	j, err := st.CreateImportJob(context.Background(), testGuild, shelf.ImportJob{UserID: importUser, ChannelID: "800000000000000001", Works: works})
	if err != nil {
		t.Fatal(err)
	}
	if j, err = st.StartImportJob(context.Background(), testGuild, j.ID, importUser, "900", "tok", time.Now()); err != nil {
		t.Fatal(err)
	}
	return j
}

func TestImportJobTellsTheMemberWhenTheTokenExpired(t *testing.T) {
	for _, closed := range []bool{false, true} {
		st := storetest.Open(t)
		a := storetest.AddAt(t, st, testGuild, "7", false, time.Time{}, storetest.Work("Alpha", 3, 3, 111))
		startJob(t, st, shelf.ImportWork{AO3ID: 111, Title: "Alpha", Status: shelf.StatusReading, Chapter: 2})
		d := &importDiscord{dmsClosed: closed, editErr: &discordgo.RESTError{Response: &http.Response{StatusCode: 401}, Message: &discordgo.APIErrorMessage{Code: 50027}}}
		run := newImportRunner(Deps{Store: st, Discord: d}, time.Millisecond)
		runImports(t, st, run)
		if e, err := st.ListEntry(context.Background(), testGuild, importUser, a.ID); err != nil || e.Chapter != 2 {
			t.Fatalf("entry %+v %v", e, err)
		}
		switch {
		case !closed && len(d.dms) != 1:
			t.Fatalf("DMs %d", len(d.dms))
		case closed && (len(d.Posted) != 1 || !strings.Contains(d.Posted[0].Content, "<@"+importUser+">")):
			t.Fatalf("channel messages %+v", d.Posted)
		}
	}
}

func TestImportJobResumesWithoutRedoingAStep(t *testing.T) {
	st := storetest.Open(t)
	a := storetest.AddAt(t, st, testGuild, "7", false, time.Time{}, storetest.Work("Alpha", 3, 3, 111))
	b := storetest.AddAt(t, st, testGuild, "7", false, time.Time{}, storetest.Work("Beta", 3, 3, 222))
	j := startJob(t, st, shelf.ImportWork{AO3ID: 111, Title: "Alpha"}, shelf.ImportWork{AO3ID: 222, Title: "Beta", Status: shelf.StatusFinished, Chapter: 3})
	// The first step was done before a "crash"; then the member changed it.
	if _, err := st.ImportStep(context.Background(), testGuild, j.ID, 0, shelf.ImportStepResult{Entry: &shelf.ListEntry{StoryID: a.ID, Status: shelf.StatusToRead}, Outcome: shelf.ImportAdded}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SetListEntry(context.Background(), testGuild, importUser, shelf.ListEntry{StoryID: a.ID, Status: shelf.StatusDropped}, time.Now()); err != nil {
		t.Fatal(err)
	}
	d := &importDiscord{}
	runImports(t, st, newImportRunner(Deps{Store: st, Discord: d}, time.Millisecond))
	if e, _ := st.ListEntry(context.Background(), testGuild, importUser, a.ID); e.Status != shelf.StatusDropped {
		t.Fatalf("step 0 was applied again: %+v", e)
	}
	if e, _ := st.ListEntry(context.Background(), testGuild, importUser, b.ID); e.Status != shelf.StatusFinished {
		t.Fatalf("step 1 not applied: %+v", e)
	}
	got, _ := st.ImportJob(context.Background(), testGuild, j.ID)
	if got.Added != 2 || got.State != shelf.ImportDone || !got.Notified {
		t.Fatalf("job %+v", got)
	}
}

func TestImportJobAddsMissingAO3WorksAndFailsGoneOnes(t *testing.T) {
	st := storetest.Open(t)
	srv := ao3test.New(t)
	srv.AddWork(ao3test.Work{ID: 333, Title: "Gamma", Authors: []string{"quill"}, Rating: "General Audiences", Fandoms: []string{"F"}, Posted: 1, Expected: 1, Words: 100})
	srv.AddWork(ao3test.Work{ID: 404, Title: "Deleted", State: ao3test.Deleted})
	ao3, err := fic.NewAO3Client(srv.URL, srv.Client(), "")
	if err != nil {
		t.Fatal(err)
	}
	j := startJob(t, st, shelf.ImportWork{AO3ID: 333, Title: "Gamma", Status: shelf.StatusReading, Chapter: 1}, shelf.ImportWork{AO3ID: 404, Title: "Deleted"})
	d := &importDiscord{}
	runImports(t, st, newImportRunner(Deps{Store: st, Discord: d, AO3: ao3}, time.Millisecond))
	rec, err := st.StoryByAO3(context.Background(), testGuild, 333)
	if err != nil || rec.Story.Title != "Gamma" || rec.AddedBy != importUser {
		t.Fatalf("Gamma added by link: %+v %v", rec, err)
	}
	got, _ := st.ImportJob(context.Background(), testGuild, j.ID)
	if got.Added != 1 || got.StoriesAdded != 1 || got.Failed != 1 || len(got.Failures) != 1 || !strings.HasPrefix(got.Failures[0], "Deleted: ") {
		t.Fatalf("job %+v", got)
	}
}

func TestImportEntryMerge(t *testing.T) {
	cur := shelf.ListEntry{StoryID: "1", Status: shelf.StatusReading, Chapter: 4, Note: "mine"}
	for _, c := range []struct {
		w       shelf.ImportWork
		exists  bool
		want    shelf.ListEntry
		outcome shelf.ImportOutcome
	}{
		{shelf.ImportWork{Status: shelf.StatusFinished, Chapter: 12}, false, shelf.ListEntry{StoryID: "1", Status: shelf.StatusFinished, Chapter: 10}, shelf.ImportAdded},
		{shelf.ImportWork{}, false, shelf.ListEntry{StoryID: "1", Status: shelf.StatusToRead}, shelf.ImportAdded},
		{shelf.ImportWork{Status: shelf.StatusToRead, Chapter: 2}, true, cur, shelf.ImportUnchanged},
		{shelf.ImportWork{Status: shelf.StatusFinished, Chapter: 10, Note: "great"}, true, shelf.ListEntry{StoryID: "1", Status: shelf.StatusFinished, Chapter: 10, Note: "great"}, shelf.ImportUpdated},
		{shelf.ImportWork{Status: shelf.StatusReading, Chapter: 4, Note: "mine"}, true, cur, shelf.ImportUnchanged},
	} {
		got, outcome := importEntry(c.w, "1", cur, c.exists, 10, 10)
		if !reflect.DeepEqual(got, c.want) || outcome != c.outcome {
			t.Errorf("importEntry(%+v, exists %v) = %+v, %s; want %+v, %s", c.w, c.exists, got, outcome, c.want, c.outcome)
		}
	}
}

func TestExportsCarryAO3IDs(t *testing.T) {
	st := storetest.Open(t)
	a := storetest.AddAt(t, st, testGuild, "7", false, time.Time{}, storetest.Work("Alpha", 3, 3, 111))
	b := storetest.AddAt(t, st, testGuild, "7", false, time.Time{}, storetest.Work("Beta", 2, 2, 0))
	for _, e := range []shelf.ListEntry{{StoryID: a.ID, Status: shelf.StatusFinished, Chapter: 3}, {StoryID: b.ID}} {
		if _, err := st.SetListEntry(context.Background(), testGuild, importUser, e, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	r := New(Deps{Store: st})
	for _, c := range []struct{ command, sub, key string }{{"readinglist", "export", "entries"}, {"mydata", "export", "reading_list"}} {
		resp := handle(t, r, slash(importUser, c.command, c.sub))
		raw, _ := io.ReadAll(resp.Data.Files[0].Reader)
		var full map[string]json.RawMessage
		var entries []map[string]any
		if err := json.Unmarshal(raw, &full); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(full[c.key], &entries); err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 || entries[0]["ao3_id"] != float64(111) || entries[1]["ao3_id"] != nil || entries[0]["title"] != "Alpha" {
			t.Errorf("/%s %s: %s", c.command, c.sub, full[c.key])
		}
		if c.command == "mydata" {
			var log ReadingLogExport
			if err := json.Unmarshal(full["reading_log"], &log); err != nil || len(log.Finished) != 1 || log.Finished[0].StoryID != a.ID || len(log.Progress) != 1 {
				t.Errorf("/mydata reading_log %s (%v)", full["reading_log"], err)
			}
		}
	}
}

// newImportRunner is the runner of imports and series jobs app.Run wires,
// posting through d.Discord.
func newImportRunner(d Deps, gap time.Duration) *jobs.JobRunner {
	p, _ := d.Discord.(jobs.JobPoster)
	r := jobs.NewJobRunner("imports", p, d.Log)
	r.Now = d.Now
	AddImportJobs(r, d, gap)
	return r
}
