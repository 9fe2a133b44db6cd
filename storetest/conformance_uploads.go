package storetest

import (
	"encoding/json"
	"errors"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"

	"ficshelf/shelf"
)

// Queued uploads (issue 19): a /story add waiting its turn is a persisted
// job whose story is added once, by the write that records the job's
// step, however often or by however many processes it is run.

func init() {
	cRegister(
		cTest{"Uploads/CreateAndRead", cUploadCreate},
		cTest{"Uploads/AddOnce", cUploadAddOnce},
		cTest{"Uploads/BigStoryOnce", cUploadBigOnce},
		cTest{"Uploads/UpdateOnce", cUploadUpdateOnce},
		cTest{"Uploads/ConcurrentRunsAddOnce", cUploadConcurrent},
		cTest{"Uploads/Refused", cUploadRefused},
		cTest{"Uploads/Line", cUploadLine},
		cTest{"Uploads/GuildsApart", cUploadGuilds},
		cTest{"Uploads/DeleteMember", cUploadDeleteMember},
	)
}

func cNewUpload(t testing.TB, s shelf.Store, guild, user, file string, max int) shelf.UploadJob {
	t.Helper()
	j, err := s.CreateUploadJob(cCtx, guild, shelf.UploadJob{UserID: user, ChannelID: "500000000000000005",
		File:    &shelf.UploadFile{URL: "https://cdn.discordapp.com/attachments/1/2/" + file + "?ex=ffffffff", Filename: file, Size: 1234, ContentType: "text/plain"},
		Options: json.RawMessage(`{"title":"Given"}`), AppID: "app", Token: "tok", TokenAt: cT0, Created: cT0}, max)
	if err != nil {
		t.Fatal(err)
	}
	if j.ID == "" || j.GuildID != guild || j.State != shelf.ImportRunning || j.Cursor != 0 || !j.Waiting() {
		t.Fatalf("created: %+v", j)
	}
	return j
}

func cUploadCreate(t *testing.T, s shelf.Store) {
	j := cNewUpload(t, s, cGuildA, cBob, "one.txt", 0)
	got, err := s.UploadJob(cCtx, cGuildA, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.File, j.File) || string(got.Options) != `{"title":"Given"}` || got.UserID != cBob ||
		got.Token != "tok" || !got.TokenAt.Equal(cT0) || got.ChannelID != "500000000000000005" {
		t.Fatalf("read back: %+v", got)
	}
	if _, err := s.UploadJob(cCtx, cGuildA, "999"); !errors.Is(err, shelf.ErrNotFound) {
		t.Fatalf("missing job: %v", err)
	}
	if _, err := s.UploadJob(cCtx, cGuildB, j.ID); !errors.Is(err, shelf.ErrNotFound) {
		t.Fatalf("another guild's job: %v", err)
	}
	if refs, err := s.RunningUploadJobs(cCtx); err != nil || !reflect.DeepEqual(refs, []shelf.ImportRef{{GuildID: cGuildA, ID: j.ID}}) {
		t.Fatalf("running: %+v %v", refs, err)
	}
	if _, err := s.FinishUploadJob(cCtx, cGuildA, j.ID, false, cT0); !errors.Is(err, shelf.ErrImportState) {
		t.Fatalf("finished before its step: %v", err)
	}
}

// cUploadAddOnce: the story write carrying the job adds the story and
// records the step; run again (a restart, another process) it writes
// nothing.
func cUploadAddOnce(t *testing.T, s shelf.Store) {
	j := cNewUpload(t, s, cGuildA, cBob, "once.txt", 0)
	ctx := shelf.WithUploadJob(cCtx, cGuildA, j.ID, "Kept the first 50 of 60 tags.")
	rec, err := s.AddStory(ctx, cGuildA, Work("Once", 1, 1, 0), nil, cBob, false, cT0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.UploadJob(cCtx, cGuildA, j.ID)
	if err != nil || got.Cursor != 1 || got.Outcome != shelf.UploadAdded || got.StoryID != rec.ID || got.Message != "Kept the first 50 of 60 tags." || got.Waiting() {
		t.Fatalf("after the step: %+v %v", got, err)
	}
	if _, err := s.AddStory(ctx, cGuildA, Work("Once", 1, 1, 0), nil, cBob, false, cT0); !errors.Is(err, shelf.ErrImportState) {
		t.Fatalf("second run: %v", err)
	}
	if _, n, err := s.ListStories(cCtx, cGuildA, shelf.ListQuery{Limit: 10}); err != nil || n != 1 {
		t.Fatalf("stories after two runs: %d %v", n, err)
	}
	if _, err := s.UploadStep(cCtx, cGuildA, j.ID, shelf.UploadResult{Outcome: shelf.UploadRefused, Message: "no"}, cT0); !errors.Is(err, shelf.ErrImportState) {
		t.Fatalf("refused after it was added: %v", err)
	}
	done, err := s.FinishUploadJob(cCtx, cGuildA, j.ID, false, cT0)
	if err != nil || done.State != shelf.ImportDone || done.Notified {
		t.Fatalf("finish: %+v %v", done, err)
	}
	if refs, _ := s.RunningUploadJobs(cCtx); len(refs) != 1 {
		t.Fatalf("done, member not told: %+v, want it still listed", refs)
	}
	if done, err = s.FinishUploadJob(cCtx, cGuildA, j.ID, true, cT0); err != nil || !done.Notified {
		t.Fatalf("told: %+v %v", done, err)
	}
	if refs, _ := s.RunningUploadJobs(cCtx); len(refs) != 0 {
		t.Fatalf("told: %+v still listed", refs)
	}
	// A story write for another guild ignores the mark.
	if _, err := s.AddStory(ctx, cGuildB, Work("Elsewhere", 1, 1, 0), nil, cBob, false, cT0); err != nil {
		t.Fatalf("another guild's write with the mark: %v", err)
	}
}

// cUploadBigOnce: a story big enough to be written in steps records the
// job with its visible head, and is not written again.
func cUploadBigOnce(t *testing.T, s shelf.Store) {
	j := cNewUpload(t, s, cGuildA, cBob, "big.html", 0)
	ctx := shelf.WithUploadJob(cCtx, cGuildA, j.ID, "")
	st, chs := cBigStory(6, 400<<10, 0)
	rec, err := s.AddStory(ctx, cGuildA, st, chs, cBob, false, cT0)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.UploadJob(cCtx, cGuildA, j.ID); got.Cursor != 1 || got.StoryID != rec.ID {
		t.Fatalf("after the big write: %+v", got)
	}
	st, chs = cBigStory(6, 400<<10, 0)
	if _, err := s.AddStory(ctx, cGuildA, st, chs, cBob, false, cT0); !errors.Is(err, shelf.ErrImportState) {
		t.Fatalf("second run: %v", err)
	}
	if _, n, _ := s.ListStories(cCtx, cGuildA, shelf.ListQuery{Limit: 10}); n != 1 {
		t.Fatalf("%d stories after two runs, want 1", n)
	}
}

// cUploadUpdateOnce: a re-upload of a work the guild has is the job's
// step too.
func cUploadUpdateOnce(t *testing.T, s shelf.Store) {
	had := cAdd(t, s, cGuildA, Work("Had", 1, 2, 707))
	j := cNewUpload(t, s, cGuildA, cAlice, "had.html", 0)
	ctx := shelf.WithUploadJob(cCtx, cGuildA, j.ID, "")
	if _, err := s.UpdateStory(ctx, cGuildA, had.ID, Work("Had", 2, 2, 707), nil, cT0); err != nil {
		t.Fatal(err)
	}
	got, _ := s.UploadJob(cCtx, cGuildA, j.ID)
	if got.Cursor != 1 || got.Outcome != shelf.UploadUpdated || got.StoryID != had.ID {
		t.Fatalf("after the update: %+v", got)
	}
	if _, err := s.UpdateStory(ctx, cGuildA, had.ID, Work("Had again", 2, 2, 707), nil, cT0); !errors.Is(err, shelf.ErrImportState) {
		t.Fatalf("second run: %v", err)
	}
	if rec, _ := s.Story(cCtx, cGuildA, had.ID); rec.Story.Title != "Had" {
		t.Fatalf("the refused second run changed the story: %q", rec.Story.Title)
	}
}

// cUploadConcurrent: two processes running the same job at once add one
// story.
func cUploadConcurrent(t *testing.T, s shelf.Store) {
	j := cNewUpload(t, s, cGuildA, cBob, "race.txt", 0)
	ctx := shelf.WithUploadJob(cCtx, cGuildA, j.ID, "")
	var wg sync.WaitGroup
	var ok, refused atomic.Int32
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.AddStory(ctx, cGuildA, Work("Race", 1, 1, 0), nil, cBob, false, cT0)
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, shelf.ErrImportState):
				refused.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 || refused.Load() != 3 {
		t.Fatalf("%d added, %d refused; want 1 and 3", ok.Load(), refused.Load())
	}
	if _, n, _ := s.ListStories(cCtx, cGuildA, shelf.ListQuery{Limit: 10}); n != 1 {
		t.Fatalf("%d stories, want 1", n)
	}
}

func cUploadRefused(t *testing.T, s shelf.Store) {
	j := cNewUpload(t, s, cGuildA, cBob, "bad.txt", 0)
	if _, err := s.UploadStep(cCtx, cGuildA, j.ID, shelf.UploadResult{Outcome: shelf.UploadAdded}, cT0); !errors.Is(err, shelf.ErrInvalid) {
		t.Fatalf("an added outcome without a story: %v", err)
	}
	got, err := s.UploadStep(cCtx, cGuildA, j.ID, shelf.UploadResult{Outcome: shelf.UploadRefused, Message: "That file has expired. Upload it again."}, cT0)
	if err != nil || got.Cursor != 1 || got.Outcome != shelf.UploadRefused || got.Message != "That file has expired. Upload it again." {
		t.Fatalf("refused: %+v %v", got, err)
	}
	ctx := shelf.WithUploadJob(cCtx, cGuildA, j.ID, "")
	if _, err := s.AddStory(ctx, cGuildA, Work("Late", 1, 1, 0), nil, cBob, false, cT0); !errors.Is(err, shelf.ErrImportState) {
		t.Fatalf("a write after the refusal: %v", err)
	}
	if _, n, _ := s.ListStories(cCtx, cGuildA, shelf.ListQuery{Limit: 10}); n != 0 {
		t.Fatalf("%d stories after a refusal, want 0", n)
	}
}

// cUploadLine: the jobs waiting, in the order they were queued; a started
// job leaves the line; the bound on a guild's line.
func cUploadLine(t *testing.T, s shelf.Store) {
	var ids []string
	for _, f := range []string{"a", "b", "c"} {
		ids = append(ids, cNewUpload(t, s, cGuildA, cBob, f, 3).ID)
	}
	if _, err := s.CreateUploadJob(cCtx, cGuildA, shelf.UploadJob{UserID: cBob, File: &shelf.UploadFile{Filename: "x.txt"}}, 3); !errors.Is(err, shelf.ErrQueueFull) {
		t.Fatalf("a fourth in a line of 3: %v", err)
	}
	want := []shelf.ImportRef{{GuildID: cGuildA, ID: ids[0]}, {GuildID: cGuildA, ID: ids[1]}, {GuildID: cGuildA, ID: ids[2]}}
	if refs, err := s.WaitingUploadJobs(cCtx, true); err != nil || !reflect.DeepEqual(refs, want) {
		t.Fatalf("waiting: %+v %v", refs, err)
	}
	st, err := s.StartUploadJob(cCtx, cGuildA, ids[0])
	if err != nil || !st.Started || st.Waiting() {
		t.Fatalf("start: %+v %v", st, err)
	}
	if _, err := s.StartUploadJob(cCtx, cGuildA, ids[0]); err != nil {
		t.Fatalf("started twice: %v", err)
	}
	if refs, _ := s.WaitingUploadJobs(cCtx, true); !reflect.DeepEqual(refs, want[1:]) {
		t.Fatalf("waiting after a start: %+v", refs)
	}
	if refs, _ := s.RunningUploadJobs(cCtx); !reflect.DeepEqual(refs, want) {
		t.Fatalf("running: %+v", refs)
	}
	// Room again in the line.
	cNewUpload(t, s, cGuildA, cBob, "d", 3)
	// A link waits in a line of its own, bounded apart.
	if _, err := s.CreateUploadJob(cCtx, cGuildA, shelf.UploadJob{UserID: cBob, WorkID: 41}, 1); err != nil {
		t.Fatalf("a link beside a full line of files: %v", err)
	}
	if _, err := s.CreateUploadJob(cCtx, cGuildA, shelf.UploadJob{UserID: cBob, WorkID: 43}, 1); !errors.Is(err, shelf.ErrQueueFull) {
		t.Fatalf("a second link in a line of 1: %v", err)
	}
	link, err := s.CreateUploadJob(cCtx, cGuildB, shelf.UploadJob{UserID: cBob, WorkID: 42, Token: "tok"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if refs, err := s.WaitingUploadJobs(cCtx, false); err != nil || len(refs) != 2 || refs[1] != (shelf.ImportRef{GuildID: cGuildB, ID: link.ID}) {
		t.Fatalf("links waiting: %+v %v", refs, err)
	}
	if refs, _ := s.WaitingUploadJobs(cCtx, true); len(refs) != 3 {
		t.Fatalf("files waiting with a link queued: %+v", refs)
	}
}

func cUploadGuilds(t *testing.T, s shelf.Store) {
	for range 2 {
		cNewUpload(t, s, cGuildA, cBob, "a", 2)
	}
	if _, err := s.CreateUploadJob(cCtx, cGuildA, shelf.UploadJob{UserID: cBob, File: &shelf.UploadFile{Filename: "x.txt"}}, 2); !errors.Is(err, shelf.ErrQueueFull) {
		t.Fatalf("guild A's line full: %v", err)
	}
	b := cNewUpload(t, s, cGuildB, cBob, "b", 2) // B's line is its own
	refs, _ := s.WaitingUploadJobs(cCtx, true)
	if len(refs) != 3 || refs[2] != (shelf.ImportRef{GuildID: cGuildB, ID: b.ID}) {
		t.Fatalf("waiting: %+v", refs)
	}
	if jobs, err := s.MemberUploadJobs(cCtx, cGuildB, cBob); err != nil || len(jobs) != 1 || jobs[0].ID != b.ID {
		t.Fatalf("B's jobs of Bob: %+v %v", jobs, err)
	}
}

func cUploadDeleteMember(t *testing.T, s shelf.Store) {
	mine := cNewUpload(t, s, cGuildA, cBob, "bob.txt", 0)
	theirs := cNewUpload(t, s, cGuildA, cAlice, "alice.txt", 0)
	other := cNewUpload(t, s, cGuildB, cBob, "bob-b.txt", 0)
	if jobs, err := s.MemberUploadJobs(cCtx, cGuildA, cBob); err != nil || len(jobs) != 1 || jobs[0].ID != mine.ID {
		t.Fatalf("Bob's jobs: %+v %v", jobs, err)
	}
	if err := s.DeleteMember(cCtx, cGuildA, cBob); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UploadJob(cCtx, cGuildA, mine.ID); !errors.Is(err, shelf.ErrNotFound) {
		t.Fatalf("Bob's job after delete: %v", err)
	}
	if jobs, _ := s.MemberUploadJobs(cCtx, cGuildA, cBob); len(jobs) != 0 {
		t.Fatalf("Bob's jobs after delete: %+v", jobs)
	}
	want := []shelf.ImportRef{{GuildID: cGuildA, ID: theirs.ID}, {GuildID: cGuildB, ID: other.ID}}
	if refs, _ := s.RunningUploadJobs(cCtx); !reflect.DeepEqual(refs, want) {
		t.Fatalf("running after delete: %+v", refs)
	}
	if refs, _ := s.WaitingUploadJobs(cCtx, true); !reflect.DeepEqual(refs, want) {
		t.Fatalf("waiting after delete: %+v", refs)
	}
}
