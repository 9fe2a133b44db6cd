package bolt_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"ficshelf/fic"
	"ficshelf/shelf"
	"ficshelf/store/bolt"
	"ficshelf/storetest"
)

const (
	guildA = "100000000000000001"
	guildB = "200000000000000002"
	alice  = "300000000000000003"
	bob    = "400000000000000004"
	carol  = "500000000000000005"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// add stores st in guild as alice's find, at t0.
func add(t testing.TB, s *bolt.Store, guild string, st *fic.Story) shelf.StoryRecord {
	t.Helper()
	return storetest.AddAt(t, s, guild, alice, false, t0, st)
}

func TestOpenLockedFailsWithinTimeout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s := openTestPath(t, path)
	start := time.Now()
	_, err := bolt.Open(path, bolt.Options{LockTimeout: 300 * time.Millisecond})
	if !errors.Is(err, shelf.ErrLocked) {
		t.Fatalf("second Open: got %v, want ErrLocked", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("second Open took %v, want about the lock timeout", d)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := bolt.Open(path, bolt.Options{LockTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	s2.Close()
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s := openTestPath(t, path)
	s.Close()
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		v := make([]byte, 8)
		v[7] = 99
		return tx.Bucket([]byte("meta")).Put([]byte("version"), v)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	_, err = bolt.Open(path, bolt.Options{})
	if !errors.Is(err, shelf.ErrSchemaTooNew) {
		t.Fatalf("Open: got %v, want ErrSchemaTooNew", err)
	}
}

func TestOpenBadPath(t *testing.T) {
	_, err := bolt.Open(filepath.Join(t.TempDir(), "missing", "dir", "x.db"), bolt.Options{})
	if err == nil {
		t.Fatal("Open in a missing directory succeeded")
	}
}

func TestSchemaVersionAndPath(t *testing.T) {
	s := openTest(t)
	v, err := s.SchemaVersion()
	if err != nil || v != bolt.CurrentSchemaVersion() {
		t.Errorf("SchemaVersion = %d, %v; want %d", v, err, bolt.CurrentSchemaVersion())
	}
	if filepath.Base(s.Path()) != "ficshelf.db" {
		t.Errorf("Path = %q", s.Path())
	}
}

func checkFile(t *testing.T, path string) *bolt.Store {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatalf("open backup: %v", err)
	}
	err = db.View(func(tx *bbolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatalf("backup consistency check: %v", err)
	}
	return openTestPath(t, path)
}

func TestBackupWhileWriting(t *testing.T) {
	s := openTest(t)
	rec := add(t, s, guildA, storetest.Story("Backed Up", "Writer"))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := s.GiveKudos(ctx, guildA, rec.ID, fmt.Sprint(1000+i), time.Time{}); err != nil {
				t.Error(err)
				return
			}
			if _, err := s.AddStory(ctx, guildA, storetest.Story(fmt.Sprintf("Filler %d", i)), nil, bob, false, time.Time{}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	time.Sleep(50 * time.Millisecond)
	path := filepath.Join(t.TempDir(), "backup.db")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Backup(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var buf bytes.Buffer
	n, err := s.Backup(&buf)
	close(stop)
	wg.Wait()
	if err != nil || n != int64(buf.Len()) || n == 0 {
		t.Fatalf("Backup = %d, %v; buffer %d bytes", n, err, buf.Len())
	}
	b := checkFile(t, path)
	got, err := b.Story(ctx, guildA, rec.ID)
	if err != nil {
		t.Fatalf("story in backup: %v", err)
	}
	kudos, err := b.Kudos(ctx, guildA, rec.ID)
	if err != nil || len(kudos) != got.Kudos {
		t.Errorf("backup: %d kudos records, counter %d (%v)", len(kudos), got.Kudos, err)
	}
	if refs, _ := b.SearchStories(ctx, guildA, "backed", 5); len(refs) != 1 {
		t.Errorf("backup search: %v", refs)
	}
	if err := os.WriteFile(filepath.Join(t.TempDir(), "b2.db"), buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestInvalidInputNeverPanics(t *testing.T) {
	s := openTest(t)
	rec := add(t, s, guildA, storetest.Story("Valid"))
	bad := []string{"", "abc", "-1", "0", "1.5", "99999999999999999999999", " 1", "+1", "１２３", "\x00", "1e3"}
	for _, id := range bad {
		calls := map[string]func() error{
			"AddStory guild": func() error { _, err := s.AddStory(ctx, id, storetest.Story("x"), nil, alice, false, t0); return err },
			"AddStory user":  func() error { _, err := s.AddStory(ctx, guildA, storetest.Story("x"), nil, id, false, t0); return err },
			"Story":          func() error { _, err := s.Story(ctx, guildA, id); return err },
			"Story guild":    func() error { _, err := s.Story(ctx, id, rec.ID); return err },
			"UpdateStory": func() error {
				_, err := s.UpdateStory(ctx, guildA, id, storetest.Story("x"), nil, time.Time{})
				return err
			},
			"RemoveStory":   func() error { return s.RemoveStory(ctx, guildA, id) },
			"Chapter":       func() error { _, err := s.Chapter(ctx, guildA, id, 1); return err },
			"GiveKudos":     func() error { _, err := s.GiveKudos(ctx, guildA, rec.ID, id, t0); return err },
			"GiveKudos sid": func() error { _, err := s.GiveKudos(ctx, guildA, id, alice, t0); return err },
			"Kudos":         func() error { _, err := s.Kudos(ctx, guildA, id); return err },
			"TopKudos":      func() error { _, err := s.TopKudos(ctx, id, shelf.PeriodAll, t0, 5); return err },
			"SetListEntry": func() error {
				_, err := s.SetListEntry(ctx, guildA, id, shelf.ListEntry{StoryID: rec.ID}, t0)
				return err
			},
			"SetListEntry s": func() error {
				_, err := s.SetListEntry(ctx, guildA, alice, shelf.ListEntry{StoryID: id}, t0)
				return err
			},
			"ListEntry":     func() error { _, err := s.ListEntry(ctx, guildA, alice, id); return err },
			"RemoveListEnt": func() error { return s.RemoveListEntry(ctx, guildA, id, rec.ID) },
			"MemberList":    func() error { _, err := s.MemberList(ctx, guildA, id); return err },
			"Settings":      func() error { _, err := s.Settings(ctx, id); return err },
			"SetSettings": func() error {
				_, err := s.SetSettings(ctx, guildA, shelf.Settings{RecsChannelID: id + "x"})
				return err
			},
			"ExportMember":  func() error { _, err := s.ExportMember(ctx, guildA, id); return err },
			"DeleteMember":  func() error { return s.DeleteMember(ctx, guildA, id) },
			"SearchStories": func() error { _, err := s.SearchStories(ctx, id, "x", 5); return err },
			"ResolveStory":  func() error { _, err := s.ResolveStory(ctx, id, "x"); return err },
			"ListStories":   func() error { _, _, err := s.ListStories(ctx, id, shelf.ListQuery{}); return err },
		}
		for name, call := range calls {
			err := call()
			if err == nil {
				t.Errorf("%s(%q): no error", name, id)
			}
		}
	}
	// Odd but valid inputs.
	for _, q := range []string{"", "\xff\xfe", "ﬁ", "   ", "'''", "\x00\x01", string(make([]byte, 5000))} {
		if _, err := s.SearchStories(ctx, guildA, q, 25); err != nil {
			t.Errorf("SearchStories(%q): %v", q, err)
		}
		if _, err := s.ResolveStory(ctx, guildA, q); err == nil && q != "" {
			t.Errorf("ResolveStory(%q) found something", q)
		}
	}
	if _, err := s.Chapter(ctx, guildA, rec.ID, -3); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("Chapter(-3): %v", err)
	}
	if _, err := s.AddStory(ctx, guildA, nil, nil, alice, false, t0); !errors.Is(err, shelf.ErrInvalid) {
		t.Errorf("AddStory(nil): %v", err)
	}
	if _, err := s.AddStory(ctx, guildA, &fic.Story{Title: "  "}, nil, alice, false, t0); !errors.Is(err, shelf.ErrInvalid) {
		t.Errorf("AddStory(no title): %v", err)
	}
	if _, _, err := s.ListStories(ctx, guildA, shelf.ListQuery{Sort: "random"}); !errors.Is(err, shelf.ErrInvalid) {
		t.Errorf("ListStories(bad sort): %v", err)
	}
	if _, err := s.StoryByAO3(ctx, guildA, -5); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("StoryByAO3(-5): %v", err)
	}
}

func TestCloseTwiceAndUseAfterClose(t *testing.T) {
	s := openTest(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Story(ctx, guildA, "1"); !errors.Is(err, shelf.ErrClosed) {
		t.Errorf("Story after Close: %v, want ErrClosed", err)
	}
	if _, err := s.GiveKudos(ctx, guildA, "1", alice, t0); !errors.Is(err, shelf.ErrClosed) {
		t.Errorf("GiveKudos after Close: %v, want ErrClosed", err)
	}
	if err := s.DeleteMember(ctx, guildA, alice); !errors.Is(err, shelf.ErrClosed) {
		t.Errorf("DeleteMember after Close: %v, want ErrClosed", err)
	}
}

func TestStatsAndIsOpen(t *testing.T) {
	s := openTest(t)
	rec := add(t, s, guildA, storetest.Story("Counted"))
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.GiveKudos(ctx, guildA, rec.ID, fmt.Sprint(7000+i), time.Time{})
		}()
	}
	wg.Wait()
	st := s.Stats()
	if st.Commits < 2 || st.Commits > 21 || st.CommitTime <= 0 {
		t.Errorf("Stats = %+v", st)
	}
	if !s.IsOpen() {
		t.Error("IsOpen false while open")
	}
	s.Close()
	if s.IsOpen() {
		t.Error("IsOpen true after Close")
	}
}

var ctx = context.Background()

// openTest opens a new empty store in t.TempDir() and closes it at cleanup.
func openTest(t testing.TB) *bolt.Store {
	t.Helper()
	return openTestPath(t, filepath.Join(t.TempDir(), "ficshelf.db"))
}

// openTestPath opens the store at path and closes it at cleanup (a second
// Close by the test is harmless).
func openTestPath(t testing.TB, path string) *bolt.Store {
	t.Helper()
	s, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
