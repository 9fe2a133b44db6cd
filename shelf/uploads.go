package shelf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Queued uploads (/story add with a file or a link that could not start at
// once): a persisted job from the moment the member is told it is queued,
// so that a restart, a crash or another process of the deployment neither
// loses it nor adds its story twice. It has the shape of a reading-list
// import (one step) and reuses its states. The story write that does the
// job's one step carries the job in its context (WithUploadJob): the
// engine checks that the step is not done yet and records it done in the
// transaction that makes the story visible.

// ErrQueueFull is returned by CreateUploadJob when the guild already has
// as many uploads waiting as it may.
var ErrQueueFull = errors.New("too many uploads waiting in this server")

// UploadOutcome is what an upload job's step did.
type UploadOutcome string

// The outcomes of an upload job.
const (
	UploadAdded   UploadOutcome = "added"   // a new story
	UploadUpdated UploadOutcome = "updated" // an existing story re-imported
	// UploadRefused: nothing was written; Message says why (a bad or
	// expired file, a story the member may not update, …).
	UploadRefused UploadOutcome = "refused"
)

// UploadFile is the attachment of a queued upload, as Discord gave it.
// URL is Discord's CDN address of the file (it carries an expiry).
type UploadFile struct {
	URL         string `json:"url"`
	Filename    string `json:"filename"`
	Size        int    `json:"size"`
	ContentType string `json:"content_type,omitempty"`
}

// UploadJob is one queued /story add: what to add (a file, an AO3 work, or
// both), the command's options, who asked and where, and once its step
// ran, what it did.
type UploadJob struct {
	ID        string      `json:"id"`
	GuildID   string      `json:"guild_id"`
	UserID    string      `json:"user_id"`
	ChannelID string      `json:"channel_id"`
	State     ImportState `json:"state"` // ImportRunning, then ImportDone
	// Cursor is 0 until the step ran (its story write, or its refusal,
	// made in the same transaction as the cursor moved), then 1.
	Cursor int `json:"cursor"`
	// Started is set when a runner took the job (for places in line).
	Started bool `json:"started,omitempty"`

	File   *UploadFile `json:"file,omitempty"` // nil: a link alone
	WorkID int64       `json:"work_id,omitempty"`
	// Options are the command's options and the member's standing as the
	// command saw them, in the command's own encoding (opaque to stores).
	Options json.RawMessage `json:"options,omitempty"`

	Outcome UploadOutcome `json:"outcome,omitempty"`
	StoryID string        `json:"story_id,omitempty"`
	// Message is what the member is told besides the story (what was
	// kept of the options), or why nothing was added (UploadRefused).
	Message string `json:"message,omitempty"`

	// AppID and Token are the interaction whose answer shows the job;
	// TokenAt is when Discord issued the token.
	AppID    string    `json:"app_id,omitempty"`
	Token    string    `json:"token,omitempty"`
	TokenAt  time.Time `json:"token_at"`
	Created  time.Time `json:"created"`
	Finished time.Time `json:"finished"`
	Notified bool      `json:"notified,omitempty"`
}

// Live reports whether j is to be run: running, or done with its member
// not told yet.
func (j UploadJob) Live() bool { return LiveJob(j.State, j.Notified) }

// Owner is the member whose job it is.
func (j UploadJob) Owner() string { return j.UserID }

// Waiting reports whether j is in line: running, not taken by a runner.
func (j UploadJob) Waiting() bool { return j.State == ImportRunning && j.Cursor == 0 && !j.Started }

// UploadResult is the outcome of an upload job's step written without a
// story (UploadRefused), or with the story write (UploadAdded,
// UploadUpdated: the engine fills StoryID).
type UploadResult struct {
	Outcome UploadOutcome
	StoryID string
	Message string
}

// UploadJobs are queued uploads: jobs that survive a restart and add their
// story once.
type UploadJobs interface {
	// CreateUploadJob stores j (running, cursor 0) with a new ID and
	// returns it, unless guild has maxWaiting or more jobs of j's kind
	// (with a file, or a link alone) waiting (Waiting): then ErrQueueFull
	// and nothing is stored. maxWaiting 0
	// means no bound.
	CreateUploadJob(ctx context.Context, guild string, j UploadJob, maxWaiting int) (UploadJob, error)
	// UploadJob returns a job; ErrNotFound when none.
	UploadJob(ctx context.Context, guild, id string) (UploadJob, error)
	// RunningUploadJobs lists the jobs of every guild that are running,
	// or done with their member not told yet, by guild then ID (the order
	// they were queued in, within a guild).
	RunningUploadJobs(ctx context.Context) ([]ImportRef, error)
	// WaitingUploadJobs lists the jobs of every guild that are waiting
	// (UploadJob.Waiting) with a file (files) or with a link alone (not
	// files: each kind has its own line), in RunningUploadJobs' order.
	WaitingUploadJobs(ctx context.Context, files bool) ([]ImportRef, error)
	// StartUploadJob marks a running job taken by a runner (once; a job
	// started already is returned as it is). ErrImportState when it is
	// not running.
	StartUploadJob(ctx context.Context, guild, id string) (UploadJob, error)
	// UploadStep records the step of a running job as r without a story
	// write (r.Outcome UploadRefused) and moves its cursor to 1.
	// ErrImportState when the step was done already.
	UploadStep(ctx context.Context, guild, id string, r UploadResult, at time.Time) (UploadJob, error)
	// FinishUploadJob marks a job whose step ran done at at; notified
	// records that the member has been told.
	FinishUploadJob(ctx context.Context, guild, id string, notified bool, at time.Time) (UploadJob, error)
	// MemberUploadJobs lists user's jobs in guild by ID (for /mydata).
	MemberUploadJobs(ctx context.Context, guild, user string) ([]UploadJob, error)
}

// uploadKey is the context key of WithUploadJob.
type uploadKey struct{}

// UploadStepOf is the upload job whose step a story write does
// (WithUploadJob).
type UploadStepOf struct {
	GuildID, ID string
	// Message is recorded as the job's Message.
	Message string
}

// WithUploadJob returns ctx marking the story write made with it
// (Stories.AddStory, Stories.UpdateStory) as the step of upload job id of
// guild: the engine fails the write with ErrImportState, writing nothing,
// when the job's step was done already (or the job is gone or not
// running), and otherwise records the job's step (UploadAdded or
// UploadUpdated, the story's ID, message) in the transaction that makes
// the story visible. A write to another guild ignores the mark.
func WithUploadJob(ctx context.Context, guild, id, message string) context.Context {
	return context.WithValue(ctx, uploadKey{}, UploadStepOf{GuildID: guild, ID: id, Message: message})
}

// UploadJobFrom returns the upload job a story write of guild is the step
// of (WithUploadJob); ok false when none.
func UploadJobFrom(ctx context.Context, guild string) (UploadStepOf, bool) {
	u, ok := ctx.Value(uploadKey{}).(UploadStepOf)
	if !ok || u.GuildID != guild {
		return UploadStepOf{}, false
	}
	return u, true
}

// UploadStepDone is j after its step r (checked first: ErrImportState
// unless j is running with its step not done). Engines call it inside the
// transaction that writes the step.
func UploadStepDone(j UploadJob, r UploadResult) (UploadJob, error) {
	if err := CheckJobStep("upload "+j.ID, j.State, j.Cursor, 1, 0); err != nil {
		return j, err
	}
	switch r.Outcome {
	case UploadAdded, UploadUpdated, UploadRefused:
	default:
		return j, fmt.Errorf("upload %s outcome %q: %w", j.ID, r.Outcome, ErrInvalid)
	}
	j.Cursor, j.Started = 1, true
	j.Outcome, j.StoryID, j.Message = r.Outcome, r.StoryID, Truncate(r.Message, 1800)
	return j, nil
}

// CheckUploadStep is UploadStepDone's check alone: ErrImportState unless
// j's step is still to do. Engines call it before a long story write.
func CheckUploadStep(j UploadJob) error {
	return CheckJobStep("upload "+j.ID, j.State, j.Cursor, 1, 0)
}

// StartUpload is j taken by a runner; ErrImportState unless running.
func StartUpload(j UploadJob) (UploadJob, error) {
	if j.State != ImportRunning {
		return j, fmt.Errorf("upload %s is %s: %w", j.ID, j.State, ErrImportState)
	}
	j.Started = true
	return j, nil
}

// NewUpload is j as CreateUploadJob stores it: ID id of guild, running,
// its step not done.
func NewUpload(j UploadJob, guild, id string, now time.Time) UploadJob {
	j.ID, j.GuildID, j.State, j.Cursor, j.Started = id, guild, ImportRunning, 0, false
	j.Outcome, j.StoryID, j.Message, j.Notified, j.Finished = "", "", "", false, time.Time{}
	if j.Created.IsZero() {
		j.Created = now.UTC()
	}
	j.TokenAt = j.TokenAt.UTC()
	return j
}

// FinishUpload is j marked done at at (the first time) and notified when
// the member has been told, then without its token and its file's URL;
// ErrImportState unless its step ran.
func FinishUpload(j UploadJob, notified bool, at time.Time) (UploadJob, error) {
	if j.State != ImportRunning && j.State != ImportDone || j.Cursor < 1 {
		return j, fmt.Errorf("upload %s (cursor %d, %s): %w", j.ID, j.Cursor, j.State, ErrImportState)
	}
	j.State, j.Finished = ImportDone, finishedAt(j.State, j.Finished, at)
	j.Notified = j.Notified || notified
	if j.Notified {
		// The member was told: the token and the file's address are no
		// longer needed, and are not kept.
		j.Token = ""
		if j.File != nil {
			f := *j.File
			f.URL = ""
			j.File = &f
		}
	}
	return j, nil
}
