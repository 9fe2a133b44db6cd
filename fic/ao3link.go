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
)

// Errors of the AO3 link client, wrapped in an *ImportError whose Message
// is a sentence for the member.
var (
	ErrNotAO3Link     = errors.New("not an AO3 work link")
	ErrAO3NotFound    = errors.New("no such AO3 work")
	ErrAO3Restricted  = errors.New("AO3 work restricted")
	ErrAO3Busy        = errors.New("AO3 rate limited")
	ErrAO3Unavailable = errors.New("AO3 unavailable")
)

const (
	msgNotAO3Link  = "That isn't a link to an AO3 work: use a link like https://archiveofourown.org/works/12345."
	msgAO3NotFound = "AO3 has no work at that link (it may have been deleted)."
	msgAO3Restrict = "That AO3 work is only visible to logged-in AO3 users, so I can't read its details: upload its download instead."
	msgAO3Busy     = "AO3 is busy and asked me to wait; please try again in a minute."
	msgAO3Down     = "I couldn't get that work's details from AO3 right now; please try again later."
	msgAO3Unread   = "I couldn't read that work's details from its AO3 page."
)

// DefaultUserAgent names the bot to AO3.
const DefaultUserAgent = "Ficshelf/1.0 (Discord bot)"

var ao3Hosts = map[string]bool{
	"archiveofourown.org": true, "www.archiveofourown.org": true,
	"ao3.org": true, "www.ao3.org": true,
}

var ao3PathRe = regexp.MustCompile(`^(?:/collections/[^/]+)?/works/(\d{1,18})(?:/chapters/\d{1,18})?/?$`)

// ParseAO3Link extracts the work ID from an AO3 work or chapter link:
// http(s)://[www.]archiveofourown.org/works/N, .../works/N/chapters/M,
// collection work links, with any query or fragment, surrounding space or
// angle brackets, or without a scheme. extraHosts are also accepted as AO3
// (the configured AO3 base URL's host, e.g. a test server "127.0.0.1:8080").
func ParseAO3Link(s string, extraHosts ...string) (workID int64, ok bool) {
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
	m := ao3PathRe.FindStringSubmatch(u.EscapedPath())
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
	// A copy that follows at most 3 redirects, and only to AO3 (or the
	// configured base URL's host): a redirected page from anywhere else
	// would otherwise be read as the work.
	hc := *httpClient
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 3 {
			return errors.New("too many redirects")
		}
		host := strings.TrimSuffix(strings.ToLower(req.URL.Hostname()), ".")
		if !strings.EqualFold(req.URL.Host, u.Host) && !ao3Hosts[host] {
			return fmt.Errorf("redirect to %s, not AO3", req.URL.Host)
		}
		return nil
	}
	httpClient = &hc
	if userAgent == "" {
		userAgent = DefaultUserAgent
	}
	return &AO3Client{
		base: u, hc: httpClient, ua: userAgent,
		TTL: time.Hour, MaxEntries: 1000, MaxRetries: 3, MaxBody: 8 << 20,
		now:      time.Now,
		cache:    map[int64]cacheEntry{},
		inflight: map[int64]*ao3Call{},
	}, nil
}

// ParseLink is ParseAO3Link that also accepts the client's base URL host.
func (c *AO3Client) ParseLink(s string) (int64, bool) {
	return ParseAO3Link(s, c.base.Host)
}

// WorkURL is the work's address on the configured AO3.
func (c *AO3Client) WorkURL(id int64) string {
	return c.base.String() + "/works/" + strconv.FormatInt(id, 10)
}

// Work returns the metadata of AO3 work id: title, authors, rating,
// warnings, categories, fandoms, relationships, characters, tags,
// language, series, summary and stats (published, updated, words, chapters
// posted/expected, kudos, hits). Chapters is always empty. The Story
// returned is the caller's own copy. Errors are *ImportError wrapping
// ErrAO3NotFound, ErrAO3Restricted, ErrAO3Busy or ErrAO3Unavailable (or the
// context's error when ctx ends while waiting for another caller).
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

func (c *AO3Client) fetch(ctx context.Context, id int64) (*Story, error) {
	target := c.WorkURL(id) + "?view_adult=true"
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err != nil {
			return nil, importErr(ErrAO3Unavailable, msgAO3Down, err)
		}
		req.Header.Set("User-Agent", c.ua)
		req.Header.Set("Accept", "text/html")
		resp, err := c.hc.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, importErr(ErrAO3Unavailable, msgAO3Down, ctx.Err())
			}
			return nil, importErr(ErrAO3Unavailable, msgAO3Down, err)
		}
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, c.MaxBody+1))
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
			wait := retryAfter(resp.Header.Get("Retry-After"), c.now())
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
		case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
			return nil, importErr(ErrAO3NotFound, msgAO3NotFound, fmt.Errorf("HTTP %d", resp.StatusCode))
		case resp.StatusCode == http.StatusUnauthorized:
			return nil, importErr(ErrAO3Restricted, msgAO3Restrict, fmt.Errorf("HTTP %d", resp.StatusCode))
		case resp.StatusCode != http.StatusOK:
			return nil, importErr(ErrAO3Unavailable, msgAO3Down, fmt.Errorf("HTTP %d", resp.StatusCode))
		}
		if rerr != nil {
			return nil, importErr(ErrAO3Unavailable, msgAO3Down, rerr)
		}
		if int64(len(body)) > c.MaxBody { // a cut page would parse as a shorter work
			return nil, importErr(ErrAO3Unavailable, msgAO3Down, fmt.Errorf("page over %d bytes", c.MaxBody))
		}
		if resp.Request != nil && strings.Contains(resp.Request.URL.Path, "/users/login") {
			return nil, importErr(ErrAO3Restricted, msgAO3Restrict, errors.New("redirected to login"))
		}
		st, err := ParseWorkPage(body)
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

// ParseWorkPage reads the metadata of an AO3 work page (works/N): the
// dl.work.meta list, h2.title, the byline's a[rel=author] and the summary
// blockquote. It never reads chapter text. A login page or a page without
// work metadata is an *ImportError wrapping ErrAO3Restricted or
// ErrAO3Unavailable.
func ParseWorkPage(page []byte) (*Story, error) {
	doc, err := html.Parse(strings.NewReader(string(page)))
	if err != nil {
		return nil, importErr(ErrAO3Unavailable, msgAO3Unread, err)
	}
	meta := findFirst(doc, func(n *html.Node) bool {
		return n.DataAtom == atom.Dl && hasClass(n, "work") && hasClass(n, "meta")
	})
	if meta == nil {
		low := strings.ToLower(inlineText(doc))
		if strings.Contains(low, "only available to registered users") || strings.Contains(low, "log in") && strings.Contains(low, "restricted") ||
			findFirst(doc, func(n *html.Node) bool {
				return n.DataAtom == atom.Form && strings.Contains(attr(n, "action"), "/users/login")
			}) != nil && !strings.Contains(low, "stats:") {
			return nil, importErr(ErrAO3Restricted, msgAO3Restrict, nil)
		}
		return nil, importErr(ErrAO3Unavailable, msgAO3Unread, errors.New("no work metadata on the page"))
	}
	st := &Story{}
	readMetaList(meta, st)
	pre := findFirst(doc, func(n *html.Node) bool { return hasClass(n, "preface") })
	if pre == nil {
		pre = doc
	}
	if h := findFirst(pre, func(n *html.Node) bool { return isHeadingElem(n) && hasClass(n, "title") }); h != nil {
		st.Title = inlineText(h)
	}
	if by := findFirst(pre, func(n *html.Node) bool { return hasClass(n, "byline") }); by != nil {
		st.Authors = bylineAuthors(by)
	}
	if sum := findFirst(pre, func(n *html.Node) bool { return hasClass(n, "summary") }); sum != nil {
		if bq := findFirst(sum, func(n *html.Node) bool { return n.DataAtom == atom.Blockquote }); bq != nil {
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
