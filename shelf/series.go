package shelf

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"ficshelf/fic"
)

// Series links (/story add link: with an AO3 series link): a persisted
// job holding the series' works as its listing showed them, and a cursor.
// Each step adds one work to the library (or links the story the guild
// already has to the series) and moves the cursor in one transaction, so
// a restart resumes where it stopped and no work is added twice. It has
// the shape of a reading-list import (ImportJob) and reuses its states.

// SeriesOutcome is what one step of a series job did.
type SeriesOutcome string

// The outcomes of a series step.
const (
	SeriesAdded      SeriesOutcome = "added"      // a new story, by link
	SeriesLinked     SeriesOutcome = "linked"     // the guild had the work: linked to the series
	SeriesUnrevealed SeriesOutcome = "unrevealed" // a Mystery Work: nothing to add yet
	SeriesFailed     SeriesOutcome = "failed"     // AO3 refused the work (restricted, deleted…)
)

// SeriesJobWork is one work of a series job: the work as the series'
// listing showed it (details only, no text), its part, and once its step
// ran, what the step did.
type SeriesJobWork struct {
	Part       int        `json:"part"`
	Unrevealed bool       `json:"unrevealed,omitempty"`
	Story      *fic.Story `json:"story"`
	// Outcome and StoryID are set by the work's step.
	Outcome SeriesOutcome `json:"outcome,omitempty"`
	StoryID string        `json:"story_id,omitempty"`
	Failure string        `json:"failure,omitempty"`
}

// SeriesJob is a member's series link being added to the library.
type SeriesJob struct {
	ID          string      `json:"id"`
	GuildID     string      `json:"guild_id"`
	UserID      string      `json:"user_id"`
	ChannelID   string      `json:"channel_id"`
	State       ImportState `json:"state"` // ImportRunning, then ImportDone
	SeriesID    int64       `json:"series_id"`
	SeriesTitle string      `json:"series_title"`
	SeriesURL   string      `json:"series_url,omitempty"`
	Total       int         `json:"total"`
	// Cursor is the index of the next work to apply; every work before
	// it is done (its write made in the same transaction as the cursor
	// moved past it).
	Cursor     int `json:"cursor"`
	Added      int `json:"added"`
	Linked     int `json:"linked"`
	Unrevealed int `json:"unrevealed"`
	Failed     int `json:"failed"`
	// Pages is how many of the series' pages were read (their works are
	// the job's works); LastPage the highest page their pagination names;
	// Listed is true once the last page was read. Steps run up to the
	// works listed so far; the next page is read when they are done.
	Pages    int  `json:"pages"`
	LastPage int  `json:"last_page,omitempty"`
	Listed   bool `json:"listed"`
	// Truncated is true when the series had more pages than are read.
	Truncated bool `json:"truncated,omitempty"`
	// AppID and Token are the interaction whose answer shows the
	// progress; TokenAt is when Discord issued the token.
	AppID    string    `json:"app_id,omitempty"`
	Token    string    `json:"token,omitempty"`
	TokenAt  time.Time `json:"token_at"`
	Created  time.Time `json:"created"`
	Finished time.Time `json:"finished"`
	// Notified is set once the member has been told the job ended.
	Notified bool `json:"notified,omitempty"`

	// Works are the job's works, given to CreateSeriesJob and returned by
	// SeriesJobWorks; empty otherwise.
	Works []SeriesJobWork `json:"-"`
}

// Live reports whether j is to be run: running, or done with its member
// not told yet (what RunningSeriesJobs lists).
func (j SeriesJob) Live() bool { return LiveJob(j.State, j.Notified) }

// Owner is the member whose job it is.
func (j SeriesJob) Owner() string { return j.UserID }

// Ref is the series reference a step gives each of the job's works.
func (j SeriesJob) Ref(w SeriesJobWork) fic.SeriesRef {
	return fic.SeriesRef{ID: j.SeriesID, Title: j.SeriesTitle, Part: w.Part}
}

// SeriesStepInput is what the runner learnt about a work before its step.
type SeriesStepInput struct {
	// Story, when not nil, replaces the listing's details (the work's own
	// page was read because the listing lacked something).
	Story *fic.Story
	// Failure, when not empty, says why the work cannot be added (AO3
	// refused it); the step counts it failed.
	Failure string
}

// SeriesJobs are series links being added to guilds' libraries: jobs that
// survive a restart and never apply a work twice.
type SeriesJobs interface {
	// CreateSeriesJob stores j (running, with its Works: those of the
	// pages read so far) with a new ID and returns its head.
	CreateSeriesJob(ctx context.Context, guild string, j SeriesJob) (SeriesJob, error)
	// AddSeriesPage appends the works of page page of the series to a
	// running job, and records that page as read, lastPage and whether it
	// was the last (listed), in one transaction. ErrImportState when page
	// is not the job's next page to read or the job is listed already.
	AddSeriesPage(ctx context.Context, guild, id string, page int, works []SeriesJobWork, lastPage int, listed bool) (SeriesJob, error)
	// SeriesJob returns a job's head; ErrNotFound when none.
	SeriesJob(ctx context.Context, guild, id string) (SeriesJob, error)
	// SeriesJobWorks returns works [from, from+limit) of a job, with the
	// outcomes of those done.
	SeriesJobWorks(ctx context.Context, guild, id string, from, limit int) ([]SeriesJobWork, error)
	// RunningSeriesJobs lists the jobs of every guild that are running,
	// or done with their member not told yet.
	RunningSeriesJobs(ctx context.Context) ([]ImportRef, error)
	// SeriesStep applies work step of a running job in one transaction:
	// an unrevealed work or in.Failure is only counted; a work the guild
	// has (by AO3 work ID) gets the series merged into its SeriesRefs
	// (MergeSeriesRef); any other is added as a new story (details only,
	// added by the job's member at at) remembered as its part of the
	// series. The work's outcome is recorded and the cursor moves to
	// step+1; the head is returned. ErrImportState when the cursor is not
	// at step (the step was done already) or the job is not running.
	SeriesStep(ctx context.Context, guild, id string, step int, in SeriesStepInput, at time.Time) (SeriesJob, error)
	// FinishSeriesJob marks a listed job whose cursor reached its total
	// done at at; notified records that the member has been told.
	FinishSeriesJob(ctx context.Context, guild, id string, notified bool, at time.Time) (SeriesJob, error)
}

// MergeSeriesRef returns refs with ref in it: a ref of the same series
// (same ID, or same folded title when either ID is unknown) is replaced,
// else ref is appended. changed is false when refs already said so.
func MergeSeriesRef(refs []fic.SeriesRef, ref fic.SeriesRef) (out []fic.SeriesRef, changed bool) {
	out = append([]fic.SeriesRef(nil), refs...)
	for i, r := range out {
		same := r.ID != 0 && r.ID == ref.ID ||
			(r.ID == 0 || ref.ID == 0) && FoldString(r.Title) == FoldString(ref.Title)
		if !same {
			continue
		}
		if ref.Part == 0 {
			ref.Part = r.Part
		}
		if ref.ID == 0 {
			ref.ID = r.ID
		}
		if strings.TrimSpace(ref.Title) == "" {
			ref.Title = r.Title
		}
		out[i] = ref
		return out, ref != r
	}
	return append(out, ref), true
}

// SeriesStory is the story a series step adds for work w: the input's
// details when the runner read the work's page, else the listing's, with
// the job's series merged into its SeriesRefs. It is a copy.
func SeriesStory(j SeriesJob, w SeriesJobWork, in SeriesStepInput) *fic.Story {
	src := w.Story
	if in.Story != nil {
		src = in.Story
	}
	st := fic.Story{}
	if src != nil {
		st = *src
	}
	st.Chapters = nil
	st.SeriesRefs, _ = MergeSeriesRef(st.SeriesRefs, j.Ref(w))
	if strings.TrimSpace(st.Title) == "" {
		st.Title = "Untitled"
	}
	return &st
}

// SeriesPageAdded is j after page page with n works: checked (ErrImportState
// unless it is the next page of a running job not listed yet), its works
// counted. Engines call it inside AddSeriesPage's transaction.
func SeriesPageAdded(j SeriesJob, page, n, lastPage int, listed bool) (SeriesJob, error) {
	if j.State != ImportRunning || j.Listed || page != j.Pages+1 {
		return j, fmt.Errorf("series job %s page %d (%d read, listed %v, %s): %w", j.ID, page, j.Pages, j.Listed, j.State, ErrImportState)
	}
	j.Pages, j.Total, j.Listed = page, j.Total+n, listed
	j.LastPage = max(j.LastPage, lastPage)
	return j, nil
}

// CountSeriesStep is j after a step with outcome o: counted, the cursor
// one further. Engines call it inside SeriesStep's transaction.
func CountSeriesStep(j SeriesJob, o SeriesOutcome) SeriesJob {
	switch o {
	case SeriesAdded:
		j.Added++
	case SeriesLinked:
		j.Linked++
	case SeriesUnrevealed:
		j.Unrevealed++
	default:
		j.Failed++
	}
	j.Cursor++
	return j
}

// FinishSeries is j marked done at at (the first time) and notified when
// the member has been told (then without its token); ErrImportState
// unless j is running or done, listed, with its cursor at its total.
// Engines call it inside FinishSeriesJob.
func FinishSeries(j SeriesJob, notified bool, at time.Time) (SeriesJob, error) {
	if j.State != ImportRunning && j.State != ImportDone || j.Cursor < j.Total || !j.Listed {
		return j, fmt.Errorf("series job %s (cursor %d of %d, %s): %w", j.ID, j.Cursor, j.Total, j.State, ErrImportState)
	}
	j.State, j.Finished = ImportDone, finishedAt(j.State, j.Finished, at)
	j.Notified = j.Notified || notified
	if j.Notified {
		j.Token = "" // the member was told: the token is not kept
	}
	return j, nil
}

// SeriesFacets are a story's series as ListQuery.Series matches them:
// each series' folded title and ID (0 when unknown), in the same order.
func SeriesFacets(refs []fic.SeriesRef) (titles []string, ids []int64) {
	titles, ids = []string{}, []int64{}
	for _, r := range refs {
		titles = append(titles, FoldString(r.Title))
		ids = append(ids, r.ID)
	}
	return titles, ids
}

// SeriesQuery is ListQuery.Series prepared for matching: the folded text,
// and the series ID it names when it is a number (0 otherwise).
func SeriesQuery(q string) (folded string, id int64) {
	folded = FoldString(q)
	if n, err := strconv.ParseInt(strings.TrimSpace(q), 10, 64); err == nil && n > 0 {
		id = n
	}
	return folded, id
}

// SeriesMatch reports whether a story in series (titles, ids) — as
// SeriesFacets gives them — matches the prepared query: a series whose
// ID is the number typed, or whose folded title contains the text.
func SeriesMatch(titles []string, ids []int64, folded string, id int64) bool {
	for i, t := range titles {
		if strings.Contains(t, folded) || id > 0 && i < len(ids) && ids[i] == id {
			return true
		}
	}
	return false
}
