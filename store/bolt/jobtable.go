package bolt

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bbolt "go.etcd.io/bbolt"

	"ficshelf/shelf"
)

// jobTable is where one kind of persisted job (reading-list imports,
// series links) lives: per guild a bucket of JSON heads keyed by job ID
// (its sequence numbering them) and a bucket of JSON works keyed
// <job u64>|<work u64, 0-based>; globally a bucket naming the jobs to
// run, <guild u64>|<job u64>, and a bucket naming the jobs PruneJobs may
// delete (shelf's Prunable: done with their member told, cancelled,
// previewed), <since ns u64>|<guild u64>|<job u64> keyed by when their
// retention started (oldest first), both kept by put from the head's
// state.
type jobTable[J persistedJob, W any] struct {
	what    string // "import", "series job": in errors and ID parsing
	heads   []byte
	works   []byte
	running []byte
	// prunable is the prunable index; its buckets are named *_told, as
	// they held only jobs done and told before previews and cancelled
	// imports were pruned.
	prunable []byte
}

// persistedJob is a job's head: shelf.ImportJob, shelf.SeriesJob,
// shelf.UploadJob.
type persistedJob interface {
	Live() bool                  // to be run (in the running index)
	Owner() string               // the member whose job it is
	Told() (time.Time, bool)     // done and its member told, finished then (migration 5)
	Prunable() (time.Time, bool) // in the prunable index, keyed by the time
}

func (t jobTable[J, W]) get(g *guildTx, id uint64) (J, error) {
	var j J
	v := g.get(t.heads, u64(id))
	if v == nil {
		return j, fmt.Errorf("%s %d: %w", t.what, id, shelf.ErrNotFound)
	}
	if err := json.Unmarshal(v, &j); err != nil {
		return j, fmt.Errorf("%s %d: %w", t.what, id, err)
	}
	return j, nil
}

// put writes job id's head and puts it in the running and prunable
// indexes as its state says. It does not take out a key an earlier state
// of the head put in the prunable index: reindex does (write calls it).
func (t jobTable[J, W]) put(g *guildTx, id uint64, j J) error {
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	if err := g.bucket(t.heads).Put(u64(id), b); err != nil {
		return err
	}
	if since, ok := j.Prunable(); ok {
		pb, err := g.tx.CreateBucketIfNotExists(t.prunable)
		if err != nil {
			return err
		}
		if err := pb.Put(prunableKey(since, g.guild, id), nil); err != nil {
			return err
		}
	}
	return t.setRunning(g, id, j.Live())
}

// prunableKey is a job's key in a prunable index: when its retention
// started (clamped to 1970), its guild and ID.
func prunableKey(since time.Time, guild, id uint64) []byte {
	return key(uint64(max(0, nanos(since))), guild, id)
}

// unindex removes job j (id) from the prunable index.
func (t jobTable[J, W]) unindex(g *guildTx, id uint64, j J) error {
	since, ok := j.Prunable()
	if !ok {
		return nil
	}
	if pb := g.tx.Bucket(t.prunable); pb != nil {
		return pb.Delete(prunableKey(since, g.guild, id))
	}
	return nil
}

// reindex takes job id's key for its earlier head old out of the
// prunable index when its head now, put since, has another key or none
// (a preview confirmed or cancelled).
func (t jobTable[J, W]) reindex(g *guildTx, id uint64, old, now J) error {
	was, ok := old.Prunable()
	if !ok {
		return nil
	}
	if since, still := now.Prunable(); still && since.Equal(was) {
		return nil
	}
	return t.unindex(g, id, old)
}

func (t jobTable[J, W]) setRunning(g *guildTx, id uint64, running bool) error {
	if !running {
		if rb := g.tx.Bucket(t.running); rb != nil {
			return rb.Delete(key(g.guild, id))
		}
		return nil
	}
	rb, err := g.tx.CreateBucketIfNotExists(t.running)
	if err != nil {
		return err
	}
	return rb.Put(key(g.guild, id), nil)
}

func (t jobTable[J, W]) putWork(g *guildTx, id uint64, n int, w W) error {
	b, err := json.Marshal(w)
	if err != nil {
		return err
	}
	return g.bucket(t.works).Put(key(id, uint64(n)), b)
}

func (t jobTable[J, W]) getWork(g *guildTx, id uint64, n int) (W, error) {
	var w W
	v := g.get(t.works, key(id, uint64(n)))
	if v == nil {
		return w, fmt.Errorf("%s %d: no work %d", t.what, id, n)
	}
	err := json.Unmarshal(v, &w)
	return w, err
}

// dropWorks deletes job id's works.
func (t jobTable[J, W]) dropWorks(g *guildTx, id uint64) error {
	_, err := deletePrefix(g.bucket(t.works), u64(id))
	return err
}

// memberJobs lists user's jobs by ID.
func (t jobTable[J, W]) memberJobs(g *guildTx, user string) (map[uint64]J, error) {
	out := map[uint64]J{}
	err := forEachPrefix(g.bucket(t.heads), nil, func(k, v []byte) error {
		var j J
		if err := json.Unmarshal(v, &j); err != nil {
			return err
		}
		if j.Owner() == user {
			out[readU64(k, 0)] = j
		}
		return nil
	})
	return out, err
}

// deleteMember removes every job of member uid with its works
// (DeleteMember); what the jobs wrote stays.
func (t jobTable[J, W]) deleteMember(g *guildTx, uid uint64) error {
	jobs, err := t.memberJobs(g, shelf.FormatID(uid))
	if err != nil {
		return err
	}
	for id, j := range jobs {
		if err := t.dropWorks(g, id); err != nil {
			return err
		}
		if err := t.unindex(g, id, j); err != nil {
			return err
		}
		if err := g.bucket(t.heads).Delete(u64(id)); err != nil {
			return err
		}
		if err := t.setRunning(g, id, false); err != nil {
			return err
		}
	}
	return nil
}

// create stores a new job of user: fn, given the new job's ID, returns
// its head and its works (numbered from 0), stored with it in one
// transaction.
func (t jobTable[J, W]) create(s *Store, ctx context.Context, op, guild, user string, fn func(g *guildTx, id uint64) (J, []W, error)) (J, error) {
	var out J
	_, err := shelf.ParseID("user", user)
	if err == nil {
		err = s.update(ctx, guild, func(g *guildTx) error {
			id, err := g.bucket(t.heads).NextSequence()
			if err != nil {
				return err
			}
			j, works, err := fn(g, id)
			if err != nil {
				return err
			}
			for i, w := range works {
				if err := t.putWork(g, id, i, w); err != nil {
					return err
				}
			}
			out = j
			return t.put(g, id, j)
		})
	}
	if err != nil {
		var zero J
		return zero, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// finish marks job id done with rule (shelf.FinishImport,
// shelf.FinishSeries); dropWorks deletes its works then.
func (t jobTable[J, W]) finish(s *Store, ctx context.Context, op, guild, id string, dropWorks bool, rule func(J) (J, error)) (J, error) {
	return t.write(s, ctx, op, guild, id, func(g *guildTx, jid uint64, j J) (J, error) {
		j, err := rule(j)
		if err != nil {
			return j, err
		}
		if dropWorks {
			if err := t.dropWorks(g, jid); err != nil {
				return j, err
			}
		}
		return j, t.put(g, jid, j)
	})
}

// job reads job id's head; its zero value with the error.
func (t jobTable[J, W]) job(s *Store, ctx context.Context, op, guild, id string) (J, error) {
	j, err := t.read(s, ctx, op, guild, id, t.get)
	if err != nil {
		var zero J
		return zero, err
	}
	return j, nil
}

// read reads job id of guild in a read transaction; op names the call in
// its error.
func (t jobTable[J, W]) read(s *Store, ctx context.Context, op, guild, id string, fn func(g *guildTx, id uint64) (J, error)) (J, error) {
	return t.tx(s.view, ctx, op, guild, id, fn)
}

// write changes job id of guild in a write transaction: fn gets its head
// (shelf.ErrNotFound when there is none) and returns it changed (put),
// and its own error; the head fn returns is returned also with its error
// (the head as it stands, for shelf.ErrImportState). The head's earlier
// key in the prunable index goes when fn moved it (reindex).
func (t jobTable[J, W]) write(s *Store, ctx context.Context, op, guild, id string, fn func(g *guildTx, id uint64, j J) (J, error)) (J, error) {
	return t.tx(s.update, ctx, op, guild, id, func(g *guildTx, id uint64) (J, error) {
		old, err := t.get(g, id)
		if err != nil {
			return old, err
		}
		j, err := fn(g, id, old)
		if err != nil {
			return j, err
		}
		return j, t.reindex(g, id, old, j)
	})
}

func (t jobTable[J, W]) tx(run func(context.Context, string, func(*guildTx) error) error, ctx context.Context, op, guild, id string,
	fn func(g *guildTx, id uint64) (J, error)) (J, error) {
	var out J
	jid, err := shelf.ParseID(t.what, id)
	if err == nil {
		err = run(ctx, guild, func(g *guildTx) error {
			var err error
			out, err = fn(g, jid)
			return err
		})
	}
	if err != nil {
		return out, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// pageWorks reads works [from, from+limit) of job id of guild.
func (t jobTable[J, W]) pageWorks(s *Store, ctx context.Context, op, guild, id string, from, limit int) ([]W, error) {
	var out []W
	_, err := t.read(s, ctx, op, guild, id, func(g *guildTx, jid uint64) (J, error) {
		var j J
		if from < 0 || limit < 0 {
			return j, fmt.Errorf("works %d+%d: %w", from, limit, shelf.ErrInvalid)
		}
		out = nil
		b := g.bucket(t.works)
		if b == nil {
			return j, nil
		}
		c := b.Cursor()
		for k, v := c.Seek(key(jid, uint64(from))); k != nil && len(k) == 16 && readU64(k, 0) == jid && len(out) < limit; k, v = c.Next() {
			var w W
			if err := json.Unmarshal(v, &w); err != nil {
				return j, err
			}
			out = append(out, w)
		}
		return j, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// runningJobs lists the jobs to run of every guild.
func (t jobTable[J, W]) runningJobs(s *Store, ctx context.Context, op string) ([]shelf.ImportRef, error) {
	var out []shelf.ImportRef
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	err := s.db.View(func(tx *bbolt.Tx) error {
		out = nil
		return forEachPrefix(tx.Bucket(t.running), nil, func(k, _ []byte) error {
			if len(k) == 16 {
				out = append(out, shelf.ImportRef{GuildID: shelf.FormatID(readU64(k, 0)), ID: shelf.FormatID(readU64(k, 1))})
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, engineErr(err))
	}
	return out, nil
}
