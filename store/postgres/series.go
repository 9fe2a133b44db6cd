package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"ficshelf/shelf"
)

// Series links (shelf.SeriesJobs), kept as reading-list imports are:
// series_jobs holds each job's head as JSON (open while it runs or its
// member is not told yet), series_job_works its works with their outcomes.
// SeriesStep locks the head's row, so a step is applied once however many
// processes try it. A story's series are also in stories.series_fold and
// series_ids (ListStories' series filter).

func loadSeriesJob(ctx context.Context, q querier, gid, id int64, lock bool) (shelf.SeriesJob, error) {
	sql := `SELECT doc FROM series_jobs WHERE guild = $1 AND id = $2`
	if lock {
		sql += ` FOR UPDATE`
	}
	var doc []byte
	if err := q.QueryRow(ctx, sql, gid, id).Scan(&doc); err != nil {
		return shelf.SeriesJob{}, notFound(err, "series job %d", id)
	}
	var j shelf.SeriesJob
	if err := json.Unmarshal(doc, &j); err != nil {
		return shelf.SeriesJob{}, fmt.Errorf("series job %d: %w", id, err)
	}
	return j, nil
}

func saveSeriesJob(ctx context.Context, tx pgx.Tx, gid, id int64, j shelf.SeriesJob) error {
	doc, err := json.Marshal(j)
	if err != nil {
		return err
	}
	open := j.State == shelf.ImportRunning || j.State == shelf.ImportDone && !j.Notified
	_, err = tx.Exec(ctx, `UPDATE series_jobs SET doc = $3, open = $4 WHERE guild = $1 AND id = $2`, gid, id, doc, open)
	return err
}

// CreateSeriesJob implements shelf.SeriesJobs.
func (s *Store) CreateSeriesJob(ctx context.Context, guild string, j shelf.SeriesJob) (shelf.SeriesJob, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.SeriesJob{}, fmt.Errorf("create series job: %w", err)
	}
	uid, err := parseID("user", j.UserID)
	if err != nil {
		return shelf.SeriesJob{}, fmt.Errorf("create series job: %w", err)
	}
	docs := make([][]byte, len(j.Works))
	ns := make([]int32, len(j.Works))
	for i, w := range j.Works {
		w.Outcome, w.StoryID, w.Failure = "", "", ""
		if docs[i], err = json.Marshal(w); err != nil {
			return shelf.SeriesJob{}, fmt.Errorf("create series job: %w", err)
		}
		ns[i] = int32(i)
	}
	var out shelf.SeriesJob
	err = s.tx(ctx, "create series job", func(tx pgx.Tx) error {
		id, err := nextID(ctx, tx, gid, "series_job")
		if err != nil {
			return err
		}
		h := j
		h.ID, h.GuildID, h.State, h.Total, h.Cursor, h.Works = fmtID(id), fmtID(gid), shelf.ImportRunning, len(docs), 0, nil
		h.Added, h.Linked, h.Unrevealed, h.Failed, h.Notified = 0, 0, 0, 0, false
		if h.Created.IsZero() {
			h.Created = time.Now().UTC()
		}
		doc, err := json.Marshal(h)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO series_jobs (guild, id, user_id, open, doc) VALUES ($1, $2, $3, true, $4)`, gid, id, uid, doc); err != nil {
			return err
		}
		if len(docs) > 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO series_job_works (guild, job, n, doc)
				SELECT $1, $2, n, d FROM unnest($3::integer[], $4::bytea[]) AS w(n, d)`, gid, id, ns, docs); err != nil {
				return err
			}
		}
		out = h
		return nil
	})
	if err != nil {
		return shelf.SeriesJob{}, err
	}
	return out, nil
}

// AddSeriesPage implements shelf.SeriesJobs.
func (s *Store) AddSeriesPage(ctx context.Context, guild, id string, page int, works []shelf.SeriesJobWork, lastPage int, listed bool) (shelf.SeriesJob, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.SeriesJob{}, fmt.Errorf("add series page: %w", err)
	}
	jid, err := parseID("series job", id)
	if err != nil {
		return shelf.SeriesJob{}, fmt.Errorf("add series page: %w", err)
	}
	docs := make([][]byte, len(works))
	for i, w := range works {
		w.Outcome, w.StoryID, w.Failure = "", "", ""
		if docs[i], err = json.Marshal(w); err != nil {
			return shelf.SeriesJob{}, fmt.Errorf("add series page: %w", err)
		}
	}
	var out shelf.SeriesJob
	err = s.tx(ctx, "add series page", func(tx pgx.Tx) error {
		j, err := loadSeriesJob(ctx, tx, gid, jid, true)
		if err != nil {
			return err
		}
		out = j
		first := j.Total
		if j, err = shelf.SeriesPageAdded(j, page, len(works), lastPage, listed); err != nil {
			return err
		}
		if len(docs) > 0 {
			ns := make([]int32, len(docs))
			for i := range ns {
				ns[i] = int32(first + i)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO series_job_works (guild, job, n, doc)
				SELECT $1, $2, n, d FROM unnest($3::integer[], $4::bytea[]) AS w(n, d)`, gid, jid, ns, docs); err != nil {
				return err
			}
		}
		out = j
		return saveSeriesJob(ctx, tx, gid, jid, j)
	})
	if err != nil {
		return out, err
	}
	return out, nil
}

// SeriesJob implements shelf.SeriesJobs.
func (s *Store) SeriesJob(ctx context.Context, guild, id string) (shelf.SeriesJob, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.SeriesJob{}, fmt.Errorf("series job: %w", err)
	}
	jid, err := parseID("series job", id)
	if err != nil {
		return shelf.SeriesJob{}, fmt.Errorf("series job: %w", err)
	}
	if s.closed.Load() {
		return shelf.SeriesJob{}, fmt.Errorf("series job: %w", shelf.ErrClosed)
	}
	j, err := loadSeriesJob(ctx, s.pool, gid, jid, false)
	if err != nil {
		return shelf.SeriesJob{}, fmt.Errorf("series job: %w", s.mapErr(err))
	}
	return j, nil
}

// SeriesJobWorks implements shelf.SeriesJobs.
func (s *Store) SeriesJobWorks(ctx context.Context, guild, id string, from, limit int) ([]shelf.SeriesJobWork, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return nil, fmt.Errorf("series job works: %w", err)
	}
	jid, err := parseID("series job", id)
	if err != nil {
		return nil, fmt.Errorf("series job works: %w", err)
	}
	if from < 0 || limit < 0 {
		return nil, fmt.Errorf("series job works: works %d+%d: %w", from, limit, shelf.ErrInvalid)
	}
	if s.closed.Load() {
		return nil, fmt.Errorf("series job works: %w", shelf.ErrClosed)
	}
	rows, err := s.pool.Query(ctx, `SELECT doc FROM series_job_works WHERE guild = $1 AND job = $2 AND n >= $3
		ORDER BY n LIMIT $4`, gid, jid, from, limit)
	if err != nil {
		return nil, fmt.Errorf("series job works: %w", s.mapErr(err))
	}
	defer rows.Close()
	var out []shelf.SeriesJobWork
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, fmt.Errorf("series job works: %w", err)
		}
		var w shelf.SeriesJobWork
		if err := json.Unmarshal(doc, &w); err != nil {
			return nil, fmt.Errorf("series job works: %w", err)
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("series job works: %w", s.mapErr(err))
	}
	return out, nil
}

// RunningSeriesJobs implements shelf.SeriesJobs.
func (s *Store) RunningSeriesJobs(ctx context.Context) ([]shelf.ImportRef, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("running series jobs: %w", shelf.ErrClosed)
	}
	rows, err := s.pool.Query(ctx, `SELECT guild, id FROM series_jobs WHERE open ORDER BY guild, id`)
	if err != nil {
		return nil, fmt.Errorf("running series jobs: %w", s.mapErr(err))
	}
	defer rows.Close()
	var out []shelf.ImportRef
	for rows.Next() {
		var gid, id int64
		if err := rows.Scan(&gid, &id); err != nil {
			return nil, fmt.Errorf("running series jobs: %w", err)
		}
		out = append(out, shelf.ImportRef{GuildID: fmtID(gid), ID: fmtID(id)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("running series jobs: %w", s.mapErr(err))
	}
	return out, nil
}

// SeriesStep implements shelf.SeriesJobs. Another process adding the same
// AO3 work meanwhile makes the unique index refuse the insert; the step is
// then tried again and links that story.
func (s *Store) SeriesStep(ctx context.Context, guild, id string, step int, in shelf.SeriesStepInput, at time.Time) (shelf.SeriesJob, error) {
	fail := func(err error) (shelf.SeriesJob, error) { return shelf.SeriesJob{}, fmt.Errorf("series step: %w", err) }
	gid, err := parseGuild(guild)
	if err != nil {
		return fail(err)
	}
	jid, err := parseID("series job", id)
	if err != nil {
		return fail(err)
	}
	ts := nanos(at)
	var out shelf.SeriesJob
	for attempt := 0; ; attempt++ {
		err = s.tx(ctx, "series step", func(tx pgx.Tx) error {
			j, err := loadSeriesJob(ctx, tx, gid, jid, true)
			if err != nil {
				return err
			}
			out = j
			if j.State != shelf.ImportRunning || j.Cursor != step || step >= j.Total {
				return fmt.Errorf("series job %d step %d (cursor %d, %s): %w", jid, step, j.Cursor, j.State, shelf.ErrImportState)
			}
			var doc []byte
			if err := tx.QueryRow(ctx, `SELECT doc FROM series_job_works WHERE guild = $1 AND job = $2 AND n = $3`, gid, jid, step).Scan(&doc); err != nil {
				return notFound(err, "work %d of series job %d", step, jid)
			}
			var w shelf.SeriesJobWork
			if err := json.Unmarshal(doc, &w); err != nil {
				return err
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
					return err
				}
				if owner != 0 {
					rec, err := loadStory(ctx, tx, gid, owner)
					if err != nil {
						return err
					}
					if refs, changed := shelf.MergeSeriesRef(rec.Story.SeriesRefs, j.Ref(w)); changed {
						rec.Story.SeriesRefs = refs
						if err := writeStoryMeta(ctx, tx, gid, owner, &rec.Story); err != nil {
							return err
						}
					}
					w.Outcome, w.StoryID = shelf.SeriesLinked, fmtID(owner)
					break
				}
				uid, err := parseID("user", j.UserID)
				if err != nil {
					return err
				}
				p, err := shelf.PrepareStory(st, nil)
				if err != nil {
					return err
				}
				sid, err := nextID(ctx, tx, gid, "stories")
				if err != nil {
					return err
				}
				if err := writeStory(ctx, tx, gid, sid, &p, uid, ts, false, false); err != nil {
					return err
				}
				w.Outcome, w.StoryID = shelf.SeriesAdded, fmtID(sid)
			}
			wdoc, err := json.Marshal(w)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE series_job_works SET doc = $4 WHERE guild = $1 AND job = $2 AND n = $3`, gid, jid, step, wdoc); err != nil {
				return err
			}
			j = shelf.CountSeriesStep(j, w.Outcome)
			out = j
			return saveSeriesJob(ctx, tx, gid, jid, j)
		})
		if attempt < 3 && pgCode(err) == "23505" {
			continue // the work was added concurrently: link it
		}
		break
	}
	if err != nil {
		return out, err
	}
	return out, nil
}

// FinishSeriesJob implements shelf.SeriesJobs.
func (s *Store) FinishSeriesJob(ctx context.Context, guild, id string, notified bool, at time.Time) (shelf.SeriesJob, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.SeriesJob{}, fmt.Errorf("finish series job: %w", err)
	}
	jid, err := parseID("series job", id)
	if err != nil {
		return shelf.SeriesJob{}, fmt.Errorf("finish series job: %w", err)
	}
	var out shelf.SeriesJob
	err = s.tx(ctx, "finish series job", func(tx pgx.Tx) error {
		j, err := loadSeriesJob(ctx, tx, gid, jid, true)
		if err != nil {
			return err
		}
		out = j
		if j.State != shelf.ImportRunning && j.State != shelf.ImportDone || j.Cursor < j.Total || !j.Listed {
			return fmt.Errorf("series job %d (cursor %d of %d, %s): %w", jid, j.Cursor, j.Total, j.State, shelf.ErrImportState)
		}
		j = shelf.FinishSeries(j, notified, at)
		out = j
		return saveSeriesJob(ctx, tx, gid, jid, j)
	})
	if err != nil {
		return out, err
	}
	return out, nil
}
