package bolt

import (
	"context"
	"fmt"
	"slices"
	"time"

	"ficshelf/shelf"
)

// The reading log (shelf.ReadingLog), beside the entries in lists/:
//
//	list_finished/
//	  <user u64>|<story u64> -> i64 unix ns the entry became finished
//	progress/
//	  <user u64>|<i64 unix ns>|<story u64> -> (empty)  (one progress event)
var (
	bListFinished = []byte("list_finished")
	bProgress     = []byte("progress")
)

// logListChange keeps the reading log for an entry written in g's
// transaction: prev is the entry before (nil for a new one), rec the entry
// now. Without logProgress (an import) nothing is logged and a newly
// finished entry gets no finishing time.
func logListChange(g *guildTx, uid, sid uint64, prev *listRec, rec listRec, logProgress bool) error {
	k := key(uid, sid)
	finished := rec.status == string(shelf.StatusFinished)
	wasFinished := prev != nil && prev.status == string(shelf.StatusFinished)
	switch {
	case !finished:
		if g.get(bListFinished, k) != nil {
			if err := g.bucket(bListFinished).Delete(k); err != nil {
				return err
			}
		}
	case !wasFinished && logProgress:
		if err := g.bucket(bListFinished).Put(k, i64(rec.updated)); err != nil {
			return err
		}
	}
	if !logProgress {
		return nil
	}
	changed := prev == nil && (rec.status != string(shelf.StatusToRead) || rec.chapter > 0) ||
		prev != nil && (prev.status != rec.status || prev.chapter != rec.chapter)
	if !changed {
		return nil
	}
	return g.bucket(bProgress).Put(key(uid, uint64(rec.updated), sid), nil)
}

// forgetFinished drops an entry's finishing time (the entry is removed).
func forgetFinished(g *guildTx, uid, sid uint64) error {
	if g.get(bListFinished, key(uid, sid)) == nil {
		return nil
	}
	return g.bucket(bListFinished).Delete(key(uid, sid))
}

// deleteReadingLog removes user's progress events, finishing times and
// import jobs (for DeleteMember).
func deleteReadingLog(g *guildTx, uid uint64) error {
	if _, err := deletePrefix(g.bucket(bProgress), u64(uid)); err != nil {
		return err
	}
	if _, err := deletePrefix(g.bucket(bListFinished), u64(uid)); err != nil {
		return err
	}
	if err := deleteMemberSeriesJobs(g, uid); err != nil { // series.go
		return err
	}
	if err := deleteMemberUploads(g, uid); err != nil { // uploads.go
		return err
	}
	return deleteMemberImports(g, uid)
}

// ReadingActivity implements shelf.ReadingLog.
func (s *Store) ReadingActivity(ctx context.Context, guild, user string, from, to time.Time) (shelf.ReadingActivity, error) {
	var out shelf.ReadingActivity
	err := func() error {
		uid, err := shelf.ParseID("user", user)
		if err != nil {
			return err
		}
		lo, hi := from.UnixNano(), to.UnixNano()
		in := func(ns int64) bool { return ns >= lo && ns < hi }
		return s.view(ctx, guild, func(g *guildTx) error {
			out = shelf.ReadingActivity{}
			err := forEachPrefix(g.bucket(bListFinished), u64(uid), func(k, v []byte) error {
				if ns := readI64(v); in(ns) {
					out.Finished = append(out.Finished, shelf.FinishedEntry{StoryID: shelf.FormatID(readU64(k, 1)), At: fromNanos(ns)})
				}
				return nil
			})
			if err != nil {
				return err
			}
			if b := g.bucket(bProgress); b != nil {
				c := b.Cursor()
				start := key(uid, uint64(max(lo, 0)))
				for k, _ := c.Seek(start); k != nil && len(k) == 24 && readU64(k, 0) == uid; k, _ = c.Next() {
					ns := int64(readU64(k, 1))
					if ns >= hi {
						break
					}
					if in(ns) {
						out.Progress = append(out.Progress, fromNanos(ns))
					}
				}
			}
			err = forEachPrefix(g.bucket(bKudosByUser), u64(uid), func(_, v []byte) error {
				if ns := readI64(v); in(ns) {
					out.Kudos = append(out.Kudos, fromNanos(ns))
				}
				return nil
			})
			if err != nil {
				return err
			}
			sortFinished(out.Finished)
			sortTimes(out.Kudos)
			return nil
		})
	}()
	if err != nil {
		return shelf.ReadingActivity{}, fmt.Errorf("reading activity: %w", err)
	}
	return out, nil
}

func sortFinished(fs []shelf.FinishedEntry) {
	slices.SortStableFunc(fs, func(a, b shelf.FinishedEntry) int { return a.At.Compare(b.At) })
}

func sortTimes(ts []time.Time) {
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
}

// dumpProgress emits the guild's progress events (Copier).
func dumpProgress(g *guildTx, emit func(shelf.Item) error) error {
	return forEachPrefix(g.bucket(bProgress), nil, func(k, _ []byte) error {
		if len(k) != 24 {
			return nil
		}
		return emit(shelf.Item{Progress: &shelf.ProgressItem{UserID: shelf.FormatID(readU64(k, 0)),
			At: fromNanos(int64(readU64(k, 1))), StoryID: shelf.FormatID(readU64(k, 2))}})
	})
}

// loadProgress writes one progress event (Copier); its story may be gone.
func loadProgress(g *guildTx, p *shelf.ProgressItem) error {
	uid, err := shelf.ParseID("user", p.UserID)
	if err != nil {
		return err
	}
	sid, err := parseStoryID(p.StoryID)
	if err != nil {
		return err
	}
	return g.bucket(bProgress).Put(key(uid, uint64(p.At.UnixNano()), sid), nil)
}
