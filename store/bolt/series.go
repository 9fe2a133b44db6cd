package bolt

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bbolt "go.etcd.io/bbolt"

	"ficshelf/shelf"
)

// Series links (shelf.SeriesJobs), as reading-list imports are kept:
//
//	guilds/<guild u64>/
//	  series_jobs/       (sequence = last series job ID)
//	    <job u64> -> JSON SeriesJob head (state, cursor, counts)
//	  series_job_works/
//	    <job u64>|<work u64, 0-based> -> JSON SeriesJobWork (its outcome
//	                                     once its step ran)
//	series_jobs_running/                          (bucket; global)
//	  <guild u64>|<job u64> -> (empty)            (a job running, or done
//	                                                with its member not told)
//
// A story's series are also in its facets (ListStories' series filter).
var (
	bSeriesJobs     = []byte("series_jobs")
	bSeriesJobWorks = []byte("series_job_works")
	bucketSeriesRun = []byte("series_jobs_running")
)

// seriesMatch reports whether story id (facets f) is in a series matching
// the query; facets written before series links are read from the
// story's document.
func seriesMatch(g *guildTx, id uint64, f facets, text string, sid int64) (bool, error) {
	titles, ids := f.seriesTitles, f.seriesIDs
	if !f.hasSeries {
		doc, err := getStoryDoc(g, id)
		if err != nil {
			return false, err
		}
		titles, ids = shelf.SeriesFacets(doc.Story.SeriesRefs)
	}
	return shelf.SeriesMatch(titles, ids, text, sid), nil
}

func getSeriesJob(g *guildTx, id uint64) (shelf.SeriesJob, error) {
	v := g.get(bSeriesJobs, u64(id))
	if v == nil {
		return shelf.SeriesJob{}, fmt.Errorf("series job %d: %w", id, shelf.ErrNotFound)
	}
	var j shelf.SeriesJob
	if err := json.Unmarshal(v, &j); err != nil {
		return shelf.SeriesJob{}, fmt.Errorf("series job %d: %w", id, err)
	}
	return j, nil
}

func putSeriesJob(g *guildTx, id uint64, j shelf.SeriesJob) error {
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	if err := g.bucket(bSeriesJobs).Put(u64(id), b); err != nil {
		return err
	}
	rb, err := g.tx.CreateBucketIfNotExists(bucketSeriesRun)
	if err != nil {
		return err
	}
	if j.State == shelf.ImportRunning || j.State == shelf.ImportDone && !j.Notified {
		return rb.Put(key(g.guild, id), nil)
	}
	return rb.Delete(key(g.guild, id))
}

func putSeriesWork(g *guildTx, id uint64, n int, w shelf.SeriesJobWork) error {
	b, err := json.Marshal(w)
	if err != nil {
		return err
	}
	return g.bucket(bSeriesJobWorks).Put(key(id, uint64(n)), b)
}

// CreateSeriesJob implements shelf.SeriesJobs.
func (s *Store) CreateSeriesJob(ctx context.Context, guild string, j shelf.SeriesJob) (shelf.SeriesJob, error) {
	var out shelf.SeriesJob
	err := func() error {
		if _, err := shelf.ParseID("user", j.UserID); err != nil {
			return err
		}
		return s.update(ctx, guild, func(g *guildTx) error {
			id, err := g.bucket(bSeriesJobs).NextSequence()
			if err != nil {
				return err
			}
			works := j.Works
			h := j
			h.ID, h.GuildID, h.State, h.Total, h.Cursor, h.Works = shelf.FormatID(id), shelf.FormatID(g.guild), shelf.ImportRunning, len(works), 0, nil
			h.Added, h.Linked, h.Unrevealed, h.Failed, h.Notified = 0, 0, 0, 0, false
			if h.Created.IsZero() {
				h.Created = time.Now().UTC()
			}
			for i, w := range works {
				w.Outcome, w.StoryID, w.Failure = "", "", ""
				if err := putSeriesWork(g, id, i, w); err != nil {
					return err
				}
			}
			if err := putSeriesJob(g, id, h); err != nil {
				return err
			}
			out = h
			return nil
		})
	}()
	if err != nil {
		return shelf.SeriesJob{}, fmt.Errorf("create series job: %w", err)
	}
	return out, nil
}

// AddSeriesPage implements shelf.SeriesJobs.
func (s *Store) AddSeriesPage(ctx context.Context, guild, id string, page int, works []shelf.SeriesJobWork, lastPage int, listed bool) (shelf.SeriesJob, error) {
	var out shelf.SeriesJob
	err := func() error {
		jid, err := shelf.ParseID("series job", id)
		if err != nil {
			return err
		}
		return s.update(ctx, guild, func(g *guildTx) error {
			j, err := getSeriesJob(g, jid)
			if err != nil {
				return err
			}
			out = j
			first := j.Total
			if j, err = shelf.SeriesPageAdded(j, page, len(works), lastPage, listed); err != nil {
				return err
			}
			for i, w := range works {
				w.Outcome, w.StoryID, w.Failure = "", "", ""
				if err := putSeriesWork(g, jid, first+i, w); err != nil {
					return err
				}
			}
			if err := putSeriesJob(g, jid, j); err != nil {
				return err
			}
			out = j
			return nil
		})
	}()
	if err != nil {
		return out, fmt.Errorf("add series page: %w", err)
	}
	return out, nil
}

// SeriesJob implements shelf.SeriesJobs.
func (s *Store) SeriesJob(ctx context.Context, guild, id string) (shelf.SeriesJob, error) {
	var out shelf.SeriesJob
	err := func() error {
		jid, err := shelf.ParseID("series job", id)
		if err != nil {
			return err
		}
		return s.view(ctx, guild, func(g *guildTx) error {
			out, err = getSeriesJob(g, jid)
			return err
		})
	}()
	if err != nil {
		return shelf.SeriesJob{}, fmt.Errorf("series job: %w", err)
	}
	return out, nil
}

// SeriesJobWorks implements shelf.SeriesJobs.
func (s *Store) SeriesJobWorks(ctx context.Context, guild, id string, from, limit int) ([]shelf.SeriesJobWork, error) {
	var out []shelf.SeriesJobWork
	err := func() error {
		jid, err := shelf.ParseID("series job", id)
		if err != nil {
			return err
		}
		if from < 0 || limit < 0 {
			return fmt.Errorf("works %d+%d: %w", from, limit, shelf.ErrInvalid)
		}
		return s.view(ctx, guild, func(g *guildTx) error {
			out = nil
			b := g.bucket(bSeriesJobWorks)
			if b == nil {
				return nil
			}
			c := b.Cursor()
			for k, v := c.Seek(key(jid, uint64(from))); k != nil && len(k) == 16 && readU64(k, 0) == jid && len(out) < limit; k, v = c.Next() {
				var w shelf.SeriesJobWork
				if err := json.Unmarshal(v, &w); err != nil {
					return err
				}
				out = append(out, w)
			}
			return nil
		})
	}()
	if err != nil {
		return nil, fmt.Errorf("series job works: %w", err)
	}
	return out, nil
}

// RunningSeriesJobs implements shelf.SeriesJobs.
func (s *Store) RunningSeriesJobs(ctx context.Context) ([]shelf.ImportRef, error) {
	var out []shelf.ImportRef
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	err := s.db.View(func(tx *bbolt.Tx) error {
		out = nil
		return forEachPrefix(tx.Bucket(bucketSeriesRun), nil, func(k, _ []byte) error {
			if len(k) == 16 {
				out = append(out, shelf.ImportRef{GuildID: shelf.FormatID(readU64(k, 0)), ID: shelf.FormatID(readU64(k, 1))})
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("running series jobs: %w", engineErr(err))
	}
	return out, nil
}

// SeriesStep implements shelf.SeriesJobs.
func (s *Store) SeriesStep(ctx context.Context, guild, id string, step int, in shelf.SeriesStepInput, at time.Time) (shelf.SeriesJob, error) {
	var out shelf.SeriesJob
	err := func() error {
		jid, err := shelf.ParseID("series job", id)
		if err != nil {
			return err
		}
		return s.update(ctx, guild, func(g *guildTx) error {
			j, err := getSeriesJob(g, jid)
			if err != nil {
				return err
			}
			out = j
			if j.State != shelf.ImportRunning || j.Cursor != step || step >= j.Total {
				return fmt.Errorf("series job %d step %d (cursor %d, %s): %w", jid, step, j.Cursor, j.State, shelf.ErrImportState)
			}
			v := g.get(bSeriesJobWorks, key(jid, uint64(step)))
			if v == nil {
				return fmt.Errorf("series job %d: no work %d", jid, step)
			}
			var w shelf.SeriesJobWork
			if err := json.Unmarshal(v, &w); err != nil {
				return err
			}
			w.Outcome, w.Failure = shelf.SeriesFailed, in.Failure
			st := shelf.SeriesStory(j, w, in)
			switch {
			case w.Unrevealed:
				w.Outcome = shelf.SeriesUnrevealed
			case in.Failure != "":
			default:
				if st.AO3ID > 0 {
					if ev := g.get(bAO3, u64(uint64(st.AO3ID))); len(ev) == 8 {
						sid := readU64(ev, 0)
						doc, err := getStoryDoc(g, sid)
						if err != nil {
							return err
						}
						if refs, changed := shelf.MergeSeriesRef(doc.Story.SeriesRefs, j.Ref(w)); changed {
							doc.Story.SeriesRefs = refs
							if err := writeStoryMeta(g, sid, &doc); err != nil {
								return err
							}
						}
						w.Outcome, w.StoryID = shelf.SeriesLinked, shelf.FormatID(sid)
						break
					}
				}
				uid, err := shelf.ParseID("user", j.UserID)
				if err != nil {
					return err
				}
				doc, recs, err := prepare(st, nil)
				if err != nil {
					return err
				}
				doc.AddedBy, doc.AddedAt = uid, nanos(at)
				sid, err := g.bucket(bStories).NextSequence()
				if err != nil {
					return err
				}
				if err := writeStory(g, sid, &doc, recs, counts{}); err != nil {
					return err
				}
				w.Outcome, w.StoryID = shelf.SeriesAdded, shelf.FormatID(sid)
			}
			if err := putSeriesWork(g, jid, step, w); err != nil {
				return err
			}
			j = shelf.CountSeriesStep(j, w.Outcome)
			if err := putSeriesJob(g, jid, j); err != nil {
				return err
			}
			out = j
			return nil
		})
	}()
	if err != nil {
		return out, fmt.Errorf("series step: %w", err)
	}
	return out, nil
}

// FinishSeriesJob implements shelf.SeriesJobs.
func (s *Store) FinishSeriesJob(ctx context.Context, guild, id string, notified bool, at time.Time) (shelf.SeriesJob, error) {
	var out shelf.SeriesJob
	err := func() error {
		jid, err := shelf.ParseID("series job", id)
		if err != nil {
			return err
		}
		return s.update(ctx, guild, func(g *guildTx) error {
			j, err := getSeriesJob(g, jid)
			if err != nil {
				return err
			}
			out = j
			if j.State != shelf.ImportRunning && j.State != shelf.ImportDone || j.Cursor < j.Total || !j.Listed {
				return fmt.Errorf("series job %d (cursor %d of %d, %s): %w", jid, j.Cursor, j.Total, j.State, shelf.ErrImportState)
			}
			j = shelf.FinishSeries(j, notified, at)
			if err := putSeriesJob(g, jid, j); err != nil {
				return err
			}
			out = j
			return nil
		})
	}()
	if err != nil {
		return out, fmt.Errorf("finish series job: %w", err)
	}
	return out, nil
}

// deleteMemberSeriesJobs removes every series job of user with its works
// (DeleteMember); the stories they added stay.
func deleteMemberSeriesJobs(g *guildTx, uid uint64) error {
	user := shelf.FormatID(uid)
	var ids []uint64
	err := forEachPrefix(g.bucket(bSeriesJobs), nil, func(k, v []byte) error {
		var j shelf.SeriesJob
		if err := json.Unmarshal(v, &j); err != nil {
			return err
		}
		if j.UserID == user {
			ids = append(ids, readU64(k, 0))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := deletePrefix(g.bucket(bSeriesJobWorks), u64(id)); err != nil {
			return err
		}
		if err := g.bucket(bSeriesJobs).Delete(u64(id)); err != nil {
			return err
		}
		if rb := g.tx.Bucket(bucketSeriesRun); rb != nil {
			if err := rb.Delete(key(g.guild, id)); err != nil {
				return err
			}
		}
	}
	return nil
}
