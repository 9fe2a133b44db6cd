package fic

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"ficshelf/htmlnode"
)

// Errors of the AO3 link client, wrapped in an *ImportError whose Message
// is a sentence for the member. Each way AO3 can refuse a visitor a work
// has its own kind:
//
//   - ErrWorkDeleted: AO3 answers 404 (deleted, or never existed).
//   - ErrWorkRestricted: AO3 sends visitors to its login page with
//     restricted=true (the creator limited the work to registered users).
//   - ErrWorkHidden: AO3 sends visitors to its login page without saying
//     restricted: an administrator hid the work (or it is an unposted draft).
//   - ErrWorkUnrevealed: the work is in a collection that has not revealed
//     its works yet; AO3 shows a "Mystery Work" page without its details.
//
// Works behind AO3's adult-content question are no error: the client
// answers yes, as a visitor who agreed would.
var (
	ErrNotAO3Link       = errors.New("not an AO3 work link")
	ErrNotAO3SeriesLink = errors.New("not an AO3 series link")
	ErrWorkDeleted      = errors.New("AO3 work deleted")
	ErrWorkRestricted   = errors.New("AO3 work restricted to logged-in users")
	ErrWorkHidden       = errors.New("AO3 work hidden by AO3's administrators")
	ErrWorkUnrevealed   = errors.New("AO3 work unrevealed in a collection")
	ErrSeriesNotFound   = errors.New("AO3 series deleted")
	ErrSeriesRestricted = errors.New("AO3 series restricted to logged-in users")
	ErrSeriesHidden     = errors.New("AO3 series hidden by AO3's administrators")
	ErrAO3Busy          = errors.New("AO3 rate limited")
	ErrAO3Unavailable   = errors.New("AO3 unavailable")

	// ErrAO3NotFound and ErrAO3Restricted are the older names of
	// ErrWorkDeleted and ErrWorkRestricted.
	ErrAO3NotFound   = ErrWorkDeleted
	ErrAO3Restricted = ErrWorkRestricted
)

// Member-facing sentences of the AO3 link client.
const (
	msgNotAO3Link    = "That isn't a link to an AO3 work: use a link like https://archiveofourown.org/works/12345."
	msgNotSeriesLink = "That isn't a link to an AO3 series: use a link like https://archiveofourown.org/series/12345."
	msgAO3NotFound   = "AO3 has no work at that link: it was deleted, or the link is mistyped."
	msgAO3Restrict   = "That AO3 work is only visible to logged-in AO3 users, so I can't read its details: upload its download instead."
	msgAO3Hidden     = "AO3 isn't showing that work to anyone but its creator right now: AO3's administrators have hidden it (or it is an unposted draft)."
	msgAO3Unrevealed = "That AO3 work is a Mystery Work: it belongs to a collection or challenge that hasn't revealed its works yet, so AO3 doesn't show its details. Try again once it's revealed."
	msgSeriesGone    = "AO3 has no series at that link: it was deleted, or the link is mistyped."
	msgSeriesRestr   = "That AO3 series is only visible to logged-in AO3 users, so I can't read its works."
	msgSeriesHidden  = "AO3 isn't showing that series to anyone but its creator right now: AO3's administrators have hidden it."
	msgAO3Busy       = "AO3 is busy and asked me to wait; please try again in a minute."
	msgAO3Down       = "I couldn't get that work's details from AO3 right now; please try again later."
	msgAO3Unread     = "I couldn't read that work's details from its AO3 page."
	msgSeriesUnread  = "I couldn't read that series' works from its AO3 page."
	msgAO3Adult      = "AO3 kept asking whether I'm willing to see that work's adult content, so I couldn't read its details; please try again later."
)

// ErrAdultQuestion is the cause (inside an ErrAO3Unavailable
// *ImportError) when AO3 still asked its adult-content question after the
// client answered yes: a passing failure, to try again later.
var ErrAdultQuestion = errors.New("AO3 asked the adult-content question again")

// WorkGone reports whether err says AO3 no longer shows the work to
// visitors for good: deleted, restricted to logged-in users, or hidden by an
// administrator. A followed work in this state is reported once and no
// longer checked. An unrevealed work is not gone: it is revealed later.
func WorkGone(err error) bool {
	return errors.Is(err, ErrWorkDeleted) || errors.Is(err, ErrWorkRestricted) || errors.Is(err, ErrWorkHidden)
}

// SubscriberNote is the one-time note for the subscribers of a followed
// work that AO3 stopped showing, or "" when err is not one of those states
// (a passing failure says nothing to subscribers). title is used as given:
// escape it for where it is shown.
func SubscriberNote(err error, title string) string {
	q := "“" + title + "”"
	switch {
	case errors.Is(err, ErrWorkDeleted):
		return q + " is no longer on AO3 (it was deleted), so I've stopped checking it for new chapters."
	case errors.Is(err, ErrWorkRestricted):
		return q + " is now only visible to logged-in AO3 users, so I can't check it for new chapters any more."
	case errors.Is(err, ErrWorkHidden):
		return q + " has been hidden on AO3 (by AO3's administrators, or made a draft again), so I've stopped checking it for new chapters."
	case errors.Is(err, ErrWorkUnrevealed):
		return q + " is now a Mystery Work in a collection that hasn't revealed its works yet; I'll tell you about new chapters once AO3 reveals it."
	}
	return ""
}

// DefaultUserAgent names the bot to AO3.
const DefaultUserAgent = "Ficshelf/1.0 (Discord bot)"

var ao3Hosts = map[string]bool{
	"archiveofourown.org": true, "www.archiveofourown.org": true,
	"ao3.org": true, "www.ao3.org": true,
}

var (
	ao3PathRe       = regexp.MustCompile(`^(?:/collections/[^/]+)?/works/(\d{1,18})(?:/chapters/\d{1,18})?/?$`)
	ao3SeriesPathRe = regexp.MustCompile(`^/series/(\d{1,18})/?$`)
)

// ParseAO3Link extracts the work ID from an AO3 work or chapter link:
// http(s)://[www.]archiveofourown.org/works/N, .../works/N/chapters/M,
// collection work links, with any query or fragment, surrounding space or
// angle brackets, or without a scheme. extraHosts are also accepted as AO3
// (the configured AO3 base URL's host, e.g. a test server "127.0.0.1:8080").
func ParseAO3Link(s string, extraHosts ...string) (workID int64, ok bool) {
	return parseAO3URL(s, ao3PathRe, extraHosts)
}

// ParseAO3SeriesLink extracts the series ID from an AO3 series link
// (http(s)://[www.]archiveofourown.org/series/N, with any query such as
// ?page=2, fragment, surrounding space or angle brackets, or without a
// scheme), like ParseAO3Link does for works.
func ParseAO3SeriesLink(s string, extraHosts ...string) (seriesID int64, ok bool) {
	return parseAO3URL(s, ao3SeriesPathRe, extraHosts)
}

func parseAO3URL(s string, pathRe *regexp.Regexp, extraHosts []string) (int64, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
	if s == "" || len(s) > 2048 || strings.ContainsAny(s, " \t\n") {
		return 0, false
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil {
		return 0, false
	}
	host := strings.ToLower(u.Host)
	okHost := ao3Hosts[strings.TrimSuffix(host, ".")]
	for _, h := range extraHosts {
		if h != "" && strings.EqualFold(h, host) {
			okHost = true
		}
	}
	if !okHost {
		return 0, false
	}
	m := pathRe.FindStringSubmatch(u.EscapedPath())
	if m == nil {
		return 0, false
	}
	id, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

// AO3Client fetches work metadata (never chapter text) from AO3's work
// pages. It makes at most one request per work at a time (concurrent
// callers for the same work share it), caches results, honours 429 with
// Retry-After, and identifies itself with its User-Agent. It is safe for
// concurrent use.
type AO3Client struct {
	base *url.URL
	hc   *http.Client
	ua   string

	// TTL is how long a fetched work is served from cache (default 1 h);
	// MaxEntries bounds the cache (default 1000); MaxRetries bounds retries
	// after 429/503 (default 3); MaxBody bounds a page's size (default 8 MiB).
	TTL        time.Duration
	MaxEntries int
	MaxRetries int
	MaxBody    int64
	// MaxSeriesPages bounds how many pages of one series are read
	// (default 50).
	MaxSeriesPages int

	// Gate, when set, is called before every request to AO3 (retries and
	// followed redirects included) and the request waits until it returns.
	// It is where a deployment spaces its requests (AO3_REQUEST_GAP across
	// processes); an error from it ends the look-up as ErrAO3Unavailable
	// (or the context's error).
	Gate func(ctx context.Context) error
	// OnBusy, when set, is told each time AO3 answers 429 or 503, with
	// how long it asked to wait, so that the whole deployment holds its
	// requests (e.g. Spacing.Hold), not only this look-up's retry.
	OnBusy func(retryAfter time.Duration)

	now func() time.Time

	mu       sync.Mutex
	cache    map[int64]cacheEntry
	inflight map[int64]*ao3Call
}

type cacheEntry struct {
	st      *Story
	expires time.Time
	added   time.Time
}

type ao3Call struct {
	done chan struct{}
	st   *Story
	err  error
}

// NewAO3Client returns a client for the AO3 at baseURL (e.g.
// "https://archiveofourown.org"). httpClient nil means a client with a 30 s
// timeout; userAgent "" means DefaultUserAgent.
func NewAO3Client(baseURL string, httpClient *http.Client, userAgent string) (*AO3Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("fic: AO3 base URL %q: must be an absolute http(s) URL", baseURL)
	}
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 30 * time.Second}
	}
	if userAgent == "" {
		userAgent = DefaultUserAgent
	}
	c := &AO3Client{
		base: u, ua: userAgent,
		TTL: time.Hour, MaxEntries: 1000, MaxRetries: 3, MaxBody: 8 << 20, MaxSeriesPages: 50,
		now:      time.Now,
		cache:    map[int64]cacheEntry{},
		inflight: map[int64]*ao3Call{},
	}
	// A copy that follows at most 3 redirects, and only to AO3 (or the
	// configured base URL's host): a redirected page from anywhere else
	// would otherwise be read as the work. A redirect to the login page is
	// not followed: where AO3 sends a visitor says why (restricted or
	// hidden), and the login page itself says nothing more.
	hc := *httpClient
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		host := strings.TrimSuffix(strings.ToLower(req.URL.Hostname()), ".")
		if !strings.EqualFold(req.URL.Host, u.Host) && !ao3Hosts[host] {
			return fmt.Errorf("redirect to %s, not AO3", req.URL.Host)
		}
		if isLoginPath(req.URL.Path) {
			return http.ErrUseLastResponse
		}
		if len(via) >= 3 {
			return errors.New("too many redirects")
		}
		return c.gate(req.Context())
	}
	c.hc = &hc
	return c, nil
}

func isLoginPath(p string) bool {
	return p == "/users/login" || strings.HasPrefix(p, "/users/login/") || p == "/login"
}

func (c *AO3Client) gate(ctx context.Context) error {
	if c.Gate == nil {
		return nil
	}
	return c.Gate(ctx)
}

// ParseLink is ParseAO3Link that also accepts the client's base URL host.
func (c *AO3Client) ParseLink(s string) (int64, bool) {
	return ParseAO3Link(s, c.base.Host)
}

// WorkURL is the work's address on the configured AO3.
func (c *AO3Client) WorkURL(id int64) string {
	return c.base.String() + "/works/" + strconv.FormatInt(id, 10)
}

// ParseSeriesLink is ParseAO3SeriesLink that also accepts the client's
// base URL host.
func (c *AO3Client) ParseSeriesLink(s string) (int64, bool) {
	return ParseAO3SeriesLink(s, c.base.Host)
}

// SeriesURL is the series' address on the configured AO3.
func (c *AO3Client) SeriesURL(id int64) string {
	return c.base.String() + "/series/" + strconv.FormatInt(id, 10)
}

// CheckWork fetches the work stored.AO3ID fresh from AO3 (never from the
// cache; one request, or two for a work of several chapters, which AO3
// redirects to its first chapter) and compares it with stored, the copy
// the library kept from the last look. Errors are Work's.
func (c *AO3Client) CheckWork(ctx context.Context, stored *Story) (WorkUpdate, error) {
	if stored == nil || stored.AO3ID <= 0 {
		return WorkUpdate{}, importErr(ErrNotAO3Link, msgNotAO3Link, errors.New("story has no AO3 work"))
	}
	c.Forget(stored.AO3ID)
	st, err := c.Work(ctx, stored.AO3ID)
	if err != nil {
		return WorkUpdate{WorkID: stored.AO3ID}, err
	}
	return WorkUpdate{WorkID: stored.AO3ID, Fetched: st, Changes: CompareWork(stored, st)}, nil
}

// Forget drops work id from the cache, so the next Work fetches it again
// (an update check wants AO3's page as it is now).
func (c *AO3Client) Forget(id int64) {
	c.mu.Lock()
	delete(c.cache, id)
	c.mu.Unlock()
}

// Work returns the metadata of AO3 work id: title, authors, rating,
// warnings, categories, fandoms, relationships, characters, tags,
// language, series, summary and stats (published, updated, words, chapters
// posted/expected, kudos, hits). Chapters is always empty. The Story
// returned is the caller's own copy. Errors are *ImportError wrapping
// ErrWorkDeleted, ErrWorkRestricted, ErrWorkHidden, ErrWorkUnrevealed,
// ErrAO3Busy or ErrAO3Unavailable (or the context's error when ctx ends
// while waiting for another caller). Results are cached for TTL; use
// CheckWork or Forget for a fresh look.
func (c *AO3Client) Work(ctx context.Context, id int64) (*Story, error) {
	if id <= 0 {
		return nil, importErr(ErrNotAO3Link, msgNotAO3Link, nil)
	}
	c.mu.Lock()
	if e, ok := c.cache[id]; ok && c.now().Before(e.expires) {
		c.mu.Unlock()
		return cloneStory(e.st), nil
	}
	if call, ok := c.inflight[id]; ok {
		c.mu.Unlock()
		select {
		case <-call.done:
			if call.err != nil {
				return nil, call.err
			}
			return cloneStory(call.st), nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	call := &ao3Call{done: make(chan struct{})}
	c.inflight[id] = call
	c.mu.Unlock()

	call.st, call.err = c.fetch(ctx, id)

	c.mu.Lock()
	delete(c.inflight, id)
	if call.err == nil {
		c.store(id, call.st)
	}
	c.mu.Unlock()
	close(call.done)
	if call.err != nil {
		return nil, call.err
	}
	return cloneStory(call.st), nil
}

// store caches st; c.mu is held.
func (c *AO3Client) store(id int64, st *Story) {
	now := c.now()
	if len(c.cache) >= c.MaxEntries {
		for k, e := range c.cache {
			if !now.Before(e.expires) {
				delete(c.cache, k)
			}
		}
	}
	for len(c.cache) >= max(c.MaxEntries, 1) {
		var oldest int64
		var at time.Time
		first := true
		for k, e := range c.cache {
			if first || e.added.Before(at) {
				oldest, at, first = k, e.added, false
			}
		}
		delete(c.cache, oldest)
	}
	c.cache[id] = cacheEntry{st: st, expires: now.Add(c.TTL), added: now}
}

// ao3Page is one answer of AO3 after redirects.
type ao3Page struct {
	status int
	url    *url.URL // the address that answered
	login  *url.URL // where AO3 sent a visitor to log in, when it did
	body   []byte
}

// get fetches target, waiting out 429 and 503 answers as Retry-After says
// (at most MaxRetries times, never past ctx's deadline). It returns any
// other answer for the caller to read; its errors are ErrAO3Busy and
// ErrAO3Unavailable.
func (c *AO3Client) get(ctx context.Context, target string) (*ao3Page, error) {
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err != nil {
			return nil, importErr(ErrAO3Unavailable, msgAO3Down, err)
		}
		req.Header.Set("User-Agent", c.ua)
		req.Header.Set("Accept", "text/html")
		// A visitor who answered yes to the adult-content question holds
		// this cookie; it also rides along AO3's redirect from a work to
		// its first chapter, which drops ?view_adult=true.
		req.Header.Set("Cookie", "view_adult=true")
		if err := c.gate(ctx); err != nil {
			if ctx.Err() != nil {
				return nil, importErr(ErrAO3Unavailable, msgAO3Down, ctx.Err())
			}
			return nil, importErr(ErrAO3Unavailable, msgAO3Down, err)
		}
		resp, err := c.hc.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, importErr(ErrAO3Unavailable, msgAO3Down, ctx.Err())
			}
			return nil, importErr(ErrAO3Unavailable, msgAO3Down, err)
		}
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, c.MaxBody+1))
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			wait := retryAfter(resp.Header.Get("Retry-After"), c.now())
			if c.OnBusy != nil {
				c.OnBusy(wait)
			}
			if attempt >= c.MaxRetries {
				return nil, importErr(ErrAO3Busy, msgAO3Busy, fmt.Errorf("HTTP %d after %d retries", resp.StatusCode, attempt))
			}
			if dl, ok := ctx.Deadline(); ok && c.now().Add(wait).After(dl) {
				return nil, importErr(ErrAO3Busy, msgAO3Busy, fmt.Errorf("HTTP %d, Retry-After %s exceeds the deadline", resp.StatusCode, wait))
			}
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return nil, importErr(ErrAO3Busy, msgAO3Busy, ctx.Err())
			}
			continue
		}
		p := &ao3Page{status: resp.StatusCode, url: req.URL}
		if resp.Request != nil {
			p.url = resp.Request.URL
		}
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			if loc, err := p.url.Parse(resp.Header.Get("Location")); err == nil && isLoginPath(loc.Path) {
				p.login = loc
				return p, nil
			}
			return nil, importErr(ErrAO3Unavailable, msgAO3Down, fmt.Errorf("HTTP %d to %q", resp.StatusCode, resp.Header.Get("Location")))
		}
		if isLoginPath(p.url.Path) {
			p.login = p.url
		}
		if resp.StatusCode == http.StatusOK {
			if rerr != nil {
				return nil, importErr(ErrAO3Unavailable, msgAO3Down, rerr)
			}
			if int64(len(body)) > c.MaxBody { // a cut page would parse as a shorter work
				return nil, importErr(ErrAO3Unavailable, msgAO3Down, fmt.Errorf("page over %d bytes", c.MaxBody))
			}
			p.body = body
		}
		return p, nil
	}
}

// refusal reads an answer that is not a page to parse: a login redirect
// (restricted=true: registered users only; otherwise access denied, which
// for a visitor means hidden by an administrator or not posted), 404/410
// (deleted), 401, or another failure. It returns nil for a 200 page.
func refusal(p *ao3Page, gone, restricted, hidden *ImportError) error {
	if p.login != nil {
		if p.login.Query().Get("restricted") != "" {
			return restricted
		}
		if p.status == http.StatusOK && len(p.body) > 0 {
			if low := strings.ToLower(string(p.body)); strings.Contains(low, "registered users") {
				return restricted
			}
		}
		return hidden
	}
	switch {
	case p.status == http.StatusNotFound || p.status == http.StatusGone:
		return gone
	case p.status == http.StatusUnauthorized:
		return restricted
	case p.status != http.StatusOK:
		return importErr(ErrAO3Unavailable, msgAO3Down, fmt.Errorf("HTTP %d", p.status))
	}
	return nil
}

func (c *AO3Client) fetch(ctx context.Context, id int64) (*Story, error) {
	target := c.WorkURL(id) + "?view_adult=true"
	for asked := 0; ; asked++ {
		p, err := c.get(ctx, target)
		if err != nil {
			return nil, err
		}
		if err := refusal(p,
			importErr(ErrWorkDeleted, msgAO3NotFound, fmt.Errorf("HTTP %d", p.status)),
			importErr(ErrWorkRestricted, msgAO3Restrict, errors.New("sent to the login page as restricted")),
			importErr(ErrWorkHidden, msgAO3Hidden, errors.New("sent to the login page: access denied"))); err != nil {
			return nil, err
		}
		doc, perr := html.Parse(strings.NewReader(string(p.body)))
		if perr != nil {
			return nil, importErr(ErrAO3Unavailable, msgAO3Unread, perr)
		}
		if yes := adultContinue(doc); yes != "" && asked == 0 {
			// AO3 asked the adult-content question anyway: answer its
			// "Yes, Continue" link, once, if it stays on AO3.
			next, err := p.url.Parse(yes)
			if err != nil || !strings.EqualFold(next.Host, p.url.Host) {
				return nil, importErr(ErrAO3Unavailable, msgAO3Adult, ErrAdultQuestion)
			}
			target = next.String()
			continue
		}
		st, err := parseWorkDoc(doc)
		if err != nil {
			return nil, err
		}
		st.AO3ID = id
		st.AO3URL = c.WorkURL(id)
		return st, nil
	}
}

// retryAfter reads a Retry-After header (seconds or an HTTP date); missing
// or unreadable means 5 s, and waits are clamped to [0, 10 min].
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	d := 5 * time.Second
	if n, err := strconv.Atoi(h); err == nil {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), 10*time.Minute)
}

// ParseWorkPage reads the metadata of an AO3 work page (works/N or a
// chapter of it): the dl.work.meta list, h2.title, the byline's
// a[rel=author] and the summary blockquote. It never reads chapter text.
// A page that is not the work's is an *ImportError saying which: AO3's
// adult-content question (ErrAO3Unavailable wrapping the question), a
// Mystery Work (ErrWorkUnrevealed), the registered-users-only notice
// (ErrWorkRestricted), a login page that denies access (ErrWorkHidden), or
// anything else (ErrAO3Unavailable).
func ParseWorkPage(page []byte) (*Story, error) {
	doc, err := html.Parse(strings.NewReader(string(page)))
	if err != nil {
		return nil, importErr(ErrAO3Unavailable, msgAO3Unread, err)
	}
	return parseWorkDoc(doc)
}

// adultContinue returns the href of the "Yes, Continue" link when doc is
// AO3's adult-content question (a caution notice and a link that sets
// view_adult), else "".
func adultContinue(doc *html.Node) string {
	if tree.FindFirst(doc, func(n *html.Node) bool {
		return n.DataAtom == atom.Dl && htmlnode.HasClass(n, "work") && htmlnode.HasClass(n, "meta")
	}) != nil {
		return ""
	}
	if tree.FindFirst(doc, func(n *html.Node) bool { return htmlnode.HasClass(n, "caution") && htmlnode.HasClass(n, "notice") }) == nil {
		return ""
	}
	a := tree.FindFirst(doc, func(n *html.Node) bool {
		return n.DataAtom == atom.A && strings.Contains(htmlnode.Attr(n, "href"), "view_adult=true")
	})
	if a == nil {
		return ""
	}
	return htmlnode.Attr(a, "href")
}

// mysteryPage reports whether doc is AO3's page for a work in an
// unrevealed collection: titled "Mystery Work", or with its notice that the
// work will be revealed soon, and no work metadata.
func mysteryPage(doc *html.Node) bool {
	if t := tree.FindFirst(doc, func(n *html.Node) bool { return n.DataAtom == atom.Title }); t != nil {
		if strings.HasPrefix(strings.ToLower(inlineText(t)), "mystery work") {
			return true
		}
	}
	return tree.FindFirst(doc, func(n *html.Node) bool {
		return (n.DataAtom == atom.P && htmlnode.HasClass(n, "notice") && strings.Contains(strings.ToLower(inlineText(n)), "revealed soon")) ||
			htmlnode.HasClass(n, "mystery") && htmlnode.HasClass(n, "header")
	}) != nil
}

func parseWorkDoc(doc *html.Node) (*Story, error) {
	meta := tree.FindFirst(doc, func(n *html.Node) bool {
		return n.DataAtom == atom.Dl && htmlnode.HasClass(n, "work") && htmlnode.HasClass(n, "meta")
	})
	if meta == nil {
		low := strings.ToLower(inlineText(doc))
		loginForm := tree.FindFirst(doc, func(n *html.Node) bool {
			return n.DataAtom == atom.Form && strings.Contains(htmlnode.Attr(n, "action"), "/users/login")
		}) != nil
		switch {
		case adultContinue(doc) != "":
			return nil, importErr(ErrAO3Unavailable, msgAO3Adult, ErrAdultQuestion)
		case mysteryPage(doc):
			return nil, importErr(ErrWorkUnrevealed, msgAO3Unrevealed, nil)
		case strings.Contains(low, "registered users") || strings.Contains(low, "log in") && strings.Contains(low, "restricted"):
			return nil, importErr(ErrWorkRestricted, msgAO3Restrict, nil)
		case loginForm && !strings.Contains(low, "stats:"):
			return nil, importErr(ErrWorkHidden, msgAO3Hidden, errors.New("a login page"))
		}
		return nil, importErr(ErrAO3Unavailable, msgAO3Unread, errors.New("no work metadata on the page"))
	}
	st := &Story{}
	readMetaList(meta, st)
	pre := tree.FindFirst(doc, func(n *html.Node) bool { return htmlnode.HasClass(n, "preface") })
	if pre == nil {
		pre = doc
	}
	if h := tree.FindFirst(pre, func(n *html.Node) bool { return isHeadingElem(n) && htmlnode.HasClass(n, "title") }); h != nil {
		st.Title = inlineText(h)
	}
	if by := tree.FindFirst(pre, func(n *html.Node) bool { return htmlnode.HasClass(n, "byline") }); by != nil {
		st.Authors = bylineAuthors(by)
	}
	if sum := tree.FindFirst(pre, func(n *html.Node) bool { return htmlnode.HasClass(n, "summary") }); sum != nil {
		if bq := tree.FindFirst(sum, func(n *html.Node) bool { return n.DataAtom == atom.Blockquote }); bq != nil {
			st.Summary = childrenText(bq)
		}
	}
	if st.Title == "" {
		st.Title = "Untitled"
	}
	st.Chapters = nil
	st.Finish()
	return st, nil
}

func cloneStory(s *Story) *Story {
	if s == nil {
		return nil
	}
	c := *s
	cp := func(v []string) []string {
		if v == nil {
			return nil
		}
		return append([]string(nil), v...)
	}
	c.Authors, c.Fandoms, c.Warnings = cp(s.Authors), cp(s.Fandoms), cp(s.Warnings)
	c.Categories, c.Relationships, c.Characters = cp(s.Categories), cp(s.Relationships), cp(s.Characters)
	c.Tags, c.Series = cp(s.Tags), cp(s.Series)
	if s.SeriesRefs != nil {
		c.SeriesRefs = append([]SeriesRef(nil), s.SeriesRefs...)
	}
	if s.Chapters != nil {
		c.Chapters = append([]Chapter(nil), s.Chapters...)
	}
	return &c
}
