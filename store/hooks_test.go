package store

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"ficshelf/fic"
)

// TestExtensionHooks registers a story cleanup and a member hook the way
// recs.go or clubs.go would, and checks they run inside RemoveStory,
// ExportMember and DeleteMember, and that a failing hook rolls back.
func TestExtensionHooks(t *testing.T) {
	oldCleanups, oldHooks, oldUpdated := storyCleanups, memberHooks, storyUpdateHooks
	defer func() { storyCleanups, memberHooks, storyUpdateHooks = oldCleanups, oldHooks, oldUpdated }()
	var updates [][2]int
	registerStoryUpdated(func(g *guildTx, story uint64, oldN, newN int, _ time.Time) error {
		updates = append(updates, [2]int{oldN, newN})
		return nil
	})
	bProgress := []byte("test_progress")
	failDelete := false
	registerStoryCleanup(func(g *guildTx, story uint64) error {
		_, err := deletePrefix(g.bucket(bProgress), u64(story))
		return err
	})
	registerMemberHook(memberHook{
		name: "clubs",
		export: func(g *guildTx, user uint64) (any, error) {
			var stories []string
			err := forEachPrefix(g.bucket(bProgress), nil, func(k, _ []byte) error {
				if readU64(k, 1) == user {
					stories = append(stories, formatID(readU64(k, 0)))
				}
				return nil
			})
			if len(stories) == 0 {
				return nil, err
			}
			return stories, err
		},
		delete: func(g *guildTx, user uint64) error {
			if failDelete {
				return errors.New("hook failed")
			}
			var keys [][]byte
			forEachPrefix(g.bucket(bProgress), nil, func(k, _ []byte) error {
				if readU64(k, 1) == user {
					keys = append(keys, append([]byte(nil), k...))
				}
				return nil
			})
			for _, k := range keys {
				if err := g.bucket(bProgress).Delete(k); err != nil {
					return err
				}
			}
			return nil
		},
	})

	s, err := Open(filepath.Join(t.TempDir(), "h.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const guild, user = "5", "6"
	a, _ := s.AddStory(guild, &fic.Story{Title: "A"}, nil, "1", false, time.Time{})
	b, _ := s.AddStory(guild, &fic.Story{Title: "B"}, nil, "1", false, time.Time{})
	err = s.update(guild, func(g *guildTx) error {
		for _, id := range []string{a.ID, b.ID} {
			sid, _ := parseStoryID(id)
			if err := g.bucket(bProgress).Put(key(sid, 6), []byte{1}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.GiveKudos(guild, a.ID, user, time.Time{}); err != nil {
		t.Fatal(err)
	}
	more := &fic.Story{Title: "B", Chapters: []fic.Chapter{{Text: "one"}, {Text: "two"}}}
	if _, err := s.UpdateStory(guild, b.ID, more, nil, time.Time{}); err != nil || len(updates) != 1 || updates[0] != [2]int{0, 2} {
		t.Errorf("UpdateStory hook saw %v (%v)", updates, err)
	}
	exp, err := s.ExportMember(guild, user)
	if err != nil || len(exp.Other["clubs"].([]string)) != 2 {
		t.Fatalf("export = %+v, %v", exp, err)
	}
	if err := s.RemoveStory(guild, a.ID); err != nil {
		t.Fatal(err)
	}
	exp, _ = s.ExportMember(guild, user)
	if got := exp.Other["clubs"].([]string); len(got) != 1 || got[0] != b.ID {
		t.Errorf("after RemoveStory: %v", got)
	}
	failDelete = true
	if _, err := s.SetListEntry(guild, user, ListEntry{StoryID: b.ID}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMember(guild, user); err == nil {
		t.Fatal("DeleteMember with a failing hook succeeded")
	}
	if l, _ := s.MemberList(guild, user); len(l) != 1 {
		t.Errorf("failed DeleteMember was not rolled back: list %v", l)
	}
	failDelete = false
	if err := s.DeleteMember(guild, user); err != nil {
		t.Fatal(err)
	}
	exp, _ = s.ExportMember(guild, user)
	if exp.Other != nil || len(exp.ReadingList) != 0 {
		t.Errorf("after DeleteMember: %+v", exp)
	}
}
