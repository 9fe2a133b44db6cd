package storetest

import (
	"errors"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"ficshelf/fic"
	"ficshelf/shelf"
)

func init() {
	cRegister(
		cTest{"Subscriptions/AddRemoveList", cSubscribe},
		cTest{"Subscriptions/StoryRemovedAndMemberDeleted", cSubscribeCleanup},
		cTest{"WorkChecks/ClaimAndRecord", cWorkChecks},
		cTest{"WorkChecks/MemberOptionsStay", cWorkCheckOverrides},
		cTest{"WorkChecks/ClubsExtendAndFollow", cWorkCheckClubs},
		cTest{"WorkChecks/GoneWork", cWorkGone},
		cTest{"WorkChecks/Alerts", cAlerts},
		cTest{"WorkChecks/AO3Gap", cAO3Gap},
	)
}

// cWork is an AO3 work in progress as AO3 shows it: posted of 0 (?)
// chapters, General Audiences.
func cWork(id int64, title string, posted int) *fic.Story {
	return &fic.Story{Title: title, Authors: []string{"Quill"}, Rating: fic.RatingGeneral, AO3ID: id,
		Warnings: []string{fic.WarningNoneApply}, ChaptersPosted: posted, Words: 1000 * posted}
}

func cAddWork(t testing.TB, s shelf.Store, guild string, w *fic.Story) shelf.StoryRecord {
	t.Helper()
	st := *w
	return cAdd(t, s, guild, &st)
}

func cSub(t testing.TB, s shelf.Store, guild, user, story string) {
	t.Helper()
	if _, _, err := s.Subscribe(cCtx, guild, user, story, cT0); err != nil {
		t.Fatalf("subscribe %s to %s: %v", user, story, err)
	}
}

func cClaim(t testing.TB, s shelf.Store, now time.Time) []int64 {
	t.Helper()
	ws, err := s.ClaimDueWorks(cCtx, now, time.Hour, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, w := range ws {
		ids = append(ids, w.WorkID)
	}
	return ids
}

func cRecord(t testing.TB, s shelf.Store, c shelf.WorkCheck) int {
	t.Helper()
	if c.NextCheck.IsZero() {
		c.NextCheck = c.At.Add(6 * time.Hour)
	}
	n, err := s.RecordWorkCheck(cCtx, c)
	if err != nil {
		t.Fatalf("record check of %d: %v", c.WorkID, err)
	}
	return n
}

func cSubscribe(t *testing.T, s shelf.Store) {
	noAO3 := cAdd(t, s, cGuildA, Story("Plain"))
	if _, _, err := s.Subscribe(cCtx, cGuildA, cAlice, noAO3.ID, cT0); !errors.Is(err, shelf.ErrNoAO3Work) {
		t.Errorf("story without AO3 work: %v, want ErrNoAO3Work", err)
	}
	if _, _, err := s.Subscribe(cCtx, cGuildA, cAlice, "99", cT0); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("unknown story: %v, want ErrNotFound", err)
	}
	wip := cAddWork(t, s, cGuildA, cWork(501, "Slow Burn", 3))
	sub, added, err := s.Subscribe(cCtx, cGuildA, cAlice, wip.ID, cT0)
	if err != nil || !added {
		t.Fatalf("subscribe: %v added=%v", err, added)
	}
	if sub.StoryID != wip.ID || sub.StoryTitle != "Slow Burn" || sub.AO3ID != 501 || sub.ChaptersPosted != 3 || !sub.LastChecked.IsZero() || !sub.Since.Equal(cT0) {
		t.Errorf("subscription %+v", sub)
	}
	if _, added, err := s.Subscribe(cCtx, cGuildA, cAlice, wip.ID, cT0.Add(time.Hour)); err != nil || added {
		t.Errorf("second subscribe: %v added=%v, want no error, not added", err, added)
	}
	cSub(t, s, cGuildA, cBob, wip.ID)
	if ok, err := s.Subscribed(cCtx, cGuildA, cAlice, wip.ID); err != nil || !ok {
		t.Errorf("subscribed: %v %v", ok, err)
	}
	if ok, _ := s.Subscribed(cCtx, cGuildA, cCarol, wip.ID); ok {
		t.Error("carol subscribed without asking")
	}
	if subs, err := s.StorySubscribers(cCtx, cGuildA, wip.ID); err != nil || !slices.Equal(subs, []string{cAlice, cBob}) {
		t.Errorf("subscribers %v %v", subs, err)
	}
	list, err := s.Subscriptions(cCtx, cGuildA, cAlice)
	if err != nil || len(list) != 1 || list[0].StoryID != wip.ID || !list[0].Since.Equal(cT0) {
		t.Errorf("list %+v %v", list, err)
	}
	// Another guild sees nothing.
	if list, _ := s.Subscriptions(cCtx, cGuildB, cAlice); len(list) != 0 {
		t.Errorf("guild B sees %+v", list)
	}
	if subs, _ := s.StorySubscribers(cCtx, cGuildB, wip.ID); len(subs) != 0 {
		t.Errorf("guild B story subscribers %v", subs)
	}
	if err := s.Unsubscribe(cCtx, cGuildA, cAlice, wip.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Unsubscribe(cCtx, cGuildA, cAlice, wip.ID); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("second unsubscribe: %v, want ErrNotFound", err)
	}
	if list, _ := s.Subscriptions(cCtx, cGuildA, cAlice); len(list) != 0 {
		t.Errorf("after unsubscribe: %+v", list)
	}
	// The DMs-closed flag, per member per guild.
	if closed, err := s.DMsClosed(cCtx, cGuildA, cBob); err != nil || closed {
		t.Errorf("DMs closed before: %v %v", closed, err)
	}
	if err := s.SetDMsClosed(cCtx, cGuildA, cBob, true); err != nil {
		t.Fatal(err)
	}
	if closed, _ := s.DMsClosed(cCtx, cGuildA, cBob); !closed {
		t.Error("flag not set")
	}
	if closed, _ := s.DMsClosed(cCtx, cGuildB, cBob); closed {
		t.Error("flag leaked to guild B")
	}
	if err := s.SetDMsClosed(cCtx, cGuildA, cBob, false); err != nil {
		t.Fatal(err)
	}
	if closed, _ := s.DMsClosed(cCtx, cGuildA, cBob); closed {
		t.Error("flag not cleared")
	}
}

func cSubscribeCleanup(t *testing.T, s shelf.Store) {
	a := cAddWork(t, s, cGuildA, cWork(601, "Gone Soon", 2))
	b := cAddWork(t, s, cGuildA, cWork(602, "Stays", 2))
	cSub(t, s, cGuildA, cAlice, a.ID)
	cSub(t, s, cGuildA, cAlice, b.ID)
	cSub(t, s, cGuildA, cBob, b.ID)
	if err := s.RemoveStory(cCtx, cGuildA, a.ID); err != nil {
		t.Fatal(err)
	}
	list, err := s.Subscriptions(cCtx, cGuildA, cAlice)
	if err != nil || len(list) != 1 || list[0].StoryID != b.ID {
		t.Errorf("after removing a story: %+v %v", list, err)
	}
	if err := s.SetDMsClosed(cCtx, cGuildA, cAlice, true); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMember(cCtx, cGuildA, cAlice); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.Subscriptions(cCtx, cGuildA, cAlice); len(list) != 0 {
		t.Errorf("after /mydata delete: %+v", list)
	}
	if closed, _ := s.DMsClosed(cCtx, cGuildA, cAlice); closed {
		t.Error("DMs flag kept after /mydata delete")
	}
	if subs, _ := s.StorySubscribers(cCtx, cGuildA, b.ID); !slices.Equal(subs, []string{cBob}) {
		t.Errorf("others' subscriptions: %v", subs)
	}
}

func cWorkChecks(t *testing.T, s shelf.Store) {
	a := cAddWork(t, s, cGuildA, cWork(701, "Shared WIP", 3))
	b := cAddWork(t, s, cGuildB, cWork(701, "Shared WIP", 3))
	cAddWork(t, s, cGuildA, cWork(702, "Nobody Follows", 1))
	if got := cClaim(t, s, cT0); len(got) != 0 {
		t.Fatalf("claimed %v with no subscriber", got)
	}
	cSub(t, s, cGuildA, cAlice, a.ID)
	cSub(t, s, cGuildA, cBob, a.ID)
	cSub(t, s, cGuildB, cCarol, b.ID)
	// One work, however many guilds follow it; claimed once until checked.
	if got := cClaim(t, s, cT0); !slices.Equal(got, []int64{701}) {
		t.Fatalf("claimed %v, want [701]", got)
	}
	if got := cClaim(t, s, cT0.Add(time.Minute)); len(got) != 0 {
		t.Fatalf("claimed again while held: %v", got)
	}
	// First check: nothing new. No alert, but the last check is known.
	at := cT0.Add(2 * time.Minute)
	if n := cRecord(t, s, shelf.WorkCheck{WorkID: 701, At: at, Fetched: cWork(701, "Shared WIP", 3)}); n != 0 {
		t.Errorf("%d alerts for no change", n)
	}
	list, _ := s.Subscriptions(cCtx, cGuildA, cAlice)
	if len(list) != 1 || !list[0].LastChecked.Equal(at) {
		t.Errorf("last checked %+v, want %v", list, at)
	}
	if got := cClaim(t, s, at.Add(time.Hour)); len(got) != 0 {
		t.Errorf("claimed %v before its next check", got)
	}
	// A new chapter: both guilds' stories follow; each guild with
	// subscribers gets one alert.
	at2 := at.Add(6 * time.Hour)
	if got := cClaim(t, s, at2); !slices.Equal(got, []int64{701}) {
		t.Fatalf("claimed %v at next check", got)
	}
	if n := cRecord(t, s, shelf.WorkCheck{WorkID: 701, At: at2, Fetched: cWork(701, "Shared WIP", 4)}); n != 2 {
		t.Errorf("%d alerts, want 2 (one per guild)", n)
	}
	for _, g := range []struct{ guild, id string }{{cGuildA, a.ID}, {cGuildB, b.ID}} {
		rec, err := s.Story(cCtx, g.guild, g.id)
		if err != nil || rec.Story.ChaptersPosted != 4 || rec.Story.Words != 4000 {
			t.Errorf("guild %s story after check: %+v %v", g.guild, rec.Story, err)
		}
	}
	alerts, err := s.PendingAlerts(cCtx, 10)
	if err != nil || len(alerts) != 2 {
		t.Fatalf("pending %+v %v", alerts, err)
	}
	sort.Slice(alerts, func(i, j int) bool { return alerts[i].GuildID < alerts[j].GuildID })
	if al := alerts[0]; al.GuildID != cGuildA || al.StoryID != a.ID || al.Kind != shelf.AlertUpdate || al.WorkID != 701 ||
		al.Summary != "1 new chapter (4/?)" || !slices.Equal(al.Recipients, []string{cAlice, cBob}) || al.Posted || al.Title != "Shared WIP" {
		t.Errorf("guild A alert %+v", al)
	}
	if al := alerts[1]; al.GuildID != cGuildB || !slices.Equal(al.Recipients, []string{cCarol}) {
		t.Errorf("guild B alert %+v", al)
	}
	// The same page again: nothing new, no alert.
	if n := cRecord(t, s, shelf.WorkCheck{WorkID: 701, At: at2.Add(6 * time.Hour), Fetched: cWork(701, "Shared WIP", 4)}); n != 0 {
		t.Errorf("%d alerts for the same page", n)
	}
	// A failed check only moves the next one.
	if n := cRecord(t, s, shelf.WorkCheck{WorkID: 701, At: at2.Add(7 * time.Hour), NextCheck: at2.Add(8 * time.Hour)}); n != 0 {
		t.Errorf("%d alerts for a failed check", n)
	}
	if _, err := s.RecordWorkCheck(cCtx, shelf.WorkCheck{WorkID: 9999, At: at2}); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("unscheduled work: %v, want ErrNotFound", err)
	}
	// Nobody follows it any more: it leaves the schedule.
	for _, u := range []struct{ g, u, id string }{{cGuildA, cAlice, a.ID}, {cGuildA, cBob, a.ID}, {cGuildB, cCarol, b.ID}} {
		if err := s.Unsubscribe(cCtx, u.g, u.u, u.id); err != nil {
			t.Fatal(err)
		}
	}
	if got := cClaim(t, s, at2.Add(9*time.Hour)); len(got) != 0 {
		t.Errorf("claimed %v nobody follows", got)
	}
	if _, err := s.RecordWorkCheck(cCtx, shelf.WorkCheck{WorkID: 701, At: at2}); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("work left the schedule: %v, want ErrNotFound", err)
	}
}

func cWorkCheckOverrides(t *testing.T, s shelf.Store) {
	// Guild A's member gave a title and a rating of their own; guild B
	// took AO3's.
	own := cWork(801, "My Own Title", 2)
	own.Rating = fic.RatingMature
	a := cAddWork(t, s, cGuildA, own)
	b := cAddWork(t, s, cGuildB, cWork(801, "Original", 2))
	cSub(t, s, cGuildA, cAlice, a.ID)
	cSub(t, s, cGuildB, cBob, b.ID)
	cClaim(t, s, cT0)
	if n := cRecord(t, s, shelf.WorkCheck{WorkID: 801, At: cT0, Fetched: cWork(801, "Original", 2)}); n != 0 {
		t.Errorf("first check: %d alerts (a member's title is not a retitle)", n)
	}
	if rec, _ := s.Story(cCtx, cGuildA, a.ID); rec.Story.Title != "My Own Title" || rec.Story.Rating != fic.RatingMature {
		t.Errorf("member's options replaced on the first check: %q %q", rec.Story.Title, rec.Story.Rating)
	}
	// AO3 retitles the work and adds a chapter.
	next := cWork(801, "Renamed", 3)
	next.Rating = fic.RatingTeen
	cClaim(t, s, cT0.Add(7*time.Hour))
	if n := cRecord(t, s, shelf.WorkCheck{WorkID: 801, At: cT0.Add(7 * time.Hour), Fetched: next}); n != 2 {
		t.Errorf("%d alerts, want 2", n)
	}
	ra, _ := s.Story(cCtx, cGuildA, a.ID)
	if ra.Story.Title != "My Own Title" || ra.Story.Rating != fic.RatingMature || ra.Story.ChaptersPosted != 3 {
		t.Errorf("guild A: %q %q %d, want its own title and rating kept, 3 chapters", ra.Story.Title, ra.Story.Rating, ra.Story.ChaptersPosted)
	}
	rb, _ := s.Story(cCtx, cGuildB, b.ID)
	if rb.Story.Title != "Renamed" || rb.Story.Rating != fic.RatingTeen {
		t.Errorf("guild B: %q %q, want AO3's new title and rating", rb.Story.Title, rb.Story.Rating)
	}
	// Autocomplete follows the new title.
	if refs, _ := s.SearchStories(cCtx, cGuildB, "renamed", 5); len(refs) != 1 {
		t.Errorf("search after retitle: %v", cTitles(refs))
	}
	alerts, _ := s.PendingAlerts(cCtx, 10)
	sums := map[string]string{}
	for _, al := range alerts {
		sums[al.GuildID] = al.Summary
	}
	if sums[cGuildA] != "1 new chapter (3/?)" {
		t.Errorf("guild A alert %q: a kept title or rating is no change", sums[cGuildA])
	}
	if sums[cGuildB] != "1 new chapter (3/?), retitled “Renamed”, rating now Teen And Up Audiences" {
		t.Errorf("guild B alert %q", sums[cGuildB])
	}
}

func cWorkCheckClubs(t *testing.T, s shelf.Store) {
	rec := cAddWork(t, s, cGuildA, cWork(901, "Club WIP", 2))
	club := cStartClub(t, s, cGuildA, cChanA, rec.ID, 1, 7, cT0)
	if club.Chapters() != 2 {
		t.Fatalf("club of %d chapters", club.Chapters())
	}
	// An active club is enough to have the work checked.
	if got := cClaim(t, s, cT0); !slices.Equal(got, []int64{901}) {
		t.Fatalf("claimed %v, want the club's work", got)
	}
	if n := cRecord(t, s, shelf.WorkCheck{WorkID: 901, At: cT0, Fetched: cWork(901, "Club WIP", 4)}); n != 0 {
		t.Errorf("%d alerts without subscribers", n)
	}
	got, err := s.Club(cCtx, cGuildA, club.ID)
	if err != nil || got.Chapters() != 4 || len(got.Checkpoints) != 4 {
		t.Errorf("club after check: %d chapters, %s (%v)", got.Chapters(), cSpans(got.Checkpoints), err)
	}
	if _, err := s.EndClub(cCtx, cGuildA, club.ID, cAlice, cT0); err != nil {
		t.Fatal(err)
	}
	if got := cClaim(t, s, cT0.Add(7*time.Hour)); len(got) != 0 {
		t.Errorf("claimed %v after the club ended", got)
	}
}

func cWorkGone(t *testing.T, s shelf.Store) {
	rec := cAddWork(t, s, cGuildA, cWork(1001, "Vanishing", 2))
	cSub(t, s, cGuildA, cAlice, rec.ID)
	cClaim(t, s, cT0)
	if n := cRecord(t, s, shelf.WorkCheck{WorkID: 1001, At: cT0, State: shelf.WorkUnrevealed}); n != 1 {
		t.Errorf("unrevealed: %d alerts, want 1", n)
	}
	cClaim(t, s, cT0.Add(7*time.Hour))
	if n := cRecord(t, s, shelf.WorkCheck{WorkID: 1001, At: cT0.Add(7 * time.Hour), State: shelf.WorkUnrevealed}); n != 0 {
		t.Errorf("still unrevealed: %d alerts, want none", n)
	}
	if got := cClaim(t, s, cT0.Add(14*time.Hour)); !slices.Equal(got, []int64{1001}) {
		t.Fatalf("an unrevealed work is still checked: %v", got)
	}
	if n := cRecord(t, s, shelf.WorkCheck{WorkID: 1001, At: cT0.Add(14 * time.Hour), State: shelf.WorkDeleted}); n != 1 {
		t.Errorf("deleted: %d alerts, want 1", n)
	}
	if got := cClaim(t, s, cT0.Add(100*time.Hour)); len(got) != 0 {
		t.Errorf("a deleted work is still checked: %v", got)
	}
	list, _ := s.Subscriptions(cCtx, cGuildA, cAlice)
	if len(list) != 1 || !list[0].Gone {
		t.Errorf("subscription of a deleted work: %+v", list)
	}
	alerts, _ := s.PendingAlerts(cCtx, 10)
	var kinds []string
	for _, a := range alerts {
		kinds = append(kinds, a.Kind)
	}
	if !slices.Equal(kinds, []string{shelf.WorkUnrevealed, shelf.WorkDeleted}) {
		t.Errorf("alert kinds %v", kinds)
	}
}

func cAlerts(t *testing.T, s shelf.Store) {
	rec := cAddWork(t, s, cGuildA, cWork(1101, "Alerting", 1))
	cSub(t, s, cGuildA, cAlice, rec.ID)
	cSub(t, s, cGuildA, cBob, rec.ID)
	cClaim(t, s, cT0)
	cRecord(t, s, shelf.WorkCheck{WorkID: 1101, At: cT0, Fetched: cWork(1101, "Alerting", 2)})
	alerts, err := s.PendingAlerts(cCtx, 10)
	if err != nil || len(alerts) != 1 {
		t.Fatalf("pending %+v %v", alerts, err)
	}
	al := alerts[0]
	if !al.FirstAttempt.IsZero() || !al.Created.Equal(cT0) {
		t.Errorf("new alert %+v", al)
	}
	first, err := s.AlertAttempt(cCtx, cGuildA, al.ID, cT0.Add(time.Minute))
	if err != nil || !first.Equal(cT0.Add(time.Minute)) {
		t.Errorf("first attempt %v %v", first, err)
	}
	if again, _ := s.AlertAttempt(cCtx, cGuildA, al.ID, cT0.Add(time.Hour)); !again.Equal(first) {
		t.Errorf("second attempt returned %v, want the first's %v", again, first)
	}
	if err := s.AlertDelivered(cCtx, cGuildA, al.ID, cAlice); err != nil {
		t.Fatal(err)
	}
	if err := s.AlertDelivered(cCtx, cGuildA, al.ID, cAlice); err != nil {
		t.Fatal(err)
	}
	alerts, _ = s.PendingAlerts(cCtx, 10)
	if len(alerts) != 1 || !slices.Equal(alerts[0].Delivered, []string{cAlice}) {
		t.Errorf("delivered %+v", alerts)
	}
	if _, err := s.AlertAttempt(cCtx, cGuildB, al.ID, cT0); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("another guild's alert: %v, want ErrNotFound", err)
	}
	if err := s.AlertPosted(cCtx, cGuildA, al.ID, cChanA, "900000000000000001"); err != nil {
		t.Fatal(err)
	}
	if alerts, _ := s.PendingAlerts(cCtx, 10); len(alerts) != 0 {
		t.Errorf("posted alert still pending: %+v", alerts)
	}
	if err := s.AlertPosted(cCtx, cGuildA, al.ID, cChanA, "900000000000000001"); err != nil {
		t.Errorf("posted twice: %v", err)
	}
}

func cAO3Gap(t *testing.T, s shelf.Store) {
	const gap = 3 * time.Second
	now := time.Now().Add(time.Hour).Truncate(time.Millisecond) // later than anything taken before
	var slots []time.Time
	for range 3 {
		at, err := s.TakeAO3Slot(cCtx, now, gap)
		if err != nil {
			t.Fatal(err)
		}
		slots = append(slots, at)
	}
	for i, at := range slots {
		if want := now.Add(time.Duration(i) * gap); !at.Equal(want) {
			t.Errorf("slot %d at %v, want %v", i, at, want)
		}
	}
	// AO3 asked to wait a minute: no slot before that.
	hold := now.Add(time.Minute)
	if err := s.HoldAO3(cCtx, hold); err != nil {
		t.Fatal(err)
	}
	if at, _ := s.TakeAO3Slot(cCtx, now, gap); !at.Equal(hold) {
		t.Errorf("slot after hold at %v, want %v", at, hold)
	}
	// A hold shorter than the slots already taken changes nothing.
	if err := s.HoldAO3(cCtx, now); err != nil {
		t.Fatal(err)
	}
	if at, _ := s.TakeAO3Slot(cCtx, now, gap); !at.Equal(hold.Add(gap)) {
		t.Errorf("slot at %v, want %v", at, hold.Add(gap))
	}
}

// RunTwoStoresSubs checks what several processes on one database share
// for update checks: AO3 request slots never closer than the gap, and a
// due work claimed by one of them only.
func RunTwoStoresSubs(t *testing.T, open2 func(t testing.TB) (a, b shelf.Store)) {
	t.Run("TwoStores/AO3GapShared", func(t *testing.T) {
		a, b := open2(t)
		const gap = 50 * time.Millisecond
		var (
			mu    sync.Mutex
			slots []time.Time
			wg    sync.WaitGroup
		)
		for _, s := range []shelf.Store{a, b, a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 10 {
					at, err := s.TakeAO3Slot(cCtx, time.Now(), gap)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					slots = append(slots, at)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		sort.Slice(slots, func(i, j int) bool { return slots[i].Before(slots[j]) })
		for i := 1; i < len(slots); i++ {
			if d := slots[i].Sub(slots[i-1]); d < gap {
				t.Errorf("slots %d and %d only %v apart, want at least %v", i-1, i, d, gap)
			}
		}
		if len(slots) != 40 {
			t.Errorf("%d slots, want 40", len(slots))
		}
	})
	t.Run("TwoStores/ClaimOnce", func(t *testing.T) {
		a, b := open2(t)
		for i := range 20 {
			rec := cAddWork(t, a, cGuildA, cWork(int64(2000+i), "Work", 1))
			cSub(t, a, cGuildA, cAlice, rec.ID)
		}
		var (
			mu      sync.Mutex
			claimed = map[int64]int{}
			wg      sync.WaitGroup
		)
		for _, s := range []shelf.Store{a, b, a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 10 {
					ws, err := s.ClaimDueWorks(cCtx, cT0, time.Hour, 3)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					for _, w := range ws {
						claimed[w.WorkID]++
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(claimed) != 20 {
			t.Errorf("%d works claimed, want 20", len(claimed))
		}
		for w, n := range claimed {
			if n != 1 {
				t.Errorf("work %d claimed %d times", w, n)
			}
		}
	})
}
