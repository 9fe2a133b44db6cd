package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"ficshelf/fic"
	"ficshelf/shelf"
)

func init() {
	cRegister(
		cTest{"Series/RefsStored", cSeriesRefsStored},
		cTest{"Series/JobAddsAndLinks", cSeriesJob},
		cTest{"Series/StepOnce", cSeriesStepOnce},
		cTest{"Series/Pages", cSeriesPages},
		cTest{"Series/DeleteMember", cSeriesDeleteMember},
		cTest{"Series/ListFilter", cSeriesListFilter},
	)
}

// cSeriesWork is work ao3 as a series listing shows it.
func cSeriesWork(title string, part int, ao3 int64) shelf.SeriesJobWork {
	return shelf.SeriesJobWork{Part: part, Story: Work(title, 1, 1, ao3)}
}

func cSeriesRefsStored(t *testing.T, s shelf.Store) {
	st := Work("In two series", 2, 3, 501)
	st.SeriesRefs = []fic.SeriesRef{{ID: 7, Title: "Folded Things", Part: 3}, {ID: 9, Title: "Ésprit", Part: 1}}
	rec := cAdd(t, s, cGuildA, st)
	if !reflect.DeepEqual(rec.Story.SeriesRefs, st.SeriesRefs) {
		t.Fatalf("added: %+v", rec.Story.SeriesRefs)
	}
	got, err := s.Story(cCtx, cGuildA, rec.ID)
	if err != nil || !reflect.DeepEqual(got.Story.SeriesRefs, st.SeriesRefs) {
		t.Fatalf("read back: %+v %v", got.Story.SeriesRefs, err)
	}
	st.SeriesRefs = st.SeriesRefs[:1]
	up, err := s.UpdateStory(cCtx, cGuildA, rec.ID, st, nil, cT0)
	if err != nil || !reflect.DeepEqual(up.Story.SeriesRefs, st.SeriesRefs) {
		t.Fatalf("updated: %+v %v", up.Story.SeriesRefs, err)
	}
}

func cNewSeriesJob(t testing.TB, s shelf.Store, guild, user string, works []shelf.SeriesJobWork) shelf.SeriesJob {
	t.Helper()
	j, err := s.CreateSeriesJob(cCtx, guild, shelf.SeriesJob{UserID: user, ChannelID: "500000000000000005", SeriesID: 77,
		SeriesTitle: "The Long Series", AppID: "app", Token: "tok", TokenAt: cT0, Created: cT0, Works: works, Pages: 1, Listed: true})
	if err != nil {
		t.Fatal(err)
	}
	if j.State != shelf.ImportRunning || j.Total != len(works) || j.Cursor != 0 || j.ID == "" || j.GuildID != guild {
		t.Fatalf("created: %+v", j)
	}
	return j
}

func cSeriesJob(t *testing.T, s shelf.Store) {
	// The guild has part 2 already, in another series too; part 3 is in
	// this series already (with the same part).
	had := Work("Two", 1, 1, 602)
	had.SeriesRefs = []fic.SeriesRef{{ID: 5, Title: "Other", Part: 4}}
	two := cAdd(t, s, cGuildA, had)
	had3 := Work("Three", 1, 1, 603)
	had3.SeriesRefs = []fic.SeriesRef{{ID: 77, Title: "The Long Series", Part: 3}}
	three := cAdd(t, s, cGuildA, had3)
	works := []shelf.SeriesJobWork{
		cSeriesWork("One", 1, 601), cSeriesWork("Two", 2, 602), cSeriesWork("Three", 3, 603),
		{Part: 4, Unrevealed: true, Story: &fic.Story{Title: "Mystery Work", AO3ID: 604}},
		cSeriesWork("Five", 5, 605), cSeriesWork("Six, fetched", 6, 606),
	}
	j := cNewSeriesJob(t, s, cGuildA, cBob, works)
	if refs, err := s.RunningSeriesJobs(cCtx); err != nil || !reflect.DeepEqual(refs, []shelf.ImportRef{{GuildID: cGuildA, ID: j.ID}}) {
		t.Fatalf("running: %+v %v", refs, err)
	}
	if _, err := s.FinishSeriesJob(cCtx, cGuildA, j.ID, false, cT0); !errors.Is(err, shelf.ErrImportState) {
		t.Fatalf("finish before the end: %v", err)
	}
	fetched := Work("Six, from its page", 4, 4, 606)
	fetched.Summary = "read from the work page"
	inputs := []shelf.SeriesStepInput{{}, {}, {}, {}, {Failure: "AO3 work 605 is restricted"}, {Story: fetched}}
	for i, in := range inputs {
		var err error
		if j, err = s.SeriesStep(cCtx, cGuildA, j.ID, i, in, cT0); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	if j.Cursor != 6 || j.Added != 2 || j.Linked != 2 || j.Unrevealed != 1 || j.Failed != 1 {
		t.Fatalf("counts: %+v", j)
	}
	got, err := s.SeriesJobWorks(cCtx, cGuildA, j.ID, 0, 100)
	if err != nil || len(got) != 6 {
		t.Fatalf("works: %d %v", len(got), err)
	}
	want := []shelf.SeriesOutcome{shelf.SeriesAdded, shelf.SeriesLinked, shelf.SeriesLinked, shelf.SeriesUnrevealed, shelf.SeriesFailed, shelf.SeriesAdded}
	for i, w := range got {
		if w.Outcome != want[i] || w.Part != i+1 {
			t.Fatalf("work %d: %+v", i, w)
		}
	}
	if got[1].StoryID != two.ID || got[2].StoryID != three.ID || got[4].Failure == "" {
		t.Fatalf("linked works: %+v", got)
	}
	// The new story: details from the listing, the series remembered.
	one, err := s.StoryByAO3(cCtx, cGuildA, 601)
	if err != nil || one.ID != got[0].StoryID || one.AddedBy != cBob || len(one.Chapters) != 0 ||
		!reflect.DeepEqual(one.Story.SeriesRefs, []fic.SeriesRef{{ID: 77, Title: "The Long Series", Part: 1}}) {
		t.Fatalf("added: %+v %v", one, err)
	}
	six, err := s.StoryByAO3(cCtx, cGuildA, 606)
	if err != nil || six.Story.Title != "Six, from its page" || six.Story.Summary != "read from the work page" ||
		!reflect.DeepEqual(six.Story.SeriesRefs, []fic.SeriesRef{{ID: 77, Title: "The Long Series", Part: 6}}) {
		t.Fatalf("fetched: %+v %v", six.Story, err)
	}
	// The story the guild had: merged, its other series kept.
	rec, _ := s.Story(cCtx, cGuildA, two.ID)
	if !reflect.DeepEqual(rec.Story.SeriesRefs, []fic.SeriesRef{{ID: 5, Title: "Other", Part: 4}, {ID: 77, Title: "The Long Series", Part: 2}}) {
		t.Fatalf("merged: %+v", rec.Story.SeriesRefs)
	}
	for _, id := range []int64{604, 605} {
		if _, err := s.StoryByAO3(cCtx, cGuildA, id); !errors.Is(err, shelf.ErrNotFound) {
			t.Fatalf("AO3 work %d added: %v", id, err)
		}
	}
	if _, err := s.SeriesStep(cCtx, cGuildA, j.ID, 6, shelf.SeriesStepInput{}, cT0); !errors.Is(err, shelf.ErrImportState) {
		t.Fatalf("step past the end: %v", err)
	}
	if j, err = s.FinishSeriesJob(cCtx, cGuildA, j.ID, false, cT0); err != nil || j.State != shelf.ImportDone || !j.Finished.Equal(cT0) {
		t.Fatalf("finished: %+v %v", j, err)
	}
	if refs, _ := s.RunningSeriesJobs(cCtx); len(refs) != 1 {
		t.Fatalf("done, not told: %+v", refs)
	}
	if j, err = s.FinishSeriesJob(cCtx, cGuildA, j.ID, true, cT0); err != nil || !j.Notified {
		t.Fatalf("told: %+v %v", j, err)
	}
	if refs, _ := s.RunningSeriesJobs(cCtx); len(refs) != 0 {
		t.Fatalf("still running: %+v", refs)
	}
	// The same series again: nothing added, everything linked already.
	again := cNewSeriesJob(t, s, cGuildA, cBob, works[:3])
	for i := range 3 {
		if again, err = s.SeriesStep(cCtx, cGuildA, again.ID, i, shelf.SeriesStepInput{}, cT0); err != nil {
			t.Fatal(err)
		}
	}
	if again.Added != 0 || again.Linked != 3 {
		t.Fatalf("again: %+v", again)
	}
	if _, total, _ := s.ListStories(cCtx, cGuildA, shelf.ListQuery{Limit: 100}); total != 4 {
		t.Fatalf("library has %d stories", total)
	}
	// Another guild sees none of it.
	if _, err := s.SeriesJob(cCtx, cGuildB, j.ID); !errors.Is(err, shelf.ErrNotFound) {
		t.Fatalf("other guild: %v", err)
	}
}

func cSeriesStepOnce(t *testing.T, s shelf.Store) {
	var works []shelf.SeriesJobWork
	for i := range 4 {
		works = append(works, cSeriesWork(fmt.Sprintf("W%d", i), i+1, int64(700+i)))
	}
	j := cNewSeriesJob(t, s, cGuildA, cAlice, works)
	for step := range works {
		cStepOnce(t, step, func() error {
			_, err := s.SeriesStep(cCtx, cGuildA, j.ID, step, shelf.SeriesStepInput{}, cT0)
			return err
		})
	}
	got, err := s.SeriesJob(cCtx, cGuildA, j.ID)
	if err != nil || got.Cursor != 4 || got.Added != 4 {
		t.Fatalf("after the race: %+v %v", got, err)
	}
	if _, total, _ := s.ListStories(cCtx, cGuildA, shelf.ListQuery{Limit: 100}); total != 4 {
		t.Fatalf("library has %d stories", total)
	}
}

func cSeriesListFilter(t *testing.T, s shelf.Store) {
	in := func(title string, ao3 int64, refs ...fic.SeriesRef) shelf.StoryRecord {
		st := Work(title, 1, 1, ao3)
		st.SeriesRefs = refs
		return cAdd(t, s, cGuildA, st)
	}
	a := in("Alpha", 801, fic.SeriesRef{ID: 31, Title: "Pokémon Journeys", Part: 1})
	b := in("Beta", 802, fic.SeriesRef{ID: 31, Title: "Pokémon Journeys", Part: 2}, fic.SeriesRef{ID: 42, Title: "Side Stories", Part: 1})
	in("Gamma", 803)
	c := in("Delta", 804, fic.SeriesRef{Title: "Untracked Series", Part: 3}) // no series ID known
	cAdd(t, s, cGuildB, func() *fic.Story {
		st := Work("Elsewhere", 1, 1, 801)
		st.SeriesRefs = []fic.SeriesRef{{ID: 31, Title: "Pokémon Journeys", Part: 1}}
		return st
	}())
	list := func(q shelf.ListQuery) []string {
		t.Helper()
		q.Sort, q.Limit = shelf.SortTitle, 100
		recs, total, err := s.ListStories(cCtx, cGuildA, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range recs {
			out = append(out, r.ID)
		}
		if total != len(out) {
			t.Fatalf("%+v: total %d, page %d", q, total, len(out))
		}
		return out
	}
	for _, tc := range []struct {
		series string
		want   []string
	}{
		{"pokemon", []string{a.ID, b.ID}}, // folded: accents and case
		{"POKÉMON JOURN", []string{a.ID, b.ID}},
		{"31", []string{a.ID, b.ID}}, // the series ID
		{"42", []string{b.ID}},
		{"side", []string{b.ID}},
		{"untracked", []string{c.ID}},
		{"stor", []string{b.ID}},
		{"series", []string{c.ID}},
		{"nothing like it", nil},
		{"99", nil},
	} {
		if got := list(shelf.ListQuery{Series: tc.series}); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("series %q: %v, want %v", tc.series, got, tc.want)
		}
	}
	// With the other filters.
	if got := list(shelf.ListQuery{Series: "31", Tag: "nothing"}); got != nil {
		t.Errorf("series and tag: %v", got)
	}
	// A story updated out of a series leaves the filter.
	st := Work("Beta", 1, 1, 802)
	if _, err := s.UpdateStory(cCtx, cGuildA, b.ID, st, nil, cT0); err != nil {
		t.Fatal(err)
	}
	if got := list(shelf.ListQuery{Series: "side"}); got != nil {
		t.Errorf("after the update: %v", got)
	}
}

func cSeriesPages(t *testing.T, s shelf.Store) {
	j, err := s.CreateSeriesJob(cCtx, cGuildA, shelf.SeriesJob{UserID: cAlice, SeriesID: 8, SeriesTitle: "Paged",
		Works: []shelf.SeriesJobWork{cSeriesWork("P1", 1, 901), cSeriesWork("P2", 2, 902)}, Pages: 1, LastPage: 3})
	if err != nil || j.Total != 2 || j.Pages != 1 || j.Listed {
		t.Fatalf("created: %+v %v", j, err)
	}
	for i := range 2 {
		if j, err = s.SeriesStep(cCtx, cGuildA, j.ID, i, shelf.SeriesStepInput{}, cT0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.SeriesStep(cCtx, cGuildA, j.ID, 2, shelf.SeriesStepInput{}, cT0); !errors.Is(err, shelf.ErrImportState) {
		t.Fatalf("step past the works listed: %v", err)
	}
	if _, err := s.FinishSeriesJob(cCtx, cGuildA, j.ID, false, cT0); !errors.Is(err, shelf.ErrImportState) {
		t.Fatalf("finished before the last page: %v", err)
	}
	if _, err := s.AddSeriesPage(cCtx, cGuildA, j.ID, 3, nil, 3, true); !errors.Is(err, shelf.ErrImportState) {
		t.Fatalf("page 3 before page 2: %v", err)
	}
	if j, err = s.AddSeriesPage(cCtx, cGuildA, j.ID, 2, []shelf.SeriesJobWork{cSeriesWork("P3", 3, 903)}, 3, false); err != nil || j.Total != 3 || j.Pages != 2 {
		t.Fatalf("page 2: %+v %v", j, err)
	}
	if _, err := s.AddSeriesPage(cCtx, cGuildA, j.ID, 2, []shelf.SeriesJobWork{cSeriesWork("P3", 3, 903)}, 3, false); !errors.Is(err, shelf.ErrImportState) {
		t.Fatalf("page 2 again: %v", err)
	}
	if j, err = s.AddSeriesPage(cCtx, cGuildA, j.ID, 3, nil, 3, true); err != nil || j.Total != 3 || !j.Listed {
		t.Fatalf("page 3: %+v %v", j, err)
	}
	if _, err := s.AddSeriesPage(cCtx, cGuildA, j.ID, 4, nil, 3, true); !errors.Is(err, shelf.ErrImportState) {
		t.Fatalf("a page after the last: %v", err)
	}
	if j, err = s.SeriesStep(cCtx, cGuildA, j.ID, 2, shelf.SeriesStepInput{}, cT0); err != nil || j.Added != 3 {
		t.Fatalf("step 2: %+v %v", j, err)
	}
	works, err := s.SeriesJobWorks(cCtx, cGuildA, j.ID, 1, 10)
	if err != nil || len(works) != 2 || works[0].Story.Title != "P2" || works[1].Story.Title != "P3" || works[1].Outcome != shelf.SeriesAdded {
		t.Fatalf("works from 1: %+v %v", works, err)
	}
	if j, err = s.FinishSeriesJob(cCtx, cGuildA, j.ID, true, cT0); err != nil || j.State != shelf.ImportDone {
		t.Fatalf("finish: %+v %v", j, err)
	}
}

func cSeriesDeleteMember(t *testing.T, s shelf.Store) {
	mine := cNewSeriesJob(t, s, cGuildA, cBob, []shelf.SeriesJobWork{cSeriesWork("M1", 1, 951), cSeriesWork("M2", 2, 952)})
	theirs := cNewSeriesJob(t, s, cGuildA, cAlice, []shelf.SeriesJobWork{cSeriesWork("A1", 1, 961)})
	if _, err := s.SeriesStep(cCtx, cGuildA, mine.ID, 0, shelf.SeriesStepInput{}, cT0); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMember(cCtx, cGuildA, cBob); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SeriesJob(cCtx, cGuildA, mine.ID); !errors.Is(err, shelf.ErrNotFound) {
		t.Fatalf("the member's job: %v", err)
	}
	if w, err := s.SeriesJobWorks(cCtx, cGuildA, mine.ID, 0, 10); err != nil || len(w) != 0 {
		t.Fatalf("the member's works: %+v %v", w, err)
	}
	if refs, err := s.RunningSeriesJobs(cCtx); err != nil || !reflect.DeepEqual(refs, []shelf.ImportRef{{GuildID: cGuildA, ID: theirs.ID}}) {
		t.Fatalf("running: %+v %v", refs, err)
	}
	// The story they added stays.
	if _, err := s.StoryByAO3(cCtx, cGuildA, 951); err != nil {
		t.Fatalf("added story: %v", err)
	}
}
