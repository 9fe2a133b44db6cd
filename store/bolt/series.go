package bolt

import (
	"context"
	"time"

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
var seriesJobs = jobTable[shelf.SeriesJob, shelf.SeriesJobWork]{what: "series job", heads: []byte("series_jobs"), works: []byte("series_job_works"), running: []byte("series_jobs_running"), prunable: []byte("series_jobs_told")}

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

// CreateSeriesJob implements shelf.SeriesJobs.
func (s *Store) CreateSeriesJob(ctx context.Context, guild string, j shelf.SeriesJob) (shelf.SeriesJob, error) {
	return seriesJobs.create(s, ctx, "create series job", guild, j.UserID, func(g *guildTx, id uint64) (shelf.SeriesJob, []shelf.SeriesJobWork, error) {
		works := make([]shelf.SeriesJobWork, len(j.Works))
		for i, w := range j.Works {
			w.Outcome, w.StoryID, w.Failure = "", "", ""
			works[i] = w
		}
		h := j
		h.ID, h.GuildID, h.State, h.Total, h.Cursor, h.Works = shelf.FormatID(id), shelf.FormatID(g.guild), shelf.ImportRunning, len(works), 0, nil
		h.Added, h.Linked, h.Unrevealed, h.Failed, h.Notified = 0, 0, 0, 0, false
		if h.Created.IsZero() {
			h.Created = time.Now().UTC()
		}
		return h, works, nil
	})
}

// AddSeriesPage implements shelf.SeriesJobs.
func (s *Store) AddSeriesPage(ctx context.Context, guild, id string, page int, works []shelf.SeriesJobWork, lastPage int, listed bool) (shelf.SeriesJob, error) {
	return seriesJobs.write(s, ctx, "add series page", guild, id, func(g *guildTx, jid uint64, j shelf.SeriesJob) (shelf.SeriesJob, error) {
		first := j.Total
		j, err := shelf.SeriesPageAdded(j, page, len(works), lastPage, listed)
		if err != nil {
			return j, err
		}
		for i, w := range works {
			w.Outcome, w.StoryID, w.Failure = "", "", ""
			if err := seriesJobs.putWork(g, jid, first+i, w); err != nil {
				return j, err
			}
		}
		return j, seriesJobs.put(g, jid, j)
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

// SeriesStep implements shelf.SeriesJobs.
func (s *Store) SeriesStep(ctx context.Context, guild, id string, step int, in shelf.SeriesStepInput, at time.Time) (shelf.SeriesJob, error) {
	return seriesJobs.write(s, ctx, "series step", guild, id, func(g *guildTx, jid uint64, j shelf.SeriesJob) (shelf.SeriesJob, error) {
		if err := shelf.CheckJobStep("series job "+j.ID, j.State, j.Cursor, j.Total, step); err != nil {
			return j, err
		}
		w, err := seriesJobs.getWork(g, jid, step)
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
			if st.AO3ID > 0 {
				if ev := g.get(bAO3, u64(uint64(st.AO3ID))); len(ev) == 8 {
					sid := readU64(ev, 0)
					doc, err := getStoryDoc(g, sid)
					if err != nil {
						return j, err
					}
					if refs, changed := shelf.MergeSeriesRef(doc.Story.SeriesRefs, j.Ref(w)); changed {
						doc.Story.SeriesRefs = refs
						if err := writeStoryMeta(g, sid, &doc); err != nil {
							return j, err
						}
					}
					w.Outcome, w.StoryID = shelf.SeriesLinked, shelf.FormatID(sid)
					break
				}
			}
			uid, err := shelf.ParseID("user", j.UserID)
			if err != nil {
				return j, err
			}
			doc, recs, err := prepare(st, nil)
			if err != nil {
				return j, err
			}
			doc.AddedBy, doc.AddedAt = uid, nanos(at)
			sid, err := g.bucket(bStories).NextSequence()
			if err != nil {
				return j, err
			}
			if err := writeStory(g, sid, &doc, recs, counts{}); err != nil {
				return j, err
			}
			w.Outcome, w.StoryID = shelf.SeriesAdded, shelf.FormatID(sid)
		}
		if err := seriesJobs.putWork(g, jid, step, w); err != nil {
			return j, err
		}
		j = shelf.CountSeriesStep(j, w.Outcome)
		return j, seriesJobs.put(g, jid, j)
	})
}

// FinishSeriesJob implements shelf.SeriesJobs.
func (s *Store) FinishSeriesJob(ctx context.Context, guild, id string, notified bool, at time.Time) (shelf.SeriesJob, error) {
	return seriesJobs.finish(s, ctx, "finish series job", guild, id, false, func(j shelf.SeriesJob) (shelf.SeriesJob, error) { // its works stay for the final answer
		return shelf.FinishSeries(j, notified, at)
	})
}

// deleteMemberSeriesJobs removes every series job of user with its works
// (DeleteMember); the stories they added stay.
func deleteMemberSeriesJobs(g *guildTx, uid uint64) error { return seriesJobs.deleteMember(g, uid) }
