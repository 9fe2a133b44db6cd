package listimport

import (
	"fmt"
	"html"
	"strings"
)

// Hand-made pages in the markup AO3's views produce (blurbs as
// li.blurb with a header module, h4.heading, a[rel=author], h5.fandoms).
// The texts are invented for these tests.

type blurb struct {
	id       int64
	title    string
	authors  []string
	fandoms  []string
	href     string // overrides /works/<id>
	kind     string // "work" (default), "series", "external", "mystery", "deleted"
	anon     bool
	notes    string   // bookmarker's notes
	tags     []string // bookmarker's tags
	viewed   string   // readings: the h4.viewed text
	complete bool
}

func (b blurb) header() string {
	if b.kind == "mystery" {
		return `<div class="mystery header picture module"><h4 class="heading">Mystery Work</h4><div class="icon"></div></div>
<h6 class="landmark heading">Summary</h6><blockquote class="userstuff summary"><p>Revealed soon.</p></blockquote>`
	}
	href := b.href
	if href == "" {
		switch b.kind {
		case "series":
			href = fmt.Sprintf("/series/%d", b.id)
		case "external":
			href = fmt.Sprintf("/external_works/%d", b.id)
		default:
			href = fmt.Sprintf("/works/%d", b.id)
		}
	}
	var by []string
	for _, a := range b.authors {
		by = append(by, fmt.Sprintf(`<a rel="author" href="/users/%s/pseuds/%s">%s</a>`, a, a, html.EscapeString(a)))
	}
	byline := strings.Join(by, ", ")
	class := "header module"
	if b.anon {
		class = "anonymous header module"
		byline = "Anonymous"
	}
	var fandoms []string
	for _, f := range b.fandoms {
		fandoms = append(fandoms, fmt.Sprintf(`<a class="tag" href="/tags/%s/works">%s</a>`, f, html.EscapeString(f)))
	}
	wip := "complete-no iswip"
	if b.complete {
		wip = "complete-yes iswip"
	}
	return fmt.Sprintf(`<div class="%s">
  <!-- updated_at=1700000000 -->
  <h4 class="heading">
    <a href="%s">%s</a>
    by
    <!-- do not cache -->
    %s
  </h4>
  <h5 class="fandoms heading">
    <span class="landmark">Fandoms:</span>
    %s
    &nbsp;
  </h5>
  <ul class="required-tags">
    <li><a class="help symbol question" title="Symbols key" href="/help/symbols-key.html"><span class="rating-teen rating" title="Teen And Up Audiences"><span class="text">Teen And Up Audiences</span></span></a></li>
    <li><a class="help symbol question" title="Symbols key" href="/help/symbols-key.html"><span class="%s" title="Work"><span class="text">Work</span></span></a></li>
  </ul>
  <p class="datetime">01 Jan 2024</p>
</div>
<h6 class="landmark heading">Tags</h6>
<ul class="tags commas"><li class="freeforms"><a class="tag" href="/tags/Fluff/works">Fluff</a></li></ul>
<dl class="stats"><dt class="words">Words:</dt><dd class="words">1,234</dd><dt class="chapters">Chapters:</dt><dd class="chapters"><a href="%s/chapters/2">2</a>/3</dd></dl>`,
		class, href, html.EscapeString(b.title), byline, strings.Join(fandoms, ", "), wip, href)
}

func (b blurb) css() string {
	switch b.kind {
	case "series":
		return fmt.Sprintf("series-%d user-1", b.id)
	case "external":
		return fmt.Sprintf("external-work-%d", b.id) // "ExternalWork" underscored and dasherized
	}
	return fmt.Sprintf("work-%d user-1", b.id)
}

// bookmarksPage is a user's Bookmarks page.
func bookmarksPage(bs ...blurb) string {
	var items []string
	for i, b := range bs {
		if b.kind == "deleted" {
			items = append(items, fmt.Sprintf(`<li id="bookmark_%d" class="bookmark blurb group user-9" role="article">
  <p class="message">This has been deleted, sorry!</p>
  <div class="new dynamic" id="bookmark_form_placement_for_%d"></div>
  <div class="user module group"><h5 class="byline heading">Bookmarked by <a href="/users/reader/pseuds/reader/bookmarks">reader</a></h5><p class="datetime">02 Feb 2024</p></div>
</li>`, 900+i, 900+i))
			continue
		}
		tagNames := b.tags
		if tagNames == nil {
			tagNames = []string{"Reread"}
		}
		tags := ""
		for _, tg := range tagNames {
			tags += `<li><a class="tag" href="/tags/x/bookmarks">` + html.EscapeString(tg) + `</a></li>`
		}
		notes := ""
		if b.notes != "" {
			notes = `<h6 class="landmark heading">Bookmarker's Notes</h6><blockquote class="userstuff notes"><p>` + b.notes + `</p></blockquote>`
		}
		items = append(items, fmt.Sprintf(`<li id="bookmark_%d" class="bookmark blurb group %s" role="article">
  <p class="status" title="3 Bookmarks"><a class="help symbol question" href="/help/bookmark-symbols-key.html"><span class="public" title="Public Bookmark"><span class="text">Public Bookmark</span></span></a><span class="count"><a href="/works/%d/bookmarks">3</a></span></p>
  %s
  <div class="new dynamic" id="bookmark_form_placement_for_%d"></div>
  <div class="own user module group">
    <h5 class="byline heading">Bookmarked by <a href="/users/reader/pseuds/reader/bookmarks">reader</a></h5>
    <p class="datetime">02 Feb 2024</p>
    <h6 class="meta heading">Bookmarker's Tags:</h6><ul class="meta tags commas">%s</ul>
    %s
  </div>
</li>`, 100+i, b.css(), b.id, b.header(), b.id, tags, notes))
	}
	return page("reader | Bookmarks", `<h2 class="heading">1 - 20 of 31 Bookmarks by reader</h2>
<h3 class="landmark heading">List of Bookmarks</h3>
<ol class="bookmark index group">`+strings.Join(items, "\n")+`</ol>`)
}

// readingsPage is the History page, or Marked for Later with later set.
func readingsPage(later bool, bs ...blurb) string {
	var items []string
	for _, b := range bs {
		if b.kind == "deleted" {
			items = append(items, `<li class="deleted reading work blurb group" role="article">
  <div class="user module group"><h4 class="viewed heading">(Deleted work, last visited 03 Mar 2024)</h4></div>
</li>`)
			continue
		}
		viewed := b.viewed
		if viewed == "" {
			viewed = "<span>Last visited:</span> 04 Apr 2024 (Latest version.) Visited 2 times"
		}
		class := "reading work blurb group " + b.css()
		if b.kind == "mystery" {
			class = "reading work mystery blurb group " + b.css()
		}
		items = append(items, fmt.Sprintf(`<li id="work_%d" class="%s" role="article">
  %s
  <div class="user module group">
    <h4 class="viewed heading">%s</h4>
    <ul class="actions"><li><form class="ajax-remove" action="/users/reader/readings/5" method="post"><input type="submit" value="Delete from History"></form></li></ul>
  </div>
</li>`, b.id, class, b.header(), viewed))
	}
	heading, title := "History", "reader | History"
	nav := `<li><span class="current">History</span></li><li><a href="/users/reader/readings?show=to-read">Marked for Later</a></li>`
	if later {
		heading, title = "Marked for Later", "reader | Marked for Later"
		nav = `<li><a href="/users/reader/readings">History</a></li><li><span class="current">Marked for Later</span></li>`
	}
	// The dashboard's header comes first, with its own h2.heading.
	return page(title, `<div class="primary header module"><h2 class="heading">reader</h2><p class="icon"><img alt="" src="/images/skins/iconsets/default/icon_user.png"></p></div>
<h2 class="heading">`+heading+`</h2>
<ul class="navigation actions" role="navigation">`+nav+`<li><a href="/users/reader/readings/clear">Clear Entire History</a></li></ul>
<h3 class="landmark heading">List of items</h3>
<ol class="reading work index group">`+strings.Join(items, "\n")+`</ol>`)
}

// worksPage is a user's works page, or a series page when series is set.
func worksPage(series bool, bs ...blurb) string {
	var items []string
	for _, b := range bs {
		class := "work blurb group " + b.css()
		if b.kind == "mystery" {
			class = "mystery work blurb group " + b.css()
		}
		items = append(items, fmt.Sprintf(`<li id="work_%d" class="%s" role="article">
  %s
</li>`, b.id, class, b.header()))
	}
	if series {
		return page("A Long Road | Series", `<h2 class="heading">A Long Road</h2>
<h3 class="landmark heading">Series Metadata</h3>
<div class="wrapper"><dl class="series meta group"><dt>Creator:</dt><dd><a rel="author" href="/users/wren/pseuds/wren">wren</a></dd>
<dt class="stats">Stats:</dt><dd class="stats"><dl class="stats"><dt class="words">Words:</dt><dd class="words">12,000</dd></dl></dd></dl></div>
<h3 class="landmark heading">Listing Series</h3>
<ul class="series work index group">`+strings.Join(items, "\n")+`</ul>`)
	}
	return page("wren | Works", `<h2 class="heading">1 - 3 of 3 Works by wren</h2>
<h3 class="landmark heading">Listing Works</h3>
<ol class="work index group">`+strings.Join(items, "\n")+`</ol>`)
}

func page(title, main string) string {
	return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>` + title + ` | Archive of Our Own</title>
<link rel="stylesheet" href="https://archiveofourown.org/stylesheets/site.css"></head>
<body><div id="outer" class="wrapper"><div id="header" class="region"><h1 class="heading"><a href="/">Archive of Our Own</a></h1>
<ul class="primary navigation actions"><li><a href="/works/search">Search</a></li></ul></div>
<div id="inner" class="wrapper"><div id="main" class="readings-index dashboard region" role="main">
` + main + `
<ol class="pagination actions"><li><a href="?page=2">2</a></li></ol>
</div></div>
<div id="footer" class="region"><a href="/works/1000">A footer link that is not a blurb</a></div></div></body></html>`
}
