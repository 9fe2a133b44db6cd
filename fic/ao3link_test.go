package fic

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseAO3Link(t *testing.T) {
	tests := []struct {
		in   string
		id   int64
		ok   bool
		host string
	}{
		{"https://archiveofourown.org/works/123", 123, true, ""},
		{"http://archiveofourown.org/works/123/", 123, true, ""},
		{"https://www.archiveofourown.org/works/123/chapters/456", 123, true, ""},
		{"https://archiveofourown.org/works/123?view_full_work=true#main", 123, true, ""},
		{"archiveofourown.org/works/77", 77, true, ""},
		{"<https://archiveofourown.org/works/5>", 5, true, ""},
		{"  https://ARCHIVEOFOUROWN.ORG/works/9  ", 9, true, ""},
		{"https://archiveofourown.org/collections/fest2024/works/31", 31, true, ""},
		{"http://127.0.0.1:8080/works/42", 42, true, "127.0.0.1:8080"},
		{"http://127.0.0.1:8080/works/42", 0, false, ""},
		{"https://archiveofourown.org/series/123", 0, false, ""},
		{"https://archiveofourown.org/works/123/bookmarks", 0, false, ""},
		{"https://archiveofourown.org/works/", 0, false, ""},
		{"https://archiveofourown.org/works/0", 0, false, ""},
		{"https://archiveofourown.org/works/99999999999999999999", 0, false, ""},
		{"https://evil.example/works/123", 0, false, ""},
		{"https://archiveofourown.org.evil.example/works/123", 0, false, ""},
		{"ftp://archiveofourown.org/works/123", 0, false, ""},
		{"https://user@archiveofourown.org/works/123", 0, false, ""},
		{"not a link", 0, false, ""},
		{"", 0, false, ""},
	}
	for _, tt := range tests {
		var hosts []string
		if tt.host != "" {
			hosts = []string{tt.host}
		}
		id, ok := ParseAO3Link(tt.in, hosts...)
		if id != tt.id || ok != tt.ok {
			t.Errorf("ParseAO3Link(%q, %q) = %d, %v; want %d, %v", tt.in, hosts, id, ok, tt.id, tt.ok)
		}
	}
}

// workPage is an invented AO3 work page in the current layout.
const workPage = `<!DOCTYPE html><html><head><title>Paper Boats - quillfeather - Original Work [Archive of Our Own]</title></head><body>
<div id="main" class="works-show region">
<div class="wrapper"><dl class="work meta group">
<dt class="rating tags">Rating:</dt><dd class="rating tags"><ul class="commas"><li><a class="tag" href="/tags/Teen%20And%20Up%20Audiences/works">Teen And Up Audiences</a></li></ul></dd>
<dt class="warning tags"><a href="/tos_faq#tags">Archive Warnings</a>:</dt><dd class="warning tags"><ul class="commas"><li><a class="tag" href="/tags/x">Graphic Depictions Of Violence</a></li><li><a class="tag" href="/tags/y">Underage</a></li></ul></dd>
<dt class="category tags">Category:</dt><dd class="category tags"><ul class="commas"><li><a class="tag" href="/tags/z">Gen</a></li></ul></dd>
<dt class="fandom tags">Fandom:</dt><dd class="fandom tags"><ul class="commas"><li><a class="tag" href="/tags/o">Original Work</a></li></ul></dd>
<dt class="relationship tags">Relationships:</dt><dd class="relationship tags"><ul class="commas"><li><a class="tag" href="/tags/r">Pim &amp; Tolla</a></li><li><a class="tag" href="/tags/r2">Pim/River</a></li></ul></dd>
<dt class="character tags">Character:</dt><dd class="character tags"><ul class="commas"><li><a class="tag" href="/tags/c">Pim</a></li></ul></dd>
<dt class="freeform tags">Additional Tags:</dt><dd class="freeform tags"><ul class="commas"><li><a class="tag" href="/tags/f">Boats</a></li><li><a class="tag" href="/tags/g">Rain</a></li></ul></dd>
<dt class="language" lang="en">Language:</dt><dd class="language" lang="en">English</dd>
<dt class="series">Series:</dt><dd class="series"><span class="series"><a class="previous" href="/works/700">&#8592; Previous Work</a><span class="divider"> </span><span class="position">Part 3 of <a href="/series/555">Folded Things</a></span><span class="divider"> </span><a class="next" href="/works/800">Next Work &#8594;</a></span></dd>
<dt class="stats">Stats:</dt><dd class="stats"><dl class="stats">
<dt class="published">Published:</dt><dd class="published">2023-04-05</dd>
<dt class="status">Updated:</dt><dd class="status">2024-06-07</dd>
<dt class="words">Words:</dt><dd class="words">12,345</dd>
<dt class="chapters">Chapters:</dt><dd class="chapters"><a href="/works/777/chapters/1">4</a>/?</dd>
<dt class="comments">Comments:</dt><dd class="comments">21</dd>
<dt class="kudos">Kudos:</dt><dd class="kudos">1,024</dd>
<dt class="bookmarks">Bookmarks:</dt><dd class="bookmarks"><a href="/works/777/bookmarks">30</a></dd>
<dt class="hits">Hits:</dt><dd class="hits">9,876</dd>
</dl></dd></dl></div>
<div id="workskin"><div class="preface group">
<h2 class="title heading">Paper Boats</h2>
<h3 class="byline heading"><a rel="author" href="/users/quillfeather/pseuds/quillfeather">quillfeather</a></h3>
<div class="summary module"><h3 class="heading">Summary:</h3><blockquote class="userstuff"><p>Pim folds boats.</p><p>The river keeps them.</p></blockquote></div>
</div>
<div id="chapters" role="article"><div class="chapter"><div class="userstuff module"><p>CHAPTER TEXT MUST NOT BE READ</p></div></div></div>
</div></div></body></html>`

func TestParseWorkPage(t *testing.T) {
	st, err := ParseWorkPage([]byte(workPage))
	if err != nil {
		t.Fatal(err)
	}
	want := &Story{
		Title: "Paper Boats", Authors: []string{"quillfeather"}, Fandoms: []string{"Original Work"},
		Rating: RatingTeen, Warnings: []string{WarningViolence, WarningUnderage}, Categories: []string{"Gen"},
		Relationships: []string{"Pim & Tolla", "Pim/River"}, Characters: []string{"Pim"}, Tags: []string{"Boats", "Rain"},
		Language: "English", Series: []string{"Part 3 of Folded Things"}, SeriesRefs: []SeriesRef{{ID: 555, Title: "Folded Things", Part: 3}}, Summary: "Pim folds boats.\n\nThe river keeps them.",
		ChaptersPosted: 4, ChaptersExpected: 0, Words: 12345, Kudos: 1024, Hits: 9876,
		Published: time.Date(2023, 4, 5, 0, 0, 0, 0, time.UTC), Updated: time.Date(2024, 6, 7, 0, 0, 0, 0, time.UTC),
	}
	if !reflect.DeepEqual(st, want) {
		t.Errorf("got  %+v\nwant %+v", st, want)
	}
}

type fakeAO3 struct {
	hits     atomic.Int64
	mu       sync.Mutex
	handler  func(w http.ResponseWriter, r *http.Request, n int64)
	lastUA   string
	lastPath string
}

func newFakeAO3(t *testing.T, h func(w http.ResponseWriter, r *http.Request, n int64)) (*fakeAO3, *AO3Client) {
	f := &fakeAO3{handler: h}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := f.hits.Add(1)
		f.mu.Lock()
		f.lastUA, f.lastPath = r.UserAgent(), r.URL.RequestURI()
		f.mu.Unlock()
		f.handler(w, r, n)
	}))
	t.Cleanup(srv.Close)
	c, err := NewAO3Client(srv.URL, srv.Client(), "")
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

func TestAO3ClientWorkCachedAndUA(t *testing.T) {
	f, c := newFakeAO3(t, func(w http.ResponseWriter, r *http.Request, n int64) {
		if r.URL.Path == "/users/login" {
			w.Write([]byte("<html><body>login</body></html>"))
			return
		}
		w.Write([]byte(workPage))
	})
	st, err := c.Work(context.Background(), 777)
	if err != nil {
		t.Fatal(err)
	}
	if st.Title != "Paper Boats" || st.AO3ID != 777 || st.AO3URL != c.WorkURL(777) || len(st.Chapters) != 0 || st.Kudos != 1024 {
		t.Errorf("story %+v", st)
	}
	if f.lastUA != DefaultUserAgent || f.lastPath != "/works/777?view_adult=true" {
		t.Errorf("request UA %q path %q", f.lastUA, f.lastPath)
	}
	st.Title = "mutated"
	st2, err := c.Work(context.Background(), 777)
	if err != nil || st2.Title != "Paper Boats" {
		t.Errorf("cached %v %v", st2, err)
	}
	if f.hits.Load() != 1 {
		t.Errorf("hits %d, want 1 (cached)", f.hits.Load())
	}
	// Expired entries are fetched again.
	c.now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	if _, err := c.Work(context.Background(), 777); err != nil || f.hits.Load() != 2 {
		t.Errorf("after TTL: hits %d err %v", f.hits.Load(), err)
	}
}

func TestAO3ClientSingleFlight(t *testing.T) {
	release := make(chan struct{})
	f, c := newFakeAO3(t, func(w http.ResponseWriter, r *http.Request, n int64) {
		<-release
		w.Write([]byte(workPage))
	})
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			_, err := c.Work(context.Background(), 777)
			errs <- err
		})
	}
	time.Sleep(100 * time.Millisecond)
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if f.hits.Load() != 1 {
		t.Errorf("hits %d, want 1", f.hits.Load())
	}
}

func TestAO3ClientRetryAfter(t *testing.T) {
	f, c := newFakeAO3(t, func(w http.ResponseWriter, r *http.Request, n int64) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Write([]byte(workPage))
	})
	start := time.Now()
	if _, err := c.Work(context.Background(), 777); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 900*time.Millisecond {
		t.Errorf("did not wait for Retry-After: %v", el)
	}
	if f.hits.Load() != 2 {
		t.Errorf("hits %d", f.hits.Load())
	}
}

func TestAO3ClientBusyBeyondDeadline(t *testing.T) {
	_, c := newFakeAO3(t, func(w http.ResponseWriter, r *http.Request, n int64) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.Work(ctx, 777)
	if !errors.Is(err, ErrAO3Busy) || time.Since(start) > time.Second {
		t.Fatalf("err %v after %v", err, time.Since(start))
	}
	var ie *ImportError
	if !errors.As(err, &ie) || !strings.Contains(ie.Message, "AO3 is busy") {
		t.Errorf("message %v", err)
	}
}

func TestAO3ClientErrors(t *testing.T) {
	tests := []struct {
		name string
		h    func(w http.ResponseWriter, r *http.Request, n int64)
		kind error
	}{
		{"404", func(w http.ResponseWriter, r *http.Request, n int64) { http.NotFound(w, r) }, ErrAO3NotFound},
		{"login redirect", func(w http.ResponseWriter, r *http.Request, n int64) {
			if strings.HasPrefix(r.URL.Path, "/works/") {
				http.Redirect(w, r, "/users/login?restricted=true", http.StatusFound)
				return
			}
			w.Write([]byte(`<html><body><form action="/users/login"></form></body></html>`))
		}, ErrAO3Restricted},
		{"restricted page", func(w http.ResponseWriter, r *http.Request, n int64) {
			w.Write([]byte(`<html><body><p class="notice">This work is only available to registered users of the Archive.</p></body></html>`))
		}, ErrAO3Restricted},
		{"500", func(w http.ResponseWriter, r *http.Request, n int64) { w.WriteHeader(500) }, ErrAO3Unavailable},
		{"garbage", func(w http.ResponseWriter, r *http.Request, n int64) { w.Write([]byte("<html>nothing</html>")) }, ErrAO3Unavailable},
		{"page over MaxBody", func(w http.ResponseWriter, r *http.Request, n int64) {
			w.Write([]byte(workPage + strings.Repeat("<!-- padding -->", 9<<20/16)))
		}, ErrAO3Unavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := newFakeAO3(t, tt.h)
			_, err := c.Work(context.Background(), 5)
			if !errors.Is(err, tt.kind) {
				t.Fatalf("err %v, want %v", err, tt.kind)
			}
		})
	}
}

// A redirect away from AO3 is not followed: the page there is never read
// as the work.
func TestAO3ClientRefusesRedirectOffAO3(t *testing.T) {
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(workPage))
	}))
	defer elsewhere.Close()
	_, c := newFakeAO3(t, func(w http.ResponseWriter, r *http.Request, n int64) {
		http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusFound)
	})
	if st, err := c.Work(context.Background(), 5); err == nil {
		t.Fatalf("followed a redirect off AO3 and read %q", st.Title)
	}
}

func TestAO3ClientCacheBounded(t *testing.T) {
	_, c := newFakeAO3(t, func(w http.ResponseWriter, r *http.Request, n int64) { w.Write([]byte(workPage)) })
	c.MaxEntries = 3
	for id := int64(1); id <= 10; id++ {
		if _, err := c.Work(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.cache) > 3 {
		t.Errorf("cache size %d", len(c.cache))
	}
}

// A redirect to a login page off AO3 is a redirect off AO3, not AO3 saying
// the work is restricted.
func TestAO3ClientLoginRedirectOffAO3(t *testing.T) {
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`<html><body><p>This work is only available to registered users of the Archive.</p></body></html>`))
	}))
	defer elsewhere.Close()
	_, c := newFakeAO3(t, func(w http.ResponseWriter, r *http.Request, n int64) {
		http.Redirect(w, r, elsewhere.URL+"/users/login?restricted=true", http.StatusFound)
	})
	_, err := c.Work(context.Background(), 5)
	if !errors.Is(err, ErrAO3Unavailable) || errors.Is(err, ErrWorkRestricted) {
		t.Fatalf("err %v", err)
	}
}
