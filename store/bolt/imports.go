package bolt

import (
	"context"
	"fmt"
	"time"

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
var importJobs = jobTable[shelf.ImportJob, shelf.ImportWork]{what: "import", heads: []byte("imports"), works: []byte("import_works"), running: []byte("imports_running"), prunable: []byte("imports_told")}

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

// CreateImportJob implements shelf.Imports.
func (s *Store) CreateImportJob(ctx context.Context, guild string, j shelf.ImportJob) (shelf.ImportJob, error) {
	return importJobs.create(s, ctx, "create import job", guild, j.UserID, func(g *guildTx, id uint64) (shelf.ImportJob, []shelf.ImportWork, error) {
		works := j.Works
		j = shelf.NewImport(j, shelf.FormatID(g.guild), shelf.FormatID(id), time.Now())
		if err := cancelPreviews(g, j.UserID, j.Created); err != nil {
			return j, nil, err
		}
		return j, works, nil
	})
}

// ImportJob implements shelf.Imports.
func (s *Store) ImportJob(ctx context.Context, guild, id string) (shelf.ImportJob, error) {
	return importJobs.job(s, ctx, "import job", guild, id)
}

// ImportWorks implements shelf.Imports.
func (s *Store) ImportWorks(ctx context.Context, guild, id string, from, limit int) ([]shelf.ImportWork, error) {
	return importJobs.pageWorks(s, ctx, "import works", guild, id, from, limit)
}

// StartImportJob implements shelf.Imports.
func (s *Store) StartImportJob(ctx context.Context, guild, id, user, appID, token string, tokenAt time.Time) (shelf.ImportJob, error) {
	return importJobs.write(s, ctx, "start import job", guild, id, func(g *guildTx, iid uint64, j shelf.ImportJob) (shelf.ImportJob, error) {
		j, err := shelf.StartImport(j, user, appID, token, tokenAt)
		if err != nil {
			return j, err
		}
		return j, importJobs.put(g, iid, j)
	})
}

// CancelImportJob implements shelf.Imports.
func (s *Store) CancelImportJob(ctx context.Context, guild, id, user string, at time.Time) error {
	_, err := importJobs.write(s, ctx, "cancel import job", guild, id, func(g *guildTx, iid uint64, j shelf.ImportJob) (shelf.ImportJob, error) {
		j, changed, err := shelf.CancelImport(j, user, at)
		if !changed {
			return j, err
		}
		if err := importJobs.dropWorks(g, iid); err != nil {
			return j, err
		}
		return j, importJobs.put(g, iid, j)
	})
	return err
}

// RunningImportJobs implements shelf.Imports.
func (s *Store) RunningImportJobs(ctx context.Context) ([]shelf.ImportRef, error) {
	return importJobs.runningJobs(s, ctx, "running import jobs")
}

// ImportStep implements shelf.Imports.
func (s *Store) ImportStep(ctx context.Context, guild, id string, step int, r shelf.ImportStepResult, at time.Time) (shelf.ImportJob, error) {
	var sid uint64
	var rec listRec
	keep := false
	if e := r.Entry; e != nil {
		err := checkEntry(*e)
		if err == nil {
			sid, err = parseStoryID(e.StoryID)
		}
		if err != nil {
			return shelf.ImportJob{}, fmt.Errorf("import step: %w", err)
		}
		keep = e.Status == ""
		st, _ := shelf.ParseStatus(string(e.Status))
		ts := nanos(at)
		rec = listRec{status: string(st), chapter: e.Chapter, note: e.Note, added: ts, updated: ts}
	}
	return importJobs.write(s, ctx, "import step", guild, id, func(g *guildTx, iid uint64, j shelf.ImportJob) (shelf.ImportJob, error) {
		if err := shelf.CheckJobStep("import "+j.ID, j.State, j.Cursor, j.Total, step); err != nil {
			return j, err
		}
		if r.Entry != nil {
			uid, err := shelf.ParseID("user", j.UserID)
			if err != nil {
				return j, err
			}
			if _, err := setEntry(g, uid, sid, rec, keep, false); err != nil {
				return j, err
			}
		}
		j = shelf.CountImportStep(j, r)
		return j, importJobs.put(g, iid, j)
	})
}

// FinishImportJob implements shelf.Imports.
func (s *Store) FinishImportJob(ctx context.Context, guild, id string, notified bool, at time.Time) (shelf.ImportJob, error) {
	return importJobs.finish(s, ctx, "finish import job", guild, id, true, func(j shelf.ImportJob) (shelf.ImportJob, error) { // its works are dropped
		return shelf.FinishImport(j, notified, at)
	})
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

// cancelPreviews cancels user's jobs still in preview at at
// (CreateImportJob).
func cancelPreviews(g *guildTx, user string, at time.Time) error {
	jobs, err := importJobs.memberJobs(g, user)
	if err != nil {
		return err
	}
	for id, old := range jobs {
		if old.State != shelf.ImportPreview {
			continue
		}
		j, _, err := shelf.CancelImport(old, user, at)
		if err != nil {
			return err
		}
		if err := importJobs.dropWorks(g, id); err != nil {
			return err
		}
		if err := importJobs.put(g, id, j); err != nil {
			return err
		}
		if err := importJobs.reindex(g, id, old, j); err != nil {
			return err
		}
	}
	return nil
}

// deleteMemberImports removes every import job of user (DeleteMember).
func deleteMemberImports(g *guildTx, uid uint64) error { return importJobs.deleteMember(g, uid) }
