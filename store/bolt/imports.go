package bolt

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bbolt "go.etcd.io/bbolt"

	"ficshelf/shelf"
)

// Reading-list imports (shelf.Imports):
//
//	guilds/<guild u64>/
//	  imports/       (sequence = last import ID)
//	    <import u64> -> JSON ImportJob head (state, cursor, counts)
//	  import_works/
//	    <import u64>|<work u64, 0-based> -> JSON ImportWork
//	imports_running/                          (bucket; global)
//	  <guild u64>|<import u64> -> (empty)     (a job running, or done with
//	                                            its member not told yet)
var (
	bImports        = []byte("imports")
	bImportWorks    = []byte("import_works")
	bucketImportRun = []byte("imports_running")
)

// LibraryKeys implements shelf.Imports.
func (s *Store) LibraryKeys(ctx context.Context, guild string) ([]shelf.LibraryKey, error) {
	var out []shelf.LibraryKey
	err := s.view(ctx, guild, func(g *guildTx) error {
		out = nil
		ao3 := map[uint64]int64{}
		if err := forEachPrefix(g.bucket(bAO3), nil, func(k, v []byte) error {
			if len(v) == 8 {
				ao3[readU64(v, 0)] = int64(readU64(k, 0))
			}
			return nil
		}); err != nil {
			return err
		}
		return forEachPrefix(g.bucket(bHeads), nil, func(k, v []byte) error {
			h, err := decodeHead(v)
			if err != nil {
				return err
			}
			sid := readU64(k, 0)
			out = append(out, shelf.LibraryKey{StoryID: shelf.FormatID(sid), AO3ID: ao3[sid], Title: h.title, Authors: h.authors})
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("library keys: %w", err)
	}
	return out, nil
}

func getImport(g *guildTx, id uint64) (shelf.ImportJob, error) {
	v := g.get(bImports, u64(id))
	if v == nil {
		return shelf.ImportJob{}, fmt.Errorf("import %d: %w", id, shelf.ErrNotFound)
	}
	var j shelf.ImportJob
	if err := json.Unmarshal(v, &j); err != nil {
		return shelf.ImportJob{}, fmt.Errorf("import %d: %w", id, err)
	}
	return j, nil
}

func putImport(g *guildTx, id uint64, j shelf.ImportJob) error {
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	return g.bucket(bImports).Put(u64(id), b)
}

func setImportRunning(g *guildTx, id uint64, running bool) error {
	b, err := g.tx.CreateBucketIfNotExists(bucketImportRun)
	if err != nil {
		return err
	}
	if running {
		return b.Put(key(g.guild, id), nil)
	}
	return b.Delete(key(g.guild, id))
}

// CreateImportJob implements shelf.Imports.
func (s *Store) CreateImportJob(ctx context.Context, guild string, j shelf.ImportJob) (shelf.ImportJob, error) {
	var out shelf.ImportJob
	err := func() error {
		if _, err := shelf.ParseID("user", j.UserID); err != nil {
			return err
		}
		return s.update(ctx, guild, func(g *guildTx) error {
			if err := cancelPreviews(g, j.UserID); err != nil {
				return err
			}
			id, err := g.bucket(bImports).NextSequence()
			if err != nil {
				return err
			}
			works := j.Works
			j.ID, j.GuildID, j.State, j.Total, j.Cursor = shelf.FormatID(id), shelf.FormatID(g.guild), shelf.ImportPreview, len(works), 0
			j.Works = nil
			if err := putImport(g, id, j); err != nil {
				return err
			}
			for i, w := range works {
				b, err := json.Marshal(w)
				if err != nil {
					return err
				}
				if err := g.bucket(bImportWorks).Put(key(id, uint64(i)), b); err != nil {
					return err
				}
			}
			out = j
			return nil
		})
	}()
	if err != nil {
		return shelf.ImportJob{}, fmt.Errorf("create import job: %w", err)
	}
	return out, nil
}

// ImportJob implements shelf.Imports.
func (s *Store) ImportJob(ctx context.Context, guild, id string) (shelf.ImportJob, error) {
	var out shelf.ImportJob
	err := func() error {
		iid, err := shelf.ParseID("import", id)
		if err != nil {
			return err
		}
		return s.view(ctx, guild, func(g *guildTx) error {
			out, err = getImport(g, iid)
			return err
		})
	}()
	if err != nil {
		return shelf.ImportJob{}, fmt.Errorf("import job: %w", err)
	}
	return out, nil
}

// ImportWorks implements shelf.Imports.
func (s *Store) ImportWorks(ctx context.Context, guild, id string, from, limit int) ([]shelf.ImportWork, error) {
	var out []shelf.ImportWork
	err := func() error {
		iid, err := shelf.ParseID("import", id)
		if err != nil {
			return err
		}
		if from < 0 || limit < 0 {
			return fmt.Errorf("works %d+%d: %w", from, limit, shelf.ErrInvalid)
		}
		return s.view(ctx, guild, func(g *guildTx) error {
			out = nil
			b := g.bucket(bImportWorks)
			if b == nil {
				return nil
			}
			c := b.Cursor()
			for k, v := c.Seek(key(iid, uint64(from))); k != nil && len(k) == 16 && readU64(k, 0) == iid && len(out) < limit; k, v = c.Next() {
				var w shelf.ImportWork
				if err := json.Unmarshal(v, &w); err != nil {
					return err
				}
				out = append(out, w)
			}
			return nil
		})
	}()
	if err != nil {
		return nil, fmt.Errorf("import works: %w", err)
	}
	return out, nil
}

// StartImportJob implements shelf.Imports.
func (s *Store) StartImportJob(ctx context.Context, guild, id, user, appID, token string, tokenAt time.Time) (shelf.ImportJob, error) {
	var out shelf.ImportJob
	err := func() error {
		iid, err := shelf.ParseID("import", id)
		if err != nil {
			return err
		}
		return s.update(ctx, guild, func(g *guildTx) error {
			j, err := getImport(g, iid)
			if err != nil {
				return err
			}
			if j.UserID != user {
				return fmt.Errorf("import %d of another member: %w", iid, shelf.ErrNotFound)
			}
			if j.State != shelf.ImportPreview {
				out = j
				return fmt.Errorf("import %d is %s: %w", iid, j.State, shelf.ErrImportState)
			}
			j.State, j.AppID, j.Token, j.TokenAt = shelf.ImportRunning, appID, token, tokenAt.UTC()
			if err := putImport(g, iid, j); err != nil {
				return err
			}
			out = j
			return setImportRunning(g, iid, true)
		})
	}()
	if err != nil {
		return out, fmt.Errorf("start import job: %w", err)
	}
	return out, nil
}

// CancelImportJob implements shelf.Imports.
func (s *Store) CancelImportJob(ctx context.Context, guild, id, user string) error {
	err := func() error {
		iid, err := shelf.ParseID("import", id)
		if err != nil {
			return err
		}
		return s.update(ctx, guild, func(g *guildTx) error {
			j, err := getImport(g, iid)
			if err != nil {
				return err
			}
			if j.UserID != user {
				return fmt.Errorf("import %d of another member: %w", iid, shelf.ErrNotFound)
			}
			if j.State == shelf.ImportCancelled {
				return nil
			}
			if j.State != shelf.ImportPreview {
				return fmt.Errorf("import %d is %s: %w", iid, j.State, shelf.ErrImportState)
			}
			j.State = shelf.ImportCancelled
			if _, err := deletePrefix(g.bucket(bImportWorks), u64(iid)); err != nil {
				return err
			}
			return putImport(g, iid, j)
		})
	}()
	if err != nil {
		return fmt.Errorf("cancel import job: %w", err)
	}
	return nil
}

// RunningImportJobs implements shelf.Imports.
func (s *Store) RunningImportJobs(ctx context.Context) ([]shelf.ImportRef, error) {
	var out []shelf.ImportRef
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	err := s.db.View(func(tx *bbolt.Tx) error {
		out = nil
		return forEachPrefix(tx.Bucket(bucketImportRun), nil, func(k, _ []byte) error {
			if len(k) == 16 {
				out = append(out, shelf.ImportRef{GuildID: shelf.FormatID(readU64(k, 0)), ID: shelf.FormatID(readU64(k, 1))})
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("running import jobs: %w", engineErr(err))
	}
	return out, nil
}

// ImportStep implements shelf.Imports.
func (s *Store) ImportStep(ctx context.Context, guild, id string, step int, r shelf.ImportStepResult, at time.Time) (shelf.ImportJob, error) {
	var out shelf.ImportJob
	err := func() error {
		iid, err := shelf.ParseID("import", id)
		if err != nil {
			return err
		}
		var uid, sid uint64
		var rec listRec
		keep := false
		if e := r.Entry; e != nil {
			if err := checkEntry(*e); err != nil {
				return err
			}
			if sid, err = parseStoryID(e.StoryID); err != nil {
				return err
			}
			keep = e.Status == ""
			st, _ := shelf.ParseStatus(string(e.Status))
			ts := nanos(at)
			rec = listRec{status: string(st), chapter: e.Chapter, note: e.Note, added: ts, updated: ts}
		}
		return s.update(ctx, guild, func(g *guildTx) error {
			j, err := getImport(g, iid)
			if err != nil {
				return err
			}
			if j.State != shelf.ImportRunning || j.Cursor != step || step >= j.Total {
				out = j
				return fmt.Errorf("import %d step %d (cursor %d, %s): %w", iid, step, j.Cursor, j.State, shelf.ErrImportState)
			}
			if r.Entry != nil {
				if uid, err = shelf.ParseID("user", j.UserID); err != nil {
					return err
				}
				if _, err := setEntry(g, uid, sid, rec, keep, false); err != nil {
					return err
				}
			}
			j = shelf.CountImportStep(j, r)
			if err := putImport(g, iid, j); err != nil {
				return err
			}
			out = j
			return nil
		})
	}()
	if err != nil {
		return out, fmt.Errorf("import step: %w", err)
	}
	return out, nil
}

// FinishImportJob implements shelf.Imports.
func (s *Store) FinishImportJob(ctx context.Context, guild, id string, notified bool, at time.Time) (shelf.ImportJob, error) {
	var out shelf.ImportJob
	err := func() error {
		iid, err := shelf.ParseID("import", id)
		if err != nil {
			return err
		}
		return s.update(ctx, guild, func(g *guildTx) error {
			j, err := getImport(g, iid)
			if err != nil {
				return err
			}
			if j.State != shelf.ImportRunning && j.State != shelf.ImportDone || j.Cursor < j.Total {
				out = j
				return fmt.Errorf("import %d (cursor %d of %d, %s): %w", iid, j.Cursor, j.Total, j.State, shelf.ErrImportState)
			}
			j = shelf.FinishImport(j, notified, at)
			if err := putImport(g, iid, j); err != nil {
				return err
			}
			if _, err := deletePrefix(g.bucket(bImportWorks), u64(iid)); err != nil {
				return err
			}
			out = j
			return setImportRunning(g, iid, !j.Notified)
		})
	}()
	if err != nil {
		return out, fmt.Errorf("finish import job: %w", err)
	}
	return out, nil
}

// checkEntry checks an entry as SetListEntry does.
func checkEntry(e shelf.ListEntry) error {
	if _, err := shelf.ParseStatus(string(e.Status)); err != nil {
		return err
	}
	if e.Chapter < 0 || e.Chapter > 1<<30 {
		return fmt.Errorf("chapter %d: %w", e.Chapter, shelf.ErrInvalid)
	}
	if len(e.Note) > shelf.MaxNoteLength {
		return fmt.Errorf("note longer than %d bytes: %w", shelf.MaxNoteLength, shelf.ErrInvalid)
	}
	return nil
}

// memberImports lists the IDs of user's import jobs with their heads.
func memberImports(g *guildTx, user string) (map[uint64]shelf.ImportJob, error) {
	out := map[uint64]shelf.ImportJob{}
	err := forEachPrefix(g.bucket(bImports), nil, func(k, v []byte) error {
		var j shelf.ImportJob
		if err := json.Unmarshal(v, &j); err != nil {
			return err
		}
		if j.UserID == user {
			out[readU64(k, 0)] = j
		}
		return nil
	})
	return out, err
}

// cancelPreviews cancels user's jobs still in preview (CreateImportJob).
func cancelPreviews(g *guildTx, user string) error {
	jobs, err := memberImports(g, user)
	if err != nil {
		return err
	}
	for id, j := range jobs {
		if j.State != shelf.ImportPreview {
			continue
		}
		j.State = shelf.ImportCancelled
		if _, err := deletePrefix(g.bucket(bImportWorks), u64(id)); err != nil {
			return err
		}
		if err := putImport(g, id, j); err != nil {
			return err
		}
	}
	return nil
}

// deleteMemberImports removes every import job of user (DeleteMember).
func deleteMemberImports(g *guildTx, uid uint64) error {
	jobs, err := memberImports(g, shelf.FormatID(uid))
	if err != nil {
		return err
	}
	for id := range jobs {
		if _, err := deletePrefix(g.bucket(bImportWorks), u64(id)); err != nil {
			return err
		}
		if err := g.bucket(bImports).Delete(u64(id)); err != nil {
			return err
		}
		if err := setImportRunning(g, id, false); err != nil {
			return err
		}
	}
	return nil
}
