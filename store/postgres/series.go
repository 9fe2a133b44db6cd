package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"ficshelf/shelf"
)

// Series links (shelf.SeriesJobs), kept as reading-list imports are: a
// jobTable (jobtable.go) of series_jobs and series_job_works (the works
// with their outcomes). A story's series are also in stories.series_fold and
// series_ids (ListStories' series filter).

// seriesJobs is where series jobs are kept.
var seriesJobs = jobTable[shelf.SeriesJob, shelf.SeriesJobWork]{what: "series job", heads: "series_jobs", works: "series_job_works", seq: "series_job"}

// newSeriesWorks are works as a job stores them before their steps: no
// outcome yet.
func newSeriesWorks(works []shelf.SeriesJobWork) []shelf.SeriesJobWork {
	out := make([]shelf.SeriesJobWork, len(works))
	for i, w := range works {
		w.Outcome, w.StoryID, w.Failure = "", "", ""
		out[i] = w
	}
	return out
}

// CreateSeriesJob implements shelf.SeriesJobs.
func (s *Store) CreateSeriesJob(ctx context.Context, guild string, j shelf.SeriesJob) (shelf.SeriesJob, error) {
	return seriesJobs.create(s, ctx, "create series job", guild, j.UserID, func(tx pgx.Tx, gid, id int64) (shelf.SeriesJob, []shelf.SeriesJobWork, error) {
		// The process running series links (maybe another) hears of the
		// job at the commit of this transaction, which stores it
		// (notices.go); a rollback tells nothing.
		if err := notifyJobs(ctx, tx, shelf.JobNoticeSeries); err != nil {
			return j, nil, err
		}
		h := j
		h.ID, h.GuildID, h.State, h.Total, h.Cursor, h.Works = fmtID(id), fmtID(gid), shelf.ImportRunning, len(j.Works), 0, nil
		h.Added, h.Linked, h.Unrevealed, h.Failed, h.Notified = 0, 0, 0, 0, false
		if h.Created.IsZero() {
			h.Created = time.Now().UTC()
		}
		return h, newSeriesWorks(j.Works), nil
	})
}

// AddSeriesPage implements shelf.SeriesJobs.
func (s *Store) AddSeriesPage(ctx context.Context, guild, id string, page int, works []shelf.SeriesJobWork, lastPage int, listed bool) (shelf.SeriesJob, error) {
	return seriesJobs.write(s, ctx, "add series page", guild, id, func(tx pgx.Tx, gid, jid int64, j shelf.SeriesJob) (shelf.SeriesJob, error) {
		first := j.Total
		j, err := shelf.SeriesPageAdded(j, page, len(works), lastPage, listed)
		if err != nil {
			return j, err
		}
		if err := seriesJobs.addWorks(ctx, tx, gid, jid, first, newSeriesWorks(works)); err != nil {
			return j, err
		}
		return j, seriesJobs.save(ctx, tx, gid, jid, j)
	})
}

// SeriesJob implements shelf.SeriesJobs.
func (s *Store) SeriesJob(ctx context.Context, guild, id string) (shelf.SeriesJob, error) {
	return seriesJobs.job(s, ctx, "series job", guild, id)
}

// SeriesJobWorks implements shelf.SeriesJobs.
func (s *Store) SeriesJobWorks(ctx context.Context, guild, id string, from, limit int) ([]shelf.SeriesJobWork, error) {
	return seriesJobs.pageWorks(s, ctx, "series job works", guild, id, from, limit)
}

// RunningSeriesJobs implements shelf.SeriesJobs.
func (s *Store) RunningSeriesJobs(ctx context.Context) ([]shelf.ImportRef, error) {
	return seriesJobs.runningJobs(s, ctx, "running series jobs")
}

// SeriesStep implements shelf.SeriesJobs. Another process adding the same
// AO3 work meanwhile makes the unique index refuse the insert; the step is
// then tried again and links that story.
func (s *Store) SeriesStep(ctx context.Context, guild, id string, step int, in shelf.SeriesStepInput, at time.Time) (shelf.SeriesJob, error) {
	ts := nanos(at)
	for attempt := 0; ; attempt++ {
		out, err := seriesJobs.write(s, ctx, "series step", guild, id, func(tx pgx.Tx, gid, jid int64, j shelf.SeriesJob) (shelf.SeriesJob, error) {
			if err := shelf.CheckJobStep("series job "+j.ID, j.State, j.Cursor, j.Total, step); err != nil {
				return j, err
			}
			w, err := seriesJobs.getWork(ctx, tx, gid, jid, step)
			if err != nil {
				return j, err
			}
			w.Outcome, w.Failure = shelf.SeriesFailed, in.Failure
			st := shelf.SeriesStory(j, w, in)
			switch {
			case w.Unrevealed:
				w.Outcome = shelf.SeriesUnrevealed
			case in.Failure != "":
			default:
				owner, err := ao3Owner(ctx, tx, gid, st.AO3ID)
				if err != nil {
					return j, err
				}
				if owner != 0 {
					rec, err := loadStory(ctx, tx, gid, owner)
					if err != nil {
						return j, err
					}
					if refs, changed := shelf.MergeSeriesRef(rec.Story.SeriesRefs, j.Ref(w)); changed {
						rec.Story.SeriesRefs = refs
						if err := writeStoryMeta(ctx, tx, gid, owner, &rec.Story); err != nil {
							return j, err
						}
					}
					w.Outcome, w.StoryID = shelf.SeriesLinked, fmtID(owner)
					break
				}
				uid, err := parseID("user", j.UserID)
				if err != nil {
					return j, err
				}
				p, err := shelf.PrepareStory(st, nil)
				if err != nil {
					return j, err
				}
				sid, err := nextID(ctx, tx, gid, "stories")
				if err != nil {
					return j, err
				}
				if err := writeStory(ctx, tx, gid, sid, &p, uid, ts, false, false); err != nil {
					return j, err
				}
				w.Outcome, w.StoryID = shelf.SeriesAdded, fmtID(sid)
			}
			if err := seriesJobs.setWork(ctx, tx, gid, jid, step, w); err != nil {
				return j, err
			}
			j = shelf.CountSeriesStep(j, w.Outcome)
			return j, seriesJobs.save(ctx, tx, gid, jid, j)
		})
		if attempt < 3 && pgCode(err) == "23505" {
			continue // the work was added concurrently: link it
		}
		return out, err
	}
}

// FinishSeriesJob implements shelf.SeriesJobs.
func (s *Store) FinishSeriesJob(ctx context.Context, guild, id string, notified bool, at time.Time) (shelf.SeriesJob, error) {
	return seriesJobs.finish(s, ctx, "finish series job", guild, id, false, func(j shelf.SeriesJob) (shelf.SeriesJob, error) { // its works stay for the final answer
		return shelf.FinishSeries(j, notified, at)
	})
}
