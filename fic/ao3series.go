package fic

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"ficshelf/htmlnode"
)

// Series is an AO3 series as a visitor sees it: its works in series order.
type Series struct {
	ID      int64
	URL     string
	Title   string
	Authors []string
	Summary string
	// Complete is AO3's "Complete: Yes" for the series.
	Complete bool
	// Works are the works a visitor can see, in series order. Works
	// restricted to logged-in users are not listed by AO3 to visitors, so
	// parts can have gaps.
	Works []SeriesWork
	// Truncated is true when the series has more pages than
	// AO3Client.MaxSeriesPages and the rest was not read.
	Truncated bool
}

// SeriesWork is one work of a series, from its blurb on the series page.
type SeriesWork struct {
	// Part is the work's place in the series (AO3's "Part K of …").
	Part int
	// Unrevealed is true for a Mystery Work of an unrevealed collection:
	// only Work.AO3ID is known.
	Unrevealed bool
	// Work holds the blurb's details (no text): AO3ID, AO3URL, title,
	// authors, rating, warnings, categories, fandoms, relationships,
	// characters, tags, summary, language, words, chapters posted/expected,
	// kudos, hits, updated date, and SeriesRefs naming this series as part
	// Part (plus any other series the blurb names).
	Work *Story
}

var seriesPageRe = regexp.MustCompile(`^\d{1,4}$`)

// Series reads AO3 series id: its title, creators, description and every
// work a visitor can see, following the series' pages (?page=N) until the
// last one, at most MaxSeriesPages pages. Each page is one request,
// through Gate, with 429/503 + Retry-After honoured. Errors are
// *ImportError wrapping ErrSeriesNotFound, ErrSeriesRestricted,
// ErrSeriesHidden, ErrAO3Busy or ErrAO3Unavailable.
func (c *AO3Client) Series(ctx context.Context, id int64) (*Series, error) {
	if id <= 0 {
		return nil, importErr(ErrNotAO3SeriesLink, msgNotSeriesLink, nil)
	}
	out := &Series{ID: id, URL: c.SeriesURL(id)}
	seen := map[int64]bool{}
	maxPages := c.MaxSeriesPages
	if maxPages <= 0 {
		maxPages = 50
	}
	for page := 1; ; page++ {
		if page > maxPages {
			out.Truncated = true
			break
		}
		sp, err := c.SeriesPage(ctx, id, page)
		if err != nil {
			return nil, err
		}
		if page == 1 {
			out.Title, out.Authors, out.Summary, out.Complete = sp.Title, sp.Authors, sp.Summary, sp.Complete
		}
		added := 0
		for _, w := range sp.Works {
			wid := w.Work.AO3ID
			if wid == 0 || seen[wid] {
				continue
			}
			seen[wid] = true
			added++
			if w.Part == 0 { // a Mystery Work's blurb names no part: the one after the last
				w.Part = 1
				if n := len(out.Works); n > 0 {
					w.Part = out.Works[n-1].Part + 1
				}
			}
			w.Work.AO3URL = c.WorkURL(wid)
			addSeries(w.Work, SeriesRef{ID: id, Title: out.Title, Part: w.Part})
			out.Works = append(out.Works, w)
		}
		if added == 0 || !sp.HasNext || (sp.LastPage > 0 && page >= sp.LastPage) {
			break
		}
	}
	sort.SliceStable(out.Works, func(i, j int) bool { return out.Works[i].Part < out.Works[j].Part })
	return out, nil
}

// SeriesPage reads page page (1-based) of AO3 series id: one request,
// through Gate, with 429/503 + Retry-After honoured. Blurbs keep the parts
// they name (0 for a Mystery Work) and each work's AO3URL is set; Series
// does the rest (parts by position, this series in SeriesRefs). Errors
// are as Series'.
func (c *AO3Client) SeriesPage(ctx context.Context, id int64, page int) (*SeriesPage, error) {
	if id <= 0 || page <= 0 {
		return nil, importErr(ErrNotAO3SeriesLink, msgNotSeriesLink, nil)
	}
	target := c.SeriesURL(id)
	if page > 1 {
		target += "?page=" + strconv.Itoa(page)
	}
	p, err := c.get(ctx, target)
	if err != nil {
		return nil, err
	}
	if err := refusal(p,
		importErr(ErrSeriesNotFound, msgSeriesGone, fmt.Errorf("HTTP %d", p.status)),
		importErr(ErrSeriesRestricted, msgSeriesRestr, errors.New("sent to the login page as restricted")),
		importErr(ErrSeriesHidden, msgSeriesHidden, errors.New("sent to the login page: access denied"))); err != nil {
		return nil, err
	}
	sp, err := ParseSeriesPage(p.body)
	if err != nil {
		return nil, err
	}
	for _, w := range sp.Works {
		if w.Work.AO3ID > 0 {
			w.Work.AO3URL = c.WorkURL(w.Work.AO3ID)
		}
	}
	return sp, nil
}

// SeriesPage is one page of a series as ParseSeriesPage reads it.
type SeriesPage struct {
	Title    string
	Authors  []string
	Summary  string
	Complete bool
	Works    []SeriesWork
	// HasNext is true when the page links to a next page; LastPage is
	// the highest page number its pagination names (0 without one).
	HasNext  bool
	LastPage int
}

// ParseSeriesPage reads an AO3 series page (series/N?page=P): the heading,
// the dl.series.meta list, the work blurbs of ul.series.work.index and the
// pagination. Parts come from each blurb's "Part K of" line for this
// series when it has one; Series fills the rest by position.
func ParseSeriesPage(page []byte) (*SeriesPage, error) {
	doc, err := html.Parse(strings.NewReader(string(page)))
	if err != nil {
		return nil, importErr(ErrAO3Unavailable, msgSeriesUnread, err)
	}
	meta := tree.FindFirst(doc, func(n *html.Node) bool {
		return n.DataAtom == atom.Dl && htmlnode.HasClass(n, "series") && htmlnode.HasClass(n, "meta")
	})
	list := tree.FindFirst(doc, func(n *html.Node) bool {
		return (n.DataAtom == atom.Ul || n.DataAtom == atom.Ol) && htmlnode.HasClass(n, "series") && htmlnode.HasClass(n, "index")
	})
	if meta == nil && list == nil {
		return nil, importErr(ErrAO3Unavailable, msgSeriesUnread, errors.New("no series metadata on the page"))
	}
	sp := &SeriesPage{}
	main := tree.FindFirst(doc, func(n *html.Node) bool { return htmlnode.Attr(n, "id") == "main" })
	if main == nil {
		main = doc
	}
	if h := tree.FindFirst(main, func(n *html.Node) bool {
		return n.DataAtom == atom.H2 && htmlnode.HasClass(n, "heading") && !htmlnode.HasClass(n, "landmark")
	}); h != nil {
		sp.Title = inlineText(h)
	}
	if meta != nil {
		readSeriesMeta(meta, sp)
	}
	if list != nil {
		for c := list.FirstChild; c != nil; c = c.NextSibling {
			if c.DataAtom == atom.Li && htmlnode.HasClass(c, "work") {
				if w, ok := parseBlurb(c); ok {
					sp.Works = append(sp.Works, w)
				}
			}
		}
	}
	// Parts from "Part K of <a href=/series/N>": the series' ID is the one
	// most blurbs share; without links, the part of the only series named.
	seriesID := seriesIDOf(sp.Works)
	for i := range sp.Works {
		for _, r := range sp.Works[i].Work.SeriesRefs {
			if r.Part > 0 && (r.ID == seriesID || seriesID == 0 && len(sp.Works[i].Work.SeriesRefs) == 1) {
				sp.Works[i].Part = r.Part
			}
		}
	}
	if pg := tree.FindFirst(doc, func(n *html.Node) bool { return htmlnode.HasClass(n, "pagination") }); pg != nil {
		for _, li := range tree.FindAll(pg, func(n *html.Node) bool { return n.DataAtom == atom.Li }) {
			if htmlnode.HasClass(li, "next") && tree.FindFirst(li, func(n *html.Node) bool { return n.DataAtom == atom.A && htmlnode.Attr(n, "href") != "" }) != nil {
				sp.HasNext = true
			}
			if t := inlineText(li); seriesPageRe.MatchString(t) {
				if n, _ := strconv.Atoi(t); n > sp.LastPage {
					sp.LastPage = n
				}
			}
		}
		if tree.FindFirst(pg, func(n *html.Node) bool { return n.DataAtom == atom.A && htmlnode.Attr(n, "rel") == "next" }) != nil {
			sp.HasNext = true
		}
	}
	return sp, nil
}

func seriesIDOf(ws []SeriesWork) int64 {
	count := map[int64]int{}
	var best int64
	for _, w := range ws {
		for _, r := range w.Work.SeriesRefs {
			if r.ID == 0 {
				continue
			}
			count[r.ID]++
			if count[r.ID] > count[best] || count[r.ID] == count[best] && r.ID < best {
				best = r.ID
			}
		}
	}
	return best
}

func readSeriesMeta(dl *html.Node, sp *SeriesPage) {
	var label string
	for c := dl.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		switch c.DataAtom {
		case atom.Dt:
			label = normLabel(inlineText(c))
		case atom.Dd:
			switch label {
			case "creator", "creators", "author", "authors":
				sp.Authors = bylineAuthors(c)
			case "description":
				if bq := tree.FindFirst(c, func(n *html.Node) bool { return n.DataAtom == atom.Blockquote }); bq != nil {
					sp.Summary = childrenText(bq)
				} else {
					sp.Summary = inlineText(c)
				}
			case "stats":
				if inner := tree.FindFirst(c, func(n *html.Node) bool { return n.DataAtom == atom.Dl }); inner != nil && inner != c {
					readSeriesMeta(inner, sp)
				}
			case "complete":
				sp.Complete = strings.EqualFold(inlineText(c), "yes")
			}
		}
	}
}

var blurbIDRe = regexp.MustCompile(`^work_(\d{1,18})$`)

// parseBlurb reads one work blurb (li.work of an index page).
func parseBlurb(li *html.Node) (SeriesWork, bool) {
	st := &Story{}
	w := SeriesWork{Work: st}
	if m := blurbIDRe.FindStringSubmatch(htmlnode.Attr(li, "id")); m != nil {
		st.AO3ID, _ = strconv.ParseInt(m[1], 10, 64)
	}
	header := tree.FindFirst(li, func(n *html.Node) bool { return htmlnode.HasClass(n, "header") && htmlnode.HasClass(n, "module") })
	if htmlnode.HasClass(li, "mystery") || tree.FindFirst(li, func(n *html.Node) bool { return htmlnode.HasClass(n, "mystery") && htmlnode.HasClass(n, "header") }) != nil {
		w.Unrevealed = true
		st.Title = "Mystery Work"
		st.Finish()
		return w, st.AO3ID != 0
	}
	if header != nil {
		if h4 := tree.FindFirst(header, func(n *html.Node) bool { return n.DataAtom == atom.H4 }); h4 != nil {
			for _, a := range tree.FindAll(h4, func(n *html.Node) bool { return n.DataAtom == atom.A }) {
				href := htmlnode.Attr(a, "href")
				if m := ao3PathRe.FindStringSubmatch(strings.SplitN(hrefPath(href), "?", 2)[0]); m != nil && st.Title == "" {
					st.Title = inlineText(a)
					if st.AO3ID == 0 {
						st.AO3ID, _ = strconv.ParseInt(m[1], 10, 64)
					}
				} else if htmlnode.Attr(a, "rel") == "author" {
					st.Authors = appendUnique(st.Authors, inlineText(a))
				}
			}
			if len(st.Authors) == 0 {
				if _, after, ok := strings.Cut(inlineText(h4), " by "); ok {
					if a := strings.TrimSpace(after); a != "" {
						st.Authors = []string{a}
					}
				}
			}
		}
		if h5 := tree.FindFirst(header, func(n *html.Node) bool { return htmlnode.HasClass(n, "fandoms") }); h5 != nil {
			for _, a := range tree.FindAll(h5, func(n *html.Node) bool { return n.DataAtom == atom.A }) {
				st.Fandoms = appendUnique(st.Fandoms, inlineText(a))
			}
		}
		if req := tree.FindFirst(header, func(n *html.Node) bool { return htmlnode.HasClass(n, "required-tags") }); req != nil {
			for _, sp := range tree.FindAll(req, func(n *html.Node) bool { return n.DataAtom == atom.Span && htmlnode.Attr(n, "title") != "" }) {
				title := cleanSpace(htmlnode.Attr(sp, "title"))
				switch {
				case htmlnode.HasClass(sp, "rating"):
					st.Rating, _ = ParseRating(title)
				case htmlnode.HasClass(sp, "category"):
					for _, c := range strings.Split(title, ",") {
						if c = strings.TrimSpace(c); c != "" && !strings.HasPrefix(strings.ToLower(c), "no category") {
							st.Categories = appendUnique(st.Categories, c)
						}
					}
				}
			}
		}
		if d := tree.FindFirst(header, func(n *html.Node) bool { return htmlnode.HasClass(n, "datetime") }); d != nil {
			if t, err := time.Parse("02 Jan 2006", inlineText(d)); err == nil {
				st.Updated = t
			} else if t, ok := parseDate(inlineText(d)); ok {
				st.Updated = t
			}
		}
	}
	if tags := tree.FindFirst(li, func(n *html.Node) bool { return n.DataAtom == atom.Ul && htmlnode.HasClass(n, "tags") }); tags != nil {
		for c := tags.FirstChild; c != nil; c = c.NextSibling {
			if c.DataAtom != atom.Li {
				continue
			}
			var vals []string
			for _, a := range tree.FindAll(c, func(n *html.Node) bool { return n.DataAtom == atom.A }) {
				vals = append(vals, inlineText(a))
			}
			switch {
			case htmlnode.HasClass(c, "warnings"):
				st.Warnings = appendUnique(st.Warnings, vals...)
			case htmlnode.HasClass(c, "relationships"):
				st.Relationships = appendUnique(st.Relationships, vals...)
			case htmlnode.HasClass(c, "characters"):
				st.Characters = appendUnique(st.Characters, vals...)
			case htmlnode.HasClass(c, "freeforms"):
				st.Tags = appendUnique(st.Tags, vals...)
			}
		}
	}
	if bq := tree.FindFirst(li, func(n *html.Node) bool { return n.DataAtom == atom.Blockquote && htmlnode.HasClass(n, "summary") }); bq != nil {
		st.Summary = childrenText(bq)
	}
	if ul := tree.FindFirst(li, func(n *html.Node) bool { return n.DataAtom == atom.Ul && htmlnode.HasClass(n, "series") }); ul != nil {
		for _, item := range tree.FindAll(ul, func(n *html.Node) bool { return n.DataAtom == atom.Li }) {
			addSeries(st, seriesValues(item)...)
		}
	}
	if stats := tree.FindFirst(li, func(n *html.Node) bool { return n.DataAtom == atom.Dl && htmlnode.HasClass(n, "stats") }); stats != nil {
		readMetaList(stats, st)
	}
	if st.Title == "" {
		st.Title = "Untitled"
	}
	st.Finish()
	return w, st.AO3ID != 0
}

// hrefPath is an href's path: absolute links lose their origin.
func hrefPath(href string) string {
	if i := strings.Index(href, "://"); i >= 0 {
		rest := href[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			return rest[j:]
		}
		return "/"
	}
	return href
}
