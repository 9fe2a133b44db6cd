package ao3test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, s *Server, path string, follow bool, cookie string) (*http.Response, string) {
	t.Helper()
	c := *s.Client()
	if !follow {
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
	req.Header.Set("User-Agent", "ao3test-test")
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestServesAsAO3Does(t *testing.T) {
	s := New(t)
	one := s.AddWork(Work{Title: "One <Shot>", Rating: "Teen And Up Audiences"})
	wip := s.AddWork(Work{Title: "Wip", Rating: "Explicit", Posted: 2})
	restricted := s.AddWork(Work{State: Restricted})
	hidden := s.AddWork(Work{State: Hidden})
	gone := s.AddWork(Work{State: Deleted})
	mystery := s.AddWork(Work{State: Unrevealed, Collection: "Winter Fest"})

	if resp, body := get(t, s, "/works/1001", true, ""); resp.StatusCode != 200 || !strings.Contains(body, `<h2 class="title heading">One &lt;Shot&gt;</h2>`) ||
		!strings.Contains(body, `<dl class="work meta group">`) || one.ID != 1001 {
		t.Errorf("one-shot: %d %s", resp.StatusCode, body)
	}
	// The adult question, then the first chapter once answered.
	if _, body := get(t, s, "/works/1002", true, ""); !strings.Contains(body, `class="caution notice"`) || !strings.Contains(body, "view_adult=true") {
		t.Errorf("no adult question: %s", body)
	}
	resp, _ := get(t, s, "/works/1002?view_adult=true", false, "")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/works/1002/chapters/1002001" || !strings.Contains(resp.Header.Get("Set-Cookie"), "view_adult=true") {
		t.Errorf("chaptered work: %d %v", resp.StatusCode, resp.Header)
	}
	if _, body := get(t, s, "/works/1002/chapters/1002001", true, "view_adult=true"); !strings.Contains(body, `<dl class="work meta group">`) {
		t.Errorf("chapter page with the cookie: %s", body)
	}
	if resp, _ := get(t, s, "/works/1002/chapters/1002003", true, "view_adult=true"); resp.StatusCode != 404 {
		t.Errorf("an unposted chapter: %d", resp.StatusCode)
	}
	if resp, _ := get(t, s, "/works/1003", false, ""); resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "/users/login?restricted=true&return_to=") {
		t.Errorf("restricted: %v", resp.Header)
	}
	if resp, _ := get(t, s, "/works/1004", false, ""); resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "/users/login?return_to=") {
		t.Errorf("hidden: %v", resp.Header)
	}
	if resp, _ := get(t, s, "/works/1005", true, ""); resp.StatusCode != 404 {
		t.Errorf("deleted: %d", resp.StatusCode)
	}
	if _, body := get(t, s, "/works/1006", true, ""); !strings.Contains(body, "<title>Mystery Work") || strings.Contains(body, "work meta") || !strings.Contains(body, "Winter Fest") {
		t.Errorf("mystery: %s", body)
	}
	_, _, _, _, _ = wip, restricted, hidden, gone, mystery

	// A change between two requests shows on the next one.
	s.AddChapter(one.ID, 500)
	s.Complete(one.ID)
	if _, body := get(t, s, "/works/1001?view_full_work=true", true, ""); !strings.Contains(body, `<dd class="chapters">`) || !strings.Contains(body, ">2</a>/2") || !strings.Contains(body, "1,500") {
		t.Errorf("after a chapter: %s", body)
	}
	if w, _ := s.Work(one.ID); w.Posted != 2 || !w.Complete() {
		t.Errorf("%+v", w)
	}
}

func TestThrottleAndLog(t *testing.T) {
	s := New(t)
	s.AddWork(Work{ID: 7, Expected: 1})
	s.Throttle(2, "3")
	for i := 0; i < 3; i++ {
		resp, _ := get(t, s, "/works/7", true, "")
		want := 429
		if i == 2 {
			want = 200
		}
		if resp.StatusCode != want || (want == 429 && resp.Header.Get("Retry-After") != "3") {
			t.Errorf("request %d: %d %v", i, resp.StatusCode, resp.Header)
		}
		time.Sleep(5 * time.Millisecond)
	}
	get(t, s, "/series/99", true, "")
	if s.Count("/works/7") != 3 || s.Count("/series/99") != 1 || len(s.Times("")) != 4 || len(s.Times("/works/7")) != 3 {
		t.Errorf("counts %+v", s.Requests())
	}
	reqs := s.Requests()
	if reqs[0].Status != 429 || reqs[2].Status != 200 || reqs[3].Status != 404 || reqs[0].UserAgent != "ao3test-test" {
		t.Errorf("log %+v", reqs)
	}
	if g := s.MinGap(); g < 5*time.Millisecond {
		t.Errorf("MinGap %s", g)
	}
}

func TestSeriesPagination(t *testing.T) {
	s := New(t)
	s.SetSeriesPageSize(2)
	var ids []int64
	for i := 0; i < 5; i++ {
		ids = append(ids, s.AddWork(Work{}).ID)
	}
	sid := s.AddSeries("Five", ids...)
	_, p1 := get(t, s, "/series/"+itoa(sid), true, "")
	_, p3 := get(t, s, "/series/"+itoa(sid)+"?page=3", true, "")
	if !strings.Contains(p1, `<li class="next" title="next"><a rel="next" href="/series/`+itoa(sid)+`?page=2">`) ||
		strings.Count(p1, `class="work blurb group`) != 2 || !strings.Contains(p1, "Part <strong>2</strong> of") {
		t.Errorf("page 1: %s", p1)
	}
	if !strings.Contains(p3, `<span class="disabled">Next`) || strings.Count(p3, `class="work blurb group`) != 1 || !strings.Contains(p3, "Part <strong>5</strong> of") {
		t.Errorf("page 3: %s", p3)
	}
}

func itoa(n int64) string { return fmtInt(n) }

func fmtInt(n int64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
