package storetest

import (
	"testing"
	"time"

	"ficshelf/shelf"
)

func init() {
	cRegister(
		cTest{"ClubReminders/OptOut", cReminderOptOut},
		cTest{"ClubReminders/DueUntilRecorded", cRemindersDue},
	)
}

func cReminderOptOut(t *testing.T, s shelf.Store) {
	if off, err := s.ClubRemindersOff(cCtx, cGuildA); err != nil || len(off) != 0 {
		t.Fatalf("off by default: %v %v", off, err)
	}
	for _, u := range []string{cBob, cCarol} {
		if err := s.SetClubReminders(cCtx, cGuildA, u, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetClubReminders(cCtx, cGuildA, cBob, false); err != nil { // twice: no change
		t.Fatal(err)
	}
	if err := s.SetClubReminders(cCtx, cGuildA, cCarol, true); err != nil {
		t.Fatal(err)
	}
	if err := s.SetClubReminders(cCtx, cGuildA, cDave, true); err != nil { // on already
		t.Fatal(err)
	}
	off, err := s.ClubRemindersOff(cCtx, cGuildA)
	if err != nil || len(off) != 1 || !off[cBob] {
		t.Fatalf("off = %v %v", off, err)
	}
	if off, _ := s.ClubRemindersOff(cCtx, cGuildB); len(off) != 0 {
		t.Fatalf("another guild's: %v", off)
	}
}

func cRemindersDue(t *testing.T, s shelf.Store) {
	a := cAdd(t, s, cGuildA, WithChapters("Alpha", 3, 3))
	// Checkpoints open 03-01, 03-08, 03-15; reminders for 2 and 3 only.
	c := cStartClub(t, s, cGuildA, cChanA, a.ID, 1, 7, cT0)
	mar7 := time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC)
	at, ok, err := s.NextReminderDue(cCtx)
	if err != nil || !ok || !at.Equal(mar7) {
		t.Fatalf("next reminder = %v %v %v, want %v", at, ok, err, mar7)
	}
	if due, _ := s.DueReminders(cCtx, mar7.Add(-time.Second), 10); len(due) != 0 {
		t.Fatalf("due early: %+v", due)
	}
	due, err := s.DueReminders(cCtx, mar7.Add(7*24*time.Hour), 10)
	if err != nil || len(due) != 2 || due[0].Number != 2 || due[1].Number != 3 || due[0].ClubID != c.ID || due[0].GuildID != cGuildA || !due[0].At.Equal(mar7) {
		t.Fatalf("due = %+v %v", due, err)
	}
	since, err := s.ReminderPosting(cCtx, cGuildA, c.ID, 2, mar7)
	if err != nil || !since.Equal(mar7) {
		t.Fatalf("posting = %v %v", since, err)
	}
	if since, _ := s.ReminderPosting(cCtx, cGuildA, c.ID, 2, mar7.Add(time.Hour)); !since.Equal(mar7) {
		t.Fatalf("retry's posting = %v", since)
	}
	if err := s.ReminderDone(cCtx, cGuildA, c.ID, 2, "900000000000000001"); err != nil {
		t.Fatal(err)
	}
	if err := s.ReminderDone(cCtx, cGuildA, c.ID, 2, "900000000000000002"); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Club(cCtx, cGuildA, c.ID)
	if got.Checkpoints[1].ReminderID != "900000000000000001" {
		t.Fatalf("reminder recorded twice: %+v", got.Checkpoints[1])
	}
	if at, _, _ := s.NextReminderDue(cCtx); !at.Equal(time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("next after 2 = %v", at)
	}
	if _, err := s.EndClub(cCtx, cGuildA, c.ID, cAlice, mar7); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.NextReminderDue(cCtx); ok {
		t.Fatal("an ended club's reminder is due")
	}
}

func init() { cRegister(cTest{"ClubPolls/MemberDataExportAndDelete", cMemberClubData}) }

func cMemberClubData(t *testing.T, s shelf.Store) {
	a := cAdd(t, s, cGuildA, WithChapters("Alpha", 3, 3))
	b := cAdd(t, s, cGuildA, WithChapters("Beta", 3, 3))
	cNominate(t, s, cGuildA, cChanB, cBob, a.ID, cT0.Add(time.Minute))
	cNominate(t, s, cGuildA, cChanA, cBob, b.ID, cT0)
	cNominate(t, s, cGuildA, cChanA, cAlice, a.ID, cT0)
	if err := s.SetClubReminders(cCtx, cGuildA, cBob, false); err != nil {
		t.Fatal(err)
	}
	ns, err := s.MemberNominations(cCtx, cGuildA, cBob)
	if err != nil || len(ns) != 2 || ns[0].ChannelID != cChanA || ns[0].StoryTitle != "Beta" || ns[1].ChannelID != cChanB {
		t.Fatalf("bob's nominations = %+v %v", ns, err)
	}
	if ns, _ := s.MemberNominations(cCtx, cGuildB, cBob); len(ns) != 0 {
		t.Fatalf("another guild's: %+v", ns)
	}
	if err := s.DeleteMemberClubData(cCtx, cGuildA, cBob); err != nil {
		t.Fatal(err)
	}
	if ns, _ := s.MemberNominations(cCtx, cGuildA, cBob); len(ns) != 0 {
		t.Fatalf("left after delete: %+v", ns)
	}
	if off, _ := s.ClubRemindersOff(cCtx, cGuildA); off[cBob] {
		t.Fatal("reminders choice left after delete")
	}
	if ns, _ := s.Nominations(cCtx, cGuildA, cChanA); len(ns) != 1 || ns[0].UserID != cAlice {
		t.Fatalf("alice's nomination went too: %+v", ns)
	}
}

func init() { cRegister(cTest{"ClubPolls/DumpedForCopy", cClubChoicesDumped}) }

// Nominations and reminder opt-outs are part of a dump (ficshelf copy).
func cClubChoicesDumped(t *testing.T, s shelf.Store) {
	a := cAdd(t, s, cGuildA, WithChapters("Alpha", 3, 3))
	cNominate(t, s, cGuildA, cChanA, cBob, a.ID, cT0)
	if err := s.SetClubReminders(cCtx, cGuildA, cCarol, false); err != nil {
		t.Fatal(err)
	}
	var noms, off int
	err := s.Dump(cCtx, func(guild string, it shelf.Item) error {
		if it.Nomination != nil && guild == cGuildA && it.Nomination.UserID == cBob && it.Nomination.StoryID == a.ID && it.Nomination.At.Equal(cT0) {
			noms++
		}
		if it.ClubRemindersOff != nil && *it.ClubRemindersOff == cCarol {
			off++
		}
		return nil
	})
	if err != nil || noms != 1 || off != 1 {
		t.Fatalf("dump has %d nominations, %d opt-outs: %v", noms, off, err)
	}
}
