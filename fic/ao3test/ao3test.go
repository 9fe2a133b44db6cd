// Package ao3test is a fake AO3 for tests: an HTTP server on loopback that
// serves work pages, chapter pages, series pages (paginated), the
// adult-content question, the login redirects of restricted and hidden
// works, 404 for deleted works and the Mystery Work page of unrevealed
// ones, in the markup AO3 uses for them (generated here, with invented
// text). A test can change a work between two requests (add a chapter,
// complete it, change its rating or state), throttle the next requests
// with 429 + Retry-After, and read every request's path, time and
// User-Agent (to check spacing such as AO3_REQUEST_GAP).
//
// It does not import package fic, so fic's own tests can use it.
package ao3test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// State is how AO3 treats a visitor asking for a work.
type State int

const (
	// Public works are shown (after the adult question when rated
	// Mature, Explicit or Not Rated).
	Public State = iota
	// Restricted works send visitors to /users/login?restricted=true.
	Restricted
	// Hidden works (hidden by an admin, or drafts) send visitors to
	// /users/login without restricted: access denied.
	Hidden
	// Deleted works answer 404.
	Deleted
	// Unrevealed works (in an unrevealed collection) show the Mystery
	// Work page, without their details.
	Unrevealed
)

// Work is a work on the fake AO3. Ratings, warnings and other tags use
// AO3's words. Expected 0 is a work in progress with an unknown total
// ("3/?").
type Work struct {
	ID            int64
	Title         string
	Authors       []string // pseuds; empty or Anonymous shows "Anonymous"
	Anonymous     bool
	Rating        string
	Warnings      []string
	Categories    []string
	Fandoms       []string
	Relationships []string
	Characters    []string
	Tags          []string // additional tags
	Language      string
	Summary       string
	Posted        int // chapters posted
	Expected      int // chapters expected, 0 = "?"
	Words         int
	Published     time.Time
	Updated       time.Time
	Kudos, Hits   int
	State         State
	Collection    string // for unrevealed works: the collection's name
}

// Complete reports whether every expected chapter is posted.
func (w Work) Complete() bool { return w.Expected > 0 && w.Posted >= w.Expected }

func (w Work) adult() bool {
	switch w.Rating {
	case "General Audiences", "Teen And Up Audiences":
		return false
	}
	return true
}

type series struct {
	ID      int64
	Title   string
	Authors []string
	Summary string
	Works   []int64 // in series order: part K is Works[K-1]
	Hidden  bool
}

// Request is one request the server received.
type Request struct {
	Method    string
	Path      string
	Query     string
	UserAgent string
	Cookie    string
	At        time.Time
	Status    int
}

// Server is the fake AO3. Its methods are safe for concurrent use.
type Server struct {
	// URL is the origin to use as AO3_BASE_URL.
	URL string

	hs *httptest.Server

	mu         sync.Mutex
	works      map[int64]*Work
	series     map[int64]*series
	nextID     int64
	pageSize   int
	throttle   int
	retryAfter string
	askAlways  bool
	now        func() time.Time
	log        []Request
}

// New starts a fake AO3, closed when the test ends.
func New(tb testing.TB) *Server {
	s := &Server{
		works: map[int64]*Work{}, series: map[int64]*series{},
		nextID: 1000, pageSize: 20, now: time.Now,
	}
	s.hs = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.hs.URL
	tb.Cleanup(s.Close)
	return s
}

// Close stops the server.
func (s *Server) Close() { s.hs.Close() }

// Host is the server's host:port, to accept its links as AO3 links.
func (s *Server) Host() string {
	u, _ := url.Parse(s.URL)
	return u.Host
}

// Client is an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.hs.Client() }

// WorkURL and SeriesURL are addresses on this server.
func (s *Server) WorkURL(id int64) string   { return s.URL + "/works/" + strconv.FormatInt(id, 10) }
func (s *Server) SeriesURL(id int64) string { return s.URL + "/series/" + strconv.FormatInt(id, 10) }

// SetNow sets the clock used for the dates of changes (default time.Now).
func (s *Server) SetNow(now func() time.Time) {
	s.mu.Lock()
	s.now = now
	s.mu.Unlock()
}

// SetSeriesPageSize sets how many works a series page lists (AO3: 20).
func (s *Server) SetSeriesPageSize(n int) {
	s.mu.Lock()
	s.pageSize = max(n, 1)
	s.mu.Unlock()
}

// AskAdultAlways makes the server ask the adult-content question even of
// a visitor who answered it (a misbehaving AO3).
func (s *Server) AskAdultAlways(on bool) {
	s.mu.Lock()
	s.askAlways = on
	s.mu.Unlock()
}

// Throttle answers the next n requests 429 Too Many Requests with the
// header Retry-After: retryAfter ("" sends none).
func (s *Server) Throttle(n int, retryAfter string) {
	s.mu.Lock()
	s.throttle, s.retryAfter = n, retryAfter
	s.mu.Unlock()
}

// AddWork adds w and returns it as stored. An ID of 0 gets a fresh one;
// missing fields get defaults: title "Untitled Work", author "someone",
// rating "General Audiences", warning "No Archive Warnings Apply", fandom
// "Original Work", language English, 1 chapter posted, 1,000 words,
// published and updated 2024-01-01. Expected 0 is a work in progress of
// unknown length ("1/?"): like every work whose expected chapters are not
// 1, AO3 answers /works/N with a redirect to its first chapter.
func (s *Server) AddWork(w Work) Work {
	s.mu.Lock()
	defer s.mu.Unlock()
	if w.ID == 0 {
		s.nextID++
		w.ID = s.nextID
	}
	if w.ID > s.nextID {
		s.nextID = w.ID
	}
	if w.Title == "" {
		w.Title = "Untitled Work"
	}
	if len(w.Authors) == 0 && !w.Anonymous {
		w.Authors = []string{"someone"}
	}
	if w.Rating == "" {
		w.Rating = "General Audiences"
	}
	if len(w.Warnings) == 0 {
		w.Warnings = []string{"No Archive Warnings Apply"}
	}
	if len(w.Fandoms) == 0 {
		w.Fandoms = []string{"Original Work"}
	}
	if w.Language == "" {
		w.Language = "English"
	}
	if w.Posted == 0 {
		w.Posted = 1
	}
	if w.Words == 0 {
		w.Words = 1000 * w.Posted
	}
	if w.Published.IsZero() {
		w.Published = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if w.Updated.IsZero() {
		w.Updated = w.Published
	}
	cp := w
	s.works[w.ID] = &cp
	return w
}

// Work returns the stored work.
func (s *Server) Work(id int64) (Work, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.works[id]
	if !ok {
		return Work{}, false
	}
	return *w, true
}

// UpdateWork changes a work in place; the next request sees the change.
func (s *Server) UpdateWork(id int64, change func(w *Work)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.works[id]
	if !ok {
		panic(fmt.Sprintf("ao3test: no work %d", id))
	}
	change(w)
}

// AddChapter posts a chapter of words words: Posted+1, Words+words, and
// Updated today (by the server's clock).
func (s *Server) AddChapter(id int64, words int) {
	s.mu.Lock()
	now := s.now()
	s.mu.Unlock()
	s.UpdateWork(id, func(w *Work) {
		w.Posted++
		w.Words += words
		w.Updated = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	})
}

// Complete marks a work complete: its expected chapters are those posted.
func (s *Server) Complete(id int64) { s.UpdateWork(id, func(w *Work) { w.Expected = w.Posted }) }

// SetRating changes a work's rating.
func (s *Server) SetRating(id int64, rating string) {
	s.UpdateWork(id, func(w *Work) { w.Rating = rating })
}

// SetState changes how the work is shown to visitors.
func (s *Server) SetState(id int64, st State) { s.UpdateWork(id, func(w *Work) { w.State = st }) }

// AddSeries adds a series of the given works, in that order (part 1
// first), and returns its ID. The series' creators are its first work's.
func (s *Server) AddSeries(title string, workIDs ...int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	sr := &series{ID: s.nextID, Title: title, Works: append([]int64(nil), workIDs...)}
	if len(workIDs) > 0 {
		if w := s.works[workIDs[0]]; w != nil {
			sr.Authors = w.Authors
		}
	}
	s.series[sr.ID] = sr
	return sr.ID
}

// SetSeriesSummary sets a series' description.
func (s *Server) SetSeriesSummary(id int64, summary string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sr := s.series[id]; sr != nil {
		sr.Summary = summary
	}
}

// SetSeriesHidden hides a series as an administrator would: visitors are
// sent to the login page (access denied). A series whose works are all
// restricted is restricted itself: visitors are sent to the login page
// with restricted=true.
func (s *Server) SetSeriesHidden(id int64, hidden bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sr := s.series[id]; sr != nil {
		sr.Hidden = hidden
	}
}

// Requests returns every request received, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// Count is how many requests asked for path exactly (query ignored), e.g.
// "/works/1001" or "/series/7".
func (s *Server) Count(path string) int { return len(s.Times(path)) }

// Times returns when each request for path arrived; "" means every
// request.
func (s *Server) Times(path string) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []time.Time
	for _, r := range s.log {
		if path == "" || r.Path == path {
			out = append(out, r.At)
		}
	}
	return out
}

// MinGap is the least time between two consecutive requests of any path
// (0 with fewer than two requests).
func (s *Server) MinGap() time.Duration {
	ts := s.Times("")
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	var gap time.Duration
	for i := 1; i < len(ts); i++ {
		if d := ts[i].Sub(ts[i-1]); i == 1 || d < gap {
			gap = d
		}
	}
	return gap
}

// ---- serving ----

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rec := &recorder{ResponseWriter: w, status: 200}
	s.mu.Lock()
	i := len(s.log)
	s.log = append(s.log, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, UserAgent: r.UserAgent(), Cookie: r.Header.Get("Cookie"), At: time.Now()})
	throttled := s.throttle > 0
	retry := s.retryAfter
	if throttled {
		s.throttle--
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.log[i].Status = rec.status
		s.mu.Unlock()
	}()
	if throttled {
		if retry != "" {
			w.Header().Set("Retry-After", retry)
		}
		rec.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(rec, "Retry later\n")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		rec.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	seg := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(seg) >= 4 && seg[0] == "collections" && seg[2] == "works" {
		seg = seg[2:]
	}
	id := func(i int) int64 {
		if i >= len(seg) {
			return 0
		}
		n, err := strconv.ParseInt(seg[i], 10, 64)
		if err != nil {
			return 0
		}
		return n
	}
	switch {
	case len(seg) == 2 && seg[0] == "works" && id(1) > 0:
		s.serveWork(rec, r, id(1), 0)
	case len(seg) == 4 && seg[0] == "works" && seg[2] == "chapters" && id(1) > 0 && id(3) > 0:
		s.serveWork(rec, r, id(1), id(3))
	case len(seg) == 2 && seg[0] == "series" && id(1) > 0:
		s.serveSeries(rec, r, id(1))
	case len(seg) == 2 && seg[0] == "users" && seg[1] == "login":
		writePage(rec, 200, "Log In | Archive of Our Own", "sessions-new", loginBody(r.URL.Query().Get("restricted") != ""))
	default:
		notFound(rec)
	}
}

// chapterID is the ID of chapter k of work id on this server.
func chapterID(id int64, k int) int64 { return id*1000 + int64(k) }

func (s *Server) serveWork(w http.ResponseWriter, r *http.Request, id, chapter int64) {
	s.mu.Lock()
	wk, ok := s.works[id]
	var cp Work
	if ok {
		cp = *wk
	}
	askAlways := s.askAlways
	parts := s.seriesOfLocked(id)
	s.mu.Unlock()
	if !ok || cp.State == Deleted {
		notFound(w)
		return
	}
	if chapter != 0 && (chapter < chapterID(id, 1) || chapter > chapterID(id, cp.Posted)) {
		notFound(w)
		return
	}
	back := url.QueryEscape(r.URL.RequestURI())
	switch cp.State {
	case Restricted:
		http.Redirect(w, r, "/users/login?restricted=true&return_to="+back, http.StatusFound)
		return
	case Hidden:
		http.Redirect(w, r, "/users/login?return_to="+back, http.StatusFound)
		return
	}
	saidYes := r.URL.Query().Get("view_adult") == "true"
	if c, err := r.Cookie("view_adult"); err == nil && c.Value == "true" {
		saidYes = true
	}
	if r.URL.Query().Get("view_adult") != "" {
		http.SetCookie(w, &http.Cookie{Name: "view_adult", Value: "true", Path: "/"})
	}
	if cp.adult() && (!saidYes || askAlways) {
		q := r.URL.Query()
		q.Set("view_adult", "true")
		writePage(w, 200, "Adult Content Warning | Archive of Our Own", "works-show", adultBody(cp, r.URL.Path+"?"+q.Encode(), parts))
		return
	}
	// A work of several chapters shows its first chapter's page unless
	// the whole work is asked for; the view_adult parameter is dropped on
	// the way (the cookie carries the answer).
	if chapter == 0 && (cp.Posted > 1 || cp.Expected != 1) && cp.Posted > 0 && r.URL.Query().Get("view_full_work") == "" {
		http.Redirect(w, r, fmt.Sprintf("/works/%d/chapters/%d", id, chapterID(id, 1)), http.StatusFound)
		return
	}
	if cp.State == Unrevealed {
		writePage(w, 200, "Mystery Work | Archive of Our Own", "works-show", mysteryBody(cp))
		return
	}
	writePage(w, 200, pageTitle(cp), "works-show", workBody(cp, parts))
}

// seriesPart is a work's place in one series.
type seriesPart struct {
	ID         int64
	Title      string
	Part       int
	Prev, Next int64
}

func (s *Server) seriesOfLocked(workID int64) []seriesPart {
	var ids []int64
	for id := range s.series {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var out []seriesPart
	for _, sid := range ids {
		sr := s.series[sid]
		for k, wid := range sr.Works {
			if wid != workID {
				continue
			}
			p := seriesPart{ID: sid, Title: sr.Title, Part: k + 1}
			if k > 0 {
				p.Prev = sr.Works[k-1]
			}
			if k+1 < len(sr.Works) {
				p.Next = sr.Works[k+1]
			}
			out = append(out, p)
		}
	}
	return out
}

func (s *Server) serveSeries(w http.ResponseWriter, r *http.Request, id int64) {
	s.mu.Lock()
	sr, ok := s.series[id]
	if !ok {
		s.mu.Unlock()
		notFound(w)
		return
	}
	restricted := len(sr.Works) > 0
	for _, wid := range sr.Works {
		if wk := s.works[wid]; wk == nil || wk.State != Restricted {
			restricted = false
		}
	}
	if sr.Hidden || restricted {
		s.mu.Unlock()
		back := url.QueryEscape(r.URL.RequestURI())
		if sr.Hidden {
			http.Redirect(w, r, "/users/login?return_to="+back, http.StatusFound)
		} else {
			http.Redirect(w, r, "/users/login?restricted=true&return_to="+back, http.StatusFound)
		}
		return
	}
	type item struct {
		w     Work
		part  int
		parts []seriesPart
	}
	var visible []item
	for k, wid := range sr.Works {
		wk := s.works[wid]
		if wk == nil || wk.State == Deleted || wk.State == Restricted || wk.State == Hidden {
			continue // AO3 lists only what a visitor may see
		}
		visible = append(visible, item{w: *wk, part: k + 1, parts: s.seriesOfLocked(wid)})
	}
	size := s.pageSize
	title, authors, summary := sr.Title, sr.Authors, sr.Summary
	s.mu.Unlock()

	pages := max(1, (len(visible)+size-1)/size)
	page := 1
	if p, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && p > 0 {
		page = p
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<h2 class="heading">%s</h2>`+"\n", esc(title))
	b.WriteString(`<h3 class="landmark heading">Series Metadata</h3>` + "\n" + `<div class="wrapper"><dl class="series meta group">` + "\n")
	if len(authors) > 1 {
		b.WriteString(`<dt>Creators:</dt>`)
	} else {
		b.WriteString(`<dt>Creator:</dt>`)
	}
	fmt.Fprintf(&b, "<dd>%s</dd>\n", byline(authors, false))
	words, complete := 0, true
	begun, updated := time.Time{}, time.Time{}
	for _, it := range visible {
		words += it.w.Words
		complete = complete && it.w.Complete()
		if begun.IsZero() || it.w.Published.Before(begun) {
			begun = it.w.Published
		}
		if it.w.Updated.After(updated) {
			updated = it.w.Updated
		}
	}
	fmt.Fprintf(&b, "<dt>Series Begun:</dt><dd>%s</dd>\n<dt>Series Updated:</dt><dd>%s</dd>\n", day(begun), day(updated))
	if summary != "" {
		fmt.Fprintf(&b, `<dt>Description:</dt><dd><blockquote class="userstuff">%s</blockquote></dd>`+"\n", paras(summary))
	}
	yes := "No"
	if complete && len(visible) > 0 {
		yes = "Yes"
	}
	fmt.Fprintf(&b, `<dt class="stats">Stats:</dt><dd class="stats"><dl class="stats"><dt class="words">Words:</dt><dd class="words">%s</dd><dt class="works">Works:</dt><dd class="works">%d</dd><dt>Complete:</dt><dd>%s</dd></dl></dd>`+"\n", num(words), len(visible), yes)
	b.WriteString("</dl></div>\n<h3 class=\"landmark heading\">Listing Series</h3>\n")
	nav := pagination(fmt.Sprintf("/series/%d", id), page, pages)
	if len(visible) > 0 {
		b.WriteString(nav)
	}
	b.WriteString(`<ul class="series work index group">` + "\n")
	for i := (page - 1) * size; i < len(visible) && i < page*size; i++ {
		it := visible[i]
		b.WriteString(blurb(it.w, it.parts))
	}
	b.WriteString("</ul>\n")
	if len(visible) > 0 {
		b.WriteString(nav)
	}
	writePage(w, 200, esc(title)+" - "+esc(strings.Join(authors, ", "))+" [Archive of Our Own]", "series-show", b.String())
}

// ---- markup ----

func esc(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")
	return r.Replace(s)
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

func num(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func paras(text string) string {
	var b strings.Builder
	for _, p := range strings.Split(text, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			fmt.Fprintf(&b, "<p>%s</p>", esc(p))
		}
	}
	return b.String()
}

func tagLink(name string) string {
	return fmt.Sprintf(`<a class="tag" href="/tags/%s/works">%s</a>`, url.PathEscape(name), esc(name))
}

func byline(authors []string, anonymous bool) string {
	if anonymous || len(authors) == 0 {
		return "Anonymous"
	}
	var links []string
	for _, a := range authors {
		links = append(links, fmt.Sprintf(`<a rel="author" href="/users/%s/pseuds/%s">%s</a>`, url.PathEscape(a), url.PathEscape(a), esc(a)))
	}
	return strings.Join(links, ", ")
}

func chapters(w Work, link bool) string {
	exp := "?"
	if w.Expected > 0 {
		exp = num(w.Expected)
	}
	posted := num(w.Posted)
	if link && w.Posted > 1 {
		posted = fmt.Sprintf(`<a href="/works/%d/chapters/%d">%s</a>`, w.ID, chapterID(w.ID, w.Posted), posted)
	}
	return posted + "/" + exp
}

func pageTitle(w Work) string {
	fandom := "Multifandom"
	if len(w.Fandoms) <= 2 {
		fandom = strings.Join(w.Fandoms, ", ")
	}
	return esc(w.Title) + " - " + esc(strings.Join(w.Authors, ", ")) + " - " + esc(fandom) + " [Archive of Our Own]"
}

func writePage(w http.ResponseWriter, status int, title, mainClass, body string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>%s</title></head>
<body class="logged-out">
<div id="outer" class="wrapper">
<ul id="skiplinks"><li><a href="#main">Main Content</a></li></ul>
<header id="header" class="region"><h1 class="heading"><a href="/">Fake Archive</a></h1>
<ul class="primary navigation actions"><li><a href="/users/login">Log In</a></li></ul></header>
<div id="inner" class="wrapper">
<div id="main" class="%s region" role="main">
<div class="flash"></div>
%s
<div class="clear"></div>
</div>
</div>
<div id="footer" role="contentinfo" class="region"><h3 class="landmark heading">Footer</h3></div>
</div>
</body>
</html>
`, title, mainClass, body)
}

func notFound(w http.ResponseWriter) {
	writePage(w, http.StatusNotFound, "Error 404 | Archive of Our Own", "error-404 system errors region",
		`<h2 class="heading">Error 404</h2>
<h3 class="heading">Nothing lives at this address.</h3>
<p>The address may be mistyped, or what was here was deleted.</p>`)
}

func loginBody(restricted bool) string {
	var b strings.Builder
	if restricted {
		b.WriteString(`<h3 class="heading">Sorry!</h3>
<p>Only registered users of the Archive can read this work. If you have an account, log in below.</p>`)
	} else {
		b.WriteString(`<div class="flash error">You may not see the page you asked for. Please log in.</div>
<h3 class="heading">Log In</h3>`)
	}
	b.WriteString(`
<div id="loginform"><form class="new_user" id="new_user" action="/users/login" accept-charset="UTF-8" method="post">
<dl><dt><label for="user_login">Username or email:</label></dt><dd><input type="text" name="user[login]" id="user_login"></dd>
<dt><label for="user_password">Password:</label></dt><dd><input type="password" name="user[password]" id="user_password"></dd></dl>
<p class="submit actions"><input type="submit" name="commit" value="Log In"></p></form></div>`)
	return b.String()
}

func mysteryBody(w Work) string {
	coll := w.Collection
	if coll == "" {
		coll = "a challenge"
	}
	return fmt.Sprintf(`<p class="notice">This work belongs to %s and will be revealed soon! Details: <a href="/collections/%s">%s</a></p>`,
		esc(coll), url.PathEscape(coll), esc(coll))
}

func adultBody(w Work, yes string, parts []seriesPart) string {
	return fmt.Sprintf(`<h2 class="landmark heading">Adult Content Warning</h2>
<p class="caution notice">This work may contain adult content. If you go on, you agree that you are willing to see it.</p>
<ul class="actions">
<li><a href="%s">Yes, Continue</a></li>
<li><a href="/">No, Go Back</a></li>
</ul>
<p class="message footnote">With cookies, you won't be asked again this session.</p>
<div class="clear"></div>
<ol class="work index group">
%s</ol>`, esc(yes), blurb(w, parts))
}

func metaTags(dtClass, single, plural string, tags []string, warning bool) string {
	if len(tags) == 0 {
		return ""
	}
	label := single
	if len(tags) > 1 {
		label = plural
	}
	if warning {
		label = `<a href="/tos_faq#tags">` + label + `</a>`
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<dt class="%s tags">%s:</dt>`+"\n"+`<dd class="%s tags"><ul class="commas">`, dtClass, label, dtClass)
	for _, t := range tags {
		fmt.Fprintf(&b, "<li>%s</li>", tagLink(t))
	}
	b.WriteString("</ul></dd>\n")
	return b.String()
}

func workBody(w Work, parts []seriesPart) string {
	var b strings.Builder
	b.WriteString(`<ul class="landmark skip"><li><a href="#work">Skip header</a></li></ul>
<div class="work">
<h3 class="landmark heading">Actions</h3>
<ul class="work navigation actions"><li class="comments" id="show_comments_link_top"><a href="#comments">Comments</a></li></ul>
<h3 class="landmark heading">Work Header</h3>
<div class="wrapper">
<dl class="work meta group">
`)
	b.WriteString(metaTags("rating", "Rating", "Ratings", []string{w.Rating}, false))
	b.WriteString(metaTags("warning", "Archive Warning", "Archive Warnings", w.Warnings, true))
	b.WriteString(metaTags("category", "Category", "Categories", w.Categories, false))
	b.WriteString(metaTags("fandom", "Fandom", "Fandoms", w.Fandoms, false))
	b.WriteString(metaTags("relationship", "Relationship", "Relationships", w.Relationships, false))
	b.WriteString(metaTags("character", "Character", "Characters", w.Characters, false))
	b.WriteString(metaTags("freeform", "Additional Tags", "Additional Tags", w.Tags, false))
	fmt.Fprintf(&b, `<dt class="language">Language:</dt><dd class="language" lang="en">%s</dd>`+"\n", esc(w.Language))
	if len(parts) > 0 {
		b.WriteString(`<dt class="series">Series:</dt><dd class="series">`)
		for i, p := range parts {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(`<span class="series">`)
			if p.Prev != 0 {
				fmt.Fprintf(&b, `<a class="previous" href="/works/%d">&#8592; Previous Work</a><span class="divider"> </span>`, p.Prev)
			}
			fmt.Fprintf(&b, `<span class="position">Part %d of <a href="/series/%d">%s</a></span>`, p.Part, p.ID, esc(p.Title))
			if p.Next != 0 {
				fmt.Fprintf(&b, `<span class="divider"> </span><a class="next" href="/works/%d">Next Work &#8594;</a>`, p.Next)
			}
			b.WriteString(`</span>`)
		}
		b.WriteString("</dd>\n")
	}
	b.WriteString(`<dt class="stats">Stats:</dt><dd class="stats"><dl class="stats">`)
	fmt.Fprintf(&b, `<dt class="published">Published:</dt><dd class="published">%s</dd>`, day(w.Published))
	if w.Posted > 1 || w.Expected != 1 {
		label := "Updated:"
		if w.Complete() {
			label = "Completed:"
		}
		fmt.Fprintf(&b, `<dt class="status">%s</dt><dd class="status">%s</dd>`, label, day(w.Updated))
	}
	fmt.Fprintf(&b, `<dt class="words">Words:</dt><dd class="words">%s</dd><dt class="chapters">Chapters:</dt><dd class="chapters">%s</dd>`, num(w.Words), chapters(w, true))
	if w.Kudos > 0 {
		fmt.Fprintf(&b, `<dt class="kudos">Kudos:</dt><dd class="kudos">%s</dd>`, num(w.Kudos))
	}
	fmt.Fprintf(&b, `<dt class="hits">Hits:</dt><dd class="hits">%s</dd></dl></dd>`+"\n</dl>\n</div>\n", num(w.Hits))
	fmt.Fprintf(&b, `<div id="work-skin" class="wrapper"><div id="workskin">
<div class="preface group">
<h2 class="title heading">%s</h2>
<h3 class="byline heading">%s</h3>
`, esc(w.Title), byline(w.Authors, w.Anonymous))
	if w.Summary != "" {
		fmt.Fprintf(&b, `<div class="summary module"><h3 class="heading">Summary:</h3><blockquote class="userstuff">%s</blockquote></div>`+"\n", paras(w.Summary))
	}
	b.WriteString(`</div>
<div id="chapters" role="article"><h3 class="landmark heading" id="work">Work Text:</h3>
<div class="userstuff"><p>The fake archive serves no story text.</p></div></div>
</div></div>
</div>`)
	return b.String()
}

func symbol(class, title string) string {
	return fmt.Sprintf(`<li><a class="help symbol question modal" title="Symbols key" href="/help/symbols-key.html"><span class="%s" title="%s"><span class="text">%s</span></span></a></li>`, class, esc(title), esc(title))
}

func ratingClass(r string) string {
	switch r {
	case "General Audiences":
		return "rating-general-audience rating"
	case "Teen And Up Audiences":
		return "rating-teen rating"
	case "Mature":
		return "rating-mature rating"
	case "Explicit":
		return "rating-explicit rating"
	}
	return "rating-notrated rating"
}

// blurb is a work's entry in an index (series pages, the adult question).
func blurb(w Work, parts []seriesPart) string {
	var b strings.Builder
	if w.State == Unrevealed {
		fmt.Fprintf(&b, `<li id="work_%d" class="mystery work blurb group" role="article">
<div class="mystery header picture module"><h4 class="heading">Mystery Work</h4><div class="icon"></div></div>
<h6 class="landmark heading">Summary</h6><blockquote class="userstuff summary"><p>To be revealed when the challenge ends.</p></blockquote>
</li>
`, w.ID)
		return b.String()
	}
	fmt.Fprintf(&b, `<li id="work_%d" class="work blurb group work-%d" role="article">
<div class="header module">
<h4 class="heading"><a href="/works/%d">%s</a> by <!-- do not cache --> %s</h4>
<h5 class="fandoms heading"><span class="landmark">Fandoms:</span> `, w.ID, w.ID, w.ID, esc(w.Title), byline(w.Authors, w.Anonymous))
	var fl []string
	for _, f := range w.Fandoms {
		fl = append(fl, tagLink(f))
	}
	b.WriteString(strings.Join(fl, ", ") + "&nbsp;</h5>\n<ul class=\"required-tags\">\n")
	b.WriteString(symbol(ratingClass(w.Rating), w.Rating) + "\n")
	b.WriteString(symbol("warning-yes warnings", strings.Join(w.Warnings, ", ")) + "\n")
	cat := "No category"
	if len(w.Categories) > 0 {
		cat = strings.Join(w.Categories, ", ")
	}
	b.WriteString(symbol("category-multi category", cat) + "\n")
	if w.Complete() {
		b.WriteString(symbol("complete-yes iswip", "Complete Work") + "\n")
	} else {
		b.WriteString(symbol("complete-no iswip", "Work in Progress") + "\n")
	}
	fmt.Fprintf(&b, "</ul>\n<p class=\"datetime\">%s</p>\n</div>\n", w.Updated.Format("02 Jan 2006"))
	b.WriteString(`<h6 class="landmark heading">Tags</h6>` + "\n" + `<ul class="tags commas">`)
	for _, t := range w.Warnings {
		fmt.Fprintf(&b, `<li class="warnings"><strong>%s</strong></li> `, tagLink(t))
	}
	for _, group := range []struct {
		class string
		tags  []string
	}{{"relationships", w.Relationships}, {"characters", w.Characters}, {"freeforms", w.Tags}} {
		for _, t := range group.tags {
			fmt.Fprintf(&b, `<li class="%s">%s</li> `, group.class, tagLink(t))
		}
	}
	b.WriteString("</ul>\n")
	if w.Summary != "" {
		fmt.Fprintf(&b, `<h6 class="landmark heading">Summary</h6>`+"\n"+`<blockquote class="userstuff summary">%s</blockquote>`+"\n", paras(w.Summary))
	}
	if len(parts) > 0 {
		b.WriteString(`<h6 class="landmark heading">Series</h6>` + "\n" + `<ul class="series">`)
		for _, p := range parts {
			fmt.Fprintf(&b, `<li>Part <strong>%d</strong> of <a href="/series/%d">%s</a></li>`, p.Part, p.ID, esc(p.Title))
		}
		b.WriteString("</ul>\n")
	}
	fmt.Fprintf(&b, `<dl class="stats">
<dt class="language">Language:</dt><dd class="language" lang="en">%s</dd>
<dt class="words">Words:</dt><dd class="words">%s</dd>
<dt class="chapters">Chapters:</dt><dd class="chapters">%s</dd>
`, esc(w.Language), num(w.Words), chapters(w, true))
	if w.Kudos > 0 {
		fmt.Fprintf(&b, `<dt class="kudos">Kudos:</dt><dd class="kudos"><a href="/works/%d#kudos">%s</a></dd>`+"\n", w.ID, num(w.Kudos))
	}
	fmt.Fprintf(&b, `<dt class="hits">Hits:</dt><dd class="hits">%s</dd>
</dl>
</li>
`, num(w.Hits))
	return b.String()
}

func pagination(path string, page, pages int) string {
	if pages <= 1 {
		return ""
	}
	link := func(p int) string { return fmt.Sprintf("%s?page=%d", path, p) }
	rel := func(p int) string {
		switch p {
		case page - 1:
			return ` rel="prev"`
		case page + 1:
			return ` rel="next"`
		}
		return ""
	}
	var b strings.Builder
	b.WriteString(`<h4 class="landmark heading">Pages Navigation</h4>` + "\n" + `<ol class="pagination actions" role="navigation" title="pagination">`)
	if page > 1 {
		fmt.Fprintf(&b, `<li class="previous" title="previous"><a rel="prev" href="%s">&#8592; Previous</a></li>`, link(page-1))
	} else {
		b.WriteString(`<li class="previous" title="previous"><span class="disabled">&#8592; Previous</span></li>`)
	}
	for p := 1; p <= pages; p++ {
		if p == page {
			fmt.Fprintf(&b, `<li><span class="current">%d</span></li>`, p)
		} else {
			fmt.Fprintf(&b, `<li><a%s href="%s">%d</a></li>`, rel(p), link(p), p)
		}
	}
	if page < pages {
		fmt.Fprintf(&b, `<li class="next" title="next"><a rel="next" href="%s">Next &#8594;</a></li>`, link(page+1))
	} else {
		b.WriteString(`<li class="next" title="next"><span class="disabled">Next &#8594;</span></li>`)
	}
	b.WriteString("</ol>\n")
	return b.String()
}
