package shelf

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrImportState is returned for an import job that is not in the state
// the call needs (a step not at the job's cursor, a job confirmed twice or
// cancelled after it started).
var ErrImportState = errors.New("import job is not in that state")

// ImportState is where an import job is.
type ImportState string

// The states of an import job: previewed (waiting for the member's
// confirmation), running, done, or cancelled before it started.
const (
	ImportPreview   ImportState = "preview"
	ImportRunning   ImportState = "running"
	ImportDone      ImportState = "done"
	ImportCancelled ImportState = "cancelled"
)

// ImportWork is one work of an import: what the file says the member's
// entry should be.
type ImportWork struct {
	AO3ID   int64    `json:"ao3_id,omitempty"`
	Title   string   `json:"title,omitempty"`
	Authors []string `json:"authors,omitempty"`
	Status  Status   `json:"status,omitempty"`
	Chapter int      `json:"chapter,omitempty"`
	Note    string   `json:"note,omitempty"`
}

// ImportOutcome is what one step of an import did.
type ImportOutcome string

// The outcomes of an import step.
const (
	ImportAdded     ImportOutcome = "added"     // a new list entry
	ImportUpdated   ImportOutcome = "updated"   // an existing entry changed
	ImportUnchanged ImportOutcome = "unchanged" // already as the file says
	ImportFailed    ImportOutcome = "failed"    // not found or not fetched
)

// MaxImportFailures is how many failed works' labels a job keeps.
const MaxImportFailures = 10

// ImportJob is a member's reading-list import: the works read from their
// file, and how far it got. Works are stored apart from the job's head
// (ImportJob returns them only when asked).
type ImportJob struct {
	ID        string      `json:"id"`
	GuildID   string      `json:"guild_id"`
	UserID    string      `json:"user_id"`
	ChannelID string      `json:"channel_id"`
	State     ImportState `json:"state"`
	Format    string      `json:"format"`
	Total     int         `json:"total"` // number of works
	// Cursor is the index of the next work to apply; every work before
	// it is done (its write made in the same transaction as the cursor
	// moved past it).
	Cursor       int      `json:"cursor"`
	Added        int      `json:"added"`
	Updated      int      `json:"updated"`
	Unchanged    int      `json:"unchanged"`
	Failed       int      `json:"failed"`
	StoriesAdded int      `json:"stories_added"` // works added to the library by link
	Failures     []string `json:"failures,omitempty"`
	// AppID and Token are the interaction whose answer shows the
	// progress; TokenAt is when Discord issued the token (it lets the bot
	// edit the answer for 15 minutes).
	AppID   string    `json:"app_id,omitempty"`
	Token   string    `json:"token,omitempty"`
	TokenAt time.Time `json:"token_at"`
	Created time.Time `json:"created"`
	// Finished is when the job was done, or cancelled (zero for a job
	// cancelled before cancellations were timed).
	Finished time.Time `json:"finished"`
	// Notified is set once the member has been told the job ended.
	Notified bool `json:"notified,omitempty"`

	// Works are the job's works, filled by CreateImportJob's caller and
	// by ImportWorks; empty otherwise.
	Works []ImportWork `json:"-"`
}

// Live reports whether j is to be run: running, or done with its member
// not told yet (what RunningImportJobs lists).
func (j ImportJob) Live() bool { return LiveJob(j.State, j.Notified) }

// Owner is the member whose job it is.
func (j ImportJob) Owner() string { return j.UserID }

// LiveJob reports whether a persisted job (an import, a series link) in
// state, its member told or not, is to be run: running, or done with the
// member not told yet.
func LiveJob(state ImportState, notified bool) bool {
	return state == ImportRunning || state == ImportDone && !notified
}

// ImportRef names an import job of some guild.
type ImportRef struct {
	GuildID string
	ID      string
}

// ImportStepResult is one applied step: the entry to write (nil for none)
// and its outcome.
type ImportStepResult struct {
	Entry      *ListEntry
	Outcome    ImportOutcome
	StoryAdded bool   // the work was added to the library by link
	Failure    string // the work's label, for ImportFailed
}

// LibraryKey is what an import matches a story on.
type LibraryKey struct {
	StoryID string
	AO3ID   int64
	Title   string
	Authors []string
}

// Imports are members' reading-list imports: jobs that survive a restart
// and never apply a work twice.
type Imports interface {
	// LibraryKeys lists every story of guild with its AO3 work, title and
	// authors, in story-ID order.
	LibraryKeys(ctx context.Context, guild string) ([]LibraryKey, error)
	// CreateImportJob stores j (State ImportPreview, its Works; Created
	// now when zero) with a new ID and returns its head. The member's
	// earlier jobs still in preview are cancelled at j's creation (their
	// works dropped): only the latest preview's buttons start an import.
	CreateImportJob(ctx context.Context, guild string, j ImportJob) (ImportJob, error)
	// ImportJob returns a job's head; ErrNotFound when none (never
	// created, or pruned: PruneJobs).
	ImportJob(ctx context.Context, guild, id string) (ImportJob, error)
	// ImportWorks returns works [from, from+limit) of a job.
	ImportWorks(ctx context.Context, guild, id string, from, limit int) ([]ImportWork, error)
	// StartImportJob moves a previewed job of user to ImportRunning with
	// the interaction that shows its progress. ErrNotFound for another
	// member's job; ErrImportState when it is not previewed.
	StartImportJob(ctx context.Context, guild, id, user, appID, token string, tokenAt time.Time) (ImportJob, error)
	// CancelImportJob cancels a previewed job of user at at (its
	// Finished; now when zero), dropping its works; a job cancelled
	// already is left as it is. ErrNotFound for another member's job;
	// ErrImportState when it already started.
	CancelImportJob(ctx context.Context, guild, id, user string, at time.Time) error
	// RunningImportJobs lists the jobs of every guild that are running,
	// or done with their member not told yet (Notified false).
	RunningImportJobs(ctx context.Context) ([]ImportRef, error)
	// ImportStep applies work step of a running job: it writes r.Entry
	// (as SetListEntry does, without logging progress), counts the
	// outcome and moves the cursor to step+1, all in one transaction, and
	// returns the head. ErrImportState when the cursor is not at step
	// (the step was done already) or the job is not running.
	ImportStep(ctx context.Context, guild, id string, step int, r ImportStepResult, at time.Time) (ImportJob, error)
	// FinishImportJob marks a running job whose cursor reached its total
	// done at at; notified records that the member has been told.
	FinishImportJob(ctx context.Context, guild, id string, notified bool, at time.Time) (ImportJob, error)
}

// CountImportStep is j after step r: the outcome counted, the cursor one
// further. Engines call it inside ImportStep's transaction.
func CountImportStep(j ImportJob, r ImportStepResult) ImportJob {
	switch r.Outcome {
	case ImportAdded:
		j.Added++
	case ImportUpdated:
		j.Updated++
	case ImportUnchanged:
		j.Unchanged++
	default:
		j.Failed++
		if len(j.Failures) < MaxImportFailures {
			j.Failures = append(append([]string(nil), j.Failures...), Truncate(r.Failure, 200))
		}
	}
	if r.StoryAdded {
		j.StoriesAdded++
	}
	j.Cursor++
	return j
}

// StartImport is previewed job j started by user, its progress shown in
// the answer of the interaction (appID, token, issued at tokenAt).
// ErrNotFound for another member's job; ErrImportState unless j is
// previewed. Engines call it inside StartImportJob.
func StartImport(j ImportJob, user, appID, token string, tokenAt time.Time) (ImportJob, error) {
	if j.UserID != user {
		return j, fmt.Errorf("import %s of another member: %w", j.ID, ErrNotFound)
	}
	if j.State != ImportPreview {
		return j, fmt.Errorf("import %s is %s: %w", j.ID, j.State, ErrImportState)
	}
	j.State, j.AppID, j.Token, j.TokenAt = ImportRunning, appID, token, tokenAt.UTC()
	return j, nil
}

// NewImport is j as CreateImportJob stores it: ID id of guild, previewed,
// its Total its works' number and its Works left out (stored apart),
// created now when Created is zero.
func NewImport(j ImportJob, guild, id string, now time.Time) ImportJob {
	j.ID, j.GuildID, j.State, j.Total, j.Cursor, j.Works = id, guild, ImportPreview, len(j.Works), 0, nil
	if j.Created.IsZero() {
		j.Created = now
	}
	j.Created = j.Created.UTC()
	return j
}

// CancelImport is previewed job j cancelled by user at at (its Finished,
// from which PruneJobs counts its retention; now when zero); changed is
// false when it was cancelled already. ErrNotFound for another member's
// job; ErrImportState when it started. Engines call it inside
// CancelImportJob and CreateImportJob (and drop the works when changed).
func CancelImport(j ImportJob, user string, at time.Time) (out ImportJob, changed bool, err error) {
	switch {
	case j.UserID != user:
		return j, false, fmt.Errorf("import %s of another member: %w", j.ID, ErrNotFound)
	case j.State == ImportCancelled:
		return j, false, nil
	case j.State != ImportPreview:
		return j, false, fmt.Errorf("import %s is %s: %w", j.ID, j.State, ErrImportState)
	}
	j.State, j.Finished = ImportCancelled, finishedAt(j.State, j.Finished, at)
	return j, true, nil
}

// CheckJobStep checks that step is the next step of a running job (state,
// cursor, total): ErrImportState otherwise (done already, or the job is
// not running). what names the job in the error.
func CheckJobStep(what string, state ImportState, cursor, total, step int) error {
	if state != ImportRunning || cursor != step || step >= total {
		return fmt.Errorf("%s step %d (cursor %d of %d, %s): %w", what, step, cursor, total, state, ErrImportState)
	}
	return nil
}

// FinishImport is j marked done at at (the first time) and notified when
// the member has been told (then without its token); ErrImportState
// unless j is running or done with its cursor at its total. Engines call
// it inside FinishImportJob.
func FinishImport(j ImportJob, notified bool, at time.Time) (ImportJob, error) {
	if j.State != ImportRunning && j.State != ImportDone || j.Cursor < j.Total {
		return j, fmt.Errorf("import %s (cursor %d of %d, %s): %w", j.ID, j.Cursor, j.Total, j.State, ErrImportState)
	}
	j.State, j.Finished = ImportDone, finishedAt(j.State, j.Finished, at)
	j.Notified = j.Notified || notified
	if j.Notified {
		j.Token = "" // the member was told: the token is not kept
	}
	return j, nil
}

// finishedAt is when a job in state (finished at finished) ended once
// marked done at at: the first time counts.
func finishedAt(state ImportState, finished, at time.Time) time.Time {
	if state == ImportDone {
		return finished
	}
	if at.IsZero() {
		at = time.Now()
	}
	return at.UTC()
}
