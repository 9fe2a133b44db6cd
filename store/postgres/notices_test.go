package postgres_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"ficshelf/shelf"
	"ficshelf/store/postgres"
	"ficshelf/store/postgres/pgtest"
)

const (
	noticeGuild = "100000000000000001"
	noticeUser  = "300000000000000004"
)

// listener is a ListenJobs of kinds on its own connection, its wakes
// queued, stopped (close) at the latest by the test's end.
type listener struct {
	woken chan struct{}
	stop  context.CancelFunc
	done  chan error
	once  sync.Once
	err   error
}

// close stops the listening and returns what ListenJobs returned.
func (l *listener) close() error {
	l.once.Do(func() { l.stop(); l.err = <-l.done })
	return l.err
}

// listen starts listening on runner for kinds and waits for the wake
// that tells it listens.
func listen(t *testing.T, runner *postgres.Store, kinds ...string) *listener {
	t.Helper()
	lctx, cancel := context.WithCancel(ctx)
	l := &listener{woken: make(chan struct{}, 16), stop: cancel, done: make(chan error, 1)}
	go func() {
		l.done <- runner.ListenJobs(lctx, kinds, func() { l.woken <- struct{}{} })
	}()
	t.Cleanup(func() { l.close() })
	l.wait(t, "when listening starts")
	return l
}

// wait fails t unless a wake comes within 10 s.
func (l *listener) wait(t *testing.T, what string) {
	t.Helper()
	select {
	case <-l.woken:
	case <-time.After(10 * time.Second):
		t.Fatalf("no wake %s", what)
	}
}

// none fails t if a wake comes within 300 ms (a notice is delivered
// within milliseconds of its commit).
func (l *listener) none(t *testing.T, what string) {
	t.Helper()
	select {
	case <-l.woken:
		t.Fatalf("woken by %s", what)
	case <-time.After(300 * time.Millisecond):
	}
}

// A process listening for upload jobs hears of one created through
// another process's store at its commit, and not of one refused.
func TestListenJobsHearsAnotherProcess(t *testing.T) {
	u := pgtest.URL(t)
	runner, other := pgtest.OpenURL(t, u), pgtest.OpenURL(t, u)
	l := listen(t, runner, shelf.JobNoticeUploads)
	j := shelf.UploadJob{UserID: noticeUser, Token: "tok", TokenAt: time.Now(), WorkID: 5}
	if _, err := other.CreateUploadJob(ctx, noticeGuild, j, 1); err != nil {
		t.Fatal(err)
	}
	l.wait(t, "at another process's create")
	// A create refused (the line full) commits nothing, and tells nothing.
	if _, err := other.CreateUploadJob(ctx, noticeGuild, j, 1); !errors.Is(err, shelf.ErrQueueFull) {
		t.Fatalf("second create in a line of 1: %v", err)
	}
	l.none(t, "a refused create")
	if err := l.close(); !errors.Is(err, context.Canceled) {
		t.Fatalf("ListenJobs after cancel: %v", err)
	}
	for _, kinds := range [][]string{{"nonsense"}, {shelf.JobNoticeImports, "nonsense"}, nil} {
		if err := runner.ListenJobs(ctx, kinds, func() {}); !errors.Is(err, shelf.ErrInvalid) {
			t.Fatalf("kinds %q: %v", kinds, err)
		}
	}
}

// refuseCommits makes every transaction that writes table (a job's heads)
// fail at its commit, after all its statements (the NOTIFY included) ran,
// until the returned func is called.
func refuseCommits(t *testing.T, s *postgres.Store, table string) (allow func()) {
	t.Helper()
	for _, sql := range []string{
		`CREATE OR REPLACE FUNCTION test_refuse_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'commit refused by the test'; END $$`,
		`CREATE CONSTRAINT TRIGGER test_refuse_commit AFTER INSERT OR UPDATE ON ` + table + ` DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_refuse_commit()`,
	} {
		if _, err := s.Pool().Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	return func() {
		t.Helper()
		if _, err := s.Pool().Exec(ctx, `DROP TRIGGER test_refuse_commit ON `+table); err != nil {
			t.Fatal(err)
		}
	}
}

// A process running reading-list imports hears at its commit of an import
// confirmed through another process; not of a preview (not runnable), of
// a confirm refused, or of one rolled back at its commit.
func TestListenJobsHearsAnImportConfirmed(t *testing.T) {
	u := pgtest.URL(t)
	runner, other := pgtest.OpenURL(t, u), pgtest.OpenURL(t, u)
	l := listen(t, runner, shelf.JobNoticeImports)
	preview := func() shelf.ImportJob {
		t.Helper()
		j, err := other.CreateImportJob(ctx, noticeGuild, shelf.ImportJob{UserID: noticeUser, ChannelID: "200000000000000002",
			Format: "csv", Works: []shelf.ImportWork{{Title: "Alpha"}}, Created: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	confirm := func(j shelf.ImportJob) error {
		_, err := other.StartImportJob(ctx, noticeGuild, j.ID, noticeUser, "app", "tok", time.Now())
		return err
	}
	j := preview()
	l.none(t, "a preview")
	if err := confirm(j); err != nil {
		t.Fatal(err)
	}
	l.wait(t, "at another process's confirm")
	if err := confirm(j); !errors.Is(err, shelf.ErrImportState) {
		t.Fatalf("second confirm: %v", err)
	}
	l.none(t, "a refused confirm")
	k := preview()
	l.none(t, "a preview")
	allow := refuseCommits(t, other, "import_jobs")
	if err := confirm(k); err == nil {
		t.Fatal("a confirm whose commit is refused succeeded")
	}
	l.none(t, "a confirm rolled back")
	allow()
	if err := confirm(k); err != nil {
		t.Fatal(err)
	}
	l.wait(t, "at the confirm committed")
}

// A process running series links hears at its commit of a series link
// created through another process, not of one rolled back at its commit.
// One connection hears several kinds.
func TestListenJobsHearsASeriesLinkCreated(t *testing.T) {
	u := pgtest.URL(t)
	runner, other := pgtest.OpenURL(t, u), pgtest.OpenURL(t, u)
	l := listen(t, runner, shelf.JobNoticeImports, shelf.JobNoticeSeries)
	create := func() error {
		_, err := other.CreateSeriesJob(ctx, noticeGuild, shelf.SeriesJob{UserID: noticeUser, ChannelID: "200000000000000002",
			SeriesID: 7, SeriesTitle: "S", Pages: 1, AppID: "app", Token: "tok", TokenAt: time.Now(),
			Works: []shelf.SeriesJobWork{{Part: 1}}})
		return err
	}
	if err := create(); err != nil {
		t.Fatal(err)
	}
	l.wait(t, "at another process's create")
	allow := refuseCommits(t, other, "series_jobs")
	if err := create(); err == nil {
		t.Fatal("a create whose commit is refused succeeded")
	}
	l.none(t, "a create rolled back")
	allow()
	if err := create(); err != nil {
		t.Fatal(err)
	}
	l.wait(t, "at the create committed")
}
