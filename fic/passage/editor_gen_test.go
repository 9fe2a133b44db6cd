package passage

import (
	"math/rand/v2"
	"strings"
	"unicode/utf8"
)

// Generated fiction with its ground truth, for the editor's rules: where
// every sentence really starts and ends and which lines are scene breaks.
// Two styles: a 19th-century novel (hard-wrapped lines, double spaces,
// exclamations inside sentences, very long sentences, “…,” said she) and an
// AO3 work (blank lines between paragraphs, heavy dialogue, tags with names,
// dashes, ellipses, emphasis, varied scene breaks). Nothing is copied from a
// real text; the words are the generator's own.

// truthText is a generated chapter and its truth.
type truthText struct {
	text   string
	starts map[int]bool // byte offsets where a sentence starts
	ends   map[int]bool // byte offsets where a sentence ends
	breaks map[string]bool
}

type truthGen struct {
	r      *rand.Rand
	b      strings.Builder
	starts map[int]bool
	ends   map[int]bool
	breaks map[string]bool
}

func newTruthGen(seed uint64) *truthGen {
	return &truthGen{r: rand.New(rand.NewPCG(seed, seed*0x9e3779b97f4a7c15+1))}
}

func (g *truthGen) reset() {
	g.b.Reset()
	g.starts, g.ends, g.breaks = map[int]bool{}, map[int]bool{}, map[string]bool{}
}

func (g *truthGen) result() truthText {
	return truthText{text: g.b.String(), starts: g.starts, ends: g.ends, breaks: g.breaks}
}

func (g *truthGen) pick(s []string) string { return s[g.r.IntN(len(s))] }
func (g *truthGen) chance(n int) bool      { return g.r.IntN(n) == 0 }
func (g *truthGen) w(s string)             { g.b.WriteString(s) }

var novelWords = strings.Fields(`the a and of to in was her his it that she he with
for as had on at but not by be which have from this all they were would could
been one so very no an my there what more when if him them who such much
think must any own time might well some only little never should nothing
family sister brother mother daughter letter visit house park ball evening
morning room drawing-room carriage walk garden neighbourhood company manner
opinion feelings character regard affection pride prejudice marriage fortune
acquaintance conversation civility attention surprise astonishment pleasure
happiness uneasiness agitation impertinence amiable agreeable handsome
tolerable disagreeable indifferent particular excessively tolerably exceedingly
certainly perfectly immediately scarcely entirely really always already
however therefore indeed perhaps rather quite soon long since again before
after while though whether every other another each either neither both few
many most several`)

var ficWords = strings.Fields(`the a and of to in was he she it that his her with
for as had on at but not they be from this were one when there what out
up into who them then could no if about like over only back now after down
just way night eyes face hand door room looked away still thought something
even though through around made right light came moment voice head again felt
nothing toward castle tower library kitchen window corridor staircase kettle
tea coffee phone couch quiet softly slowly almost never always nearly perhaps
suddenly quickly carefully café naïve don’t can’t wouldn’t it’s I’m she’d
they’ll well-known half-past self-aware okay fine anyway honestly`)

var novelNames = strings.Fields(`Elizabeth Jane Lydia Kitty Mary Charlotte Wickham
Bingley Collins Lucas Gardiner Fitzwilliam Georgiana Catherine Hurst Forster
Phillips Reynolds Netherfield Longbourn Pemberley Meryton Rosings Hunsford`)

var ficNames = strings.Fields(`Harry Hermione Draco Luna Ginny Remus Sirius Tonks
Steve Bucky Natasha Geralt Ciri Yennefer Aziraphale Crowley Zoë Éowyn Katniss`)

var novelTitles = strings.Fields(`Mr. Mrs. Miss Dr. Col. Lady Sir Capt.`)
var ficTitles = strings.Fields(`Mr. Mrs. Ms. Dr. Prof. Sgt. Capt.`)

// sceneBreaks are lines that only mark a scene break.
var sceneBreaks = []string{"* * *", "***", "* * * * *", "~~~", "—", "o0o", "#",
	"oOo", "xXx", "-x-", "~*~", "* * * * * * *", "———", "---", "___", "=====",
	"◇◆◇", "§", "o-o-o", "~o~", "+++", "# # #", "*", "❦", "• • •", "~ ~ ~"}

// interjections open a sentence and are followed, after "!" or "?", by a
// lowercase word of the same sentence.
var interjections = []string{"Hush", "Alas", "Oh", "Ah", "Good heavens", "What",
	"Heavens", "Dear me", "Lord", "Well", "Nonsense", "Indeed", "How strange"}

var novelTags = []string{"said she", "said he", "cried she", "replied Elizabeth",
	"said Mr. Bennet", "cried Mrs. Bennet", "said her sister", "replied he",
	"returned Jane", "said Miss Bingley", "said Lady Catherine"}

var ficTags = []string{"she said", "he said", "Harry said", "Draco whispered",
	"Ginny asked", "Crowley muttered", "she breathed", "he snapped",
	"Luna said quietly", "Steve called", "said Bucky"}

// words writes n words of list, the first capitalised when capital, with
// names, titles and commas here and there.
func (g *truthGen) words(n int, list, names, titles []string, capital bool) {
	for i := 0; i < n; i++ {
		if i > 0 {
			g.w(" ")
		}
		word := g.pick(list)
		x := g.r.IntN(30)
		if i == 0 && !capital {
			x = 29 // a lowercase word goes on a sentence
		}
		switch {
		case x == 0:
			word = g.pick(titles) + " " + g.pick(names)
		case x < 4:
			word = g.pick(names)
		case x < 6 && i < n-1:
			word += ","
		case x == 6 && i < n-1:
			word = "_" + word + "_"
		}
		if i == 0 && capital {
			if strings.HasPrefix(word, "_") {
				word = "_" + capitalize(word[1:])
			} else {
				word = capitalize(word)
			}
		}
		g.w(word)
	}
}

// startSentence records a sentence start at the current offset.
func (g *truthGen) startSentence() { g.starts[g.b.Len()] = true }
func (g *truthGen) endSentence()   { g.ends[g.b.Len()] = true }

// novelSentence writes one sentence of the novel.
func (g *truthGen) novelSentence() {
	g.startSentence()
	defer g.endSentence()
	L, N, T := novelWords, novelNames, novelTitles
	switch x := g.r.IntN(20); {
	case x < 3: // an exclamation or question inside the sentence
		g.w(g.pick(interjections) + g.pick([]string{"! ", "? ", "!  "}))
		g.words(3+g.r.IntN(12), L, N, T, false)
		g.w(g.pick([]string{".", "!", "?"}))
	case x < 4: // a long sentence, clauses joined by semicolons
		n := 3 + g.r.IntN(12)
		for i := 0; i < n; i++ {
			if i > 0 {
				g.w(g.pick([]string{"; ", ", ", "; and ", ", but ", "—"}))
			}
			g.words(4+g.r.IntN(14), L, N, T, i == 0)
		}
		g.w(".")
	case x < 9: // dialogue with a tag
		g.w("“")
		g.words(2+g.r.IntN(10), L, N, T, true)
		switch g.r.IntN(3) {
		case 0:
			g.w(",” " + g.pick(novelTags) + "; “")
			g.words(2+g.r.IntN(10), L, N, T, false)
			g.w(g.pick([]string{".”", "!”", "?”"}))
		case 1:
			g.w(g.pick([]string{"!”", "?”"}) + " " + g.pick(novelTags) + ".")
		default:
			g.w(g.pick([]string{".”", "!”", "?”"}))
		}
	case x < 10: // a quoted exclamation inside the dialogue
		g.w("“" + g.pick(interjections) + "! ")
		g.words(2+g.r.IntN(8), L, N, T, false)
		g.w("!”")
	default:
		g.words(5+g.r.IntN(25), L, N, T, true)
		g.w(g.pick([]string{".", ".", ".", "!", "?"}))
	}
}

// ficSentence writes one sentence of the AO3 work.
func (g *truthGen) ficSentence() {
	g.startSentence()
	defer g.endSentence()
	L, N, T := ficWords, ficNames, ficTitles
	switch x := g.r.IntN(48); {
	case x < 4:
		g.w(g.pick(interjections) + g.pick([]string{"! ", "? ", "?! "}))
		g.words(3+g.r.IntN(10), L, N, T, false)
		g.w(".")
	case x < 5: // a run-on sentence
		n := 5 + g.r.IntN(20)
		for i := 0; i < n; i++ {
			if i > 0 {
				g.w(g.pick([]string{", and ", ", ", " and then ", " — "}))
			}
			g.words(3+g.r.IntN(10), L, N, T, i == 0)
		}
		g.w(".")
	case x < 20:
		g.w("“")
		g.words(1+g.r.IntN(10), L, N, T, true)
		switch g.r.IntN(5) {
		case 0:
			g.w("!” " + g.pick(ficTags) + ".")
		case 1:
			g.w(",” " + g.pick(ficTags) + ".")
		case 2:
			g.w("?” " + g.pick(ficTags) + ", and looked away.")
		case 3:
			g.w("—”")
		default:
			g.w(g.pick([]string{".”", "!”", "?”", "…”"}))
		}
	case x < 22:
		g.w("*" + capitalize(g.pick(L)) + " " + g.pick(L) + ".*")
	case x < 24:
		g.w(capitalize(g.pick(L)) + ".")
	default:
		g.words(4+g.r.IntN(20), L, N, T, true)
		g.w(g.pick([]string{".", ".", "!", "?", "…"}))
	}
}

// sceneBreak writes a scene-break line and records its marker.
func (g *truthGen) sceneBreak() {
	m := g.pick(sceneBreaks)
	g.breaks[m] = true
	g.w(m)
}

// novelChapter writes a chapter of about words words. With wrap, lines are
// hard-wrapped at about 70 columns (a space becomes a newline, so offsets
// do not move) and a scene break may sit between wrapped lines.
func (g *truthGen) novelChapter(words int, wrap bool) truthText {
	g.reset()
	for g.b.Len() < words*6 {
		if g.b.Len() > 0 {
			g.w("\n\n")
		}
		if g.chance(40) {
			g.sceneBreak()
			continue
		}
		pstart := g.b.Len()
		n := 1 + g.r.IntN(7)
		for i := 0; i < n; i++ {
			if i > 0 {
				g.w(g.pick([]string{" ", "  "}))
			}
			g.novelSentence()
			if wrap && i < n-1 && g.chance(80) {
				g.w("\n")
				g.sceneBreak()
				g.w("\n")
				g.novelSentence()
			}
		}
		if wrap {
			g.hardWrap(pstart, 70)
		}
	}
	return g.result()
}

// hardWrap turns spaces of the paragraph from pstart into newlines so that
// no line passes width runes (where it can).
func (g *truthGen) hardWrap(pstart, width int) {
	s := []byte(g.b.String())
	col, lastSpace := 0, -1
	for i := pstart; i < len(s); {
		r, n := utf8.DecodeRune(s[i:])
		switch {
		case r == '\n':
			col, lastSpace = 0, -1
		case r == ' ' && (i+1 >= len(s) || s[i+1] != ' ') && (i == 0 || s[i-1] != ' '):
			lastSpace = i
			col++
		default:
			col++
		}
		if col > width && lastSpace >= 0 {
			s[lastSpace] = '\n'
			col = utf8.RuneCount(s[lastSpace+1 : i+n])
			lastSpace = -1
		}
		i += n
	}
	g.b.Reset()
	g.b.Write(s)
}

// ficChapter writes an AO3 chapter of about words words: paragraphs between
// blank lines, the odd scene break.
func (g *truthGen) ficChapter(words int) truthText {
	g.reset()
	for g.b.Len() < words*6 {
		if g.b.Len() > 0 {
			g.w("\n\n")
		}
		if g.chance(40) {
			g.sceneBreak()
			continue
		}
		n := 1 + g.r.IntN(5)
		for i := 0; i < n; i++ {
			if i > 0 {
				g.w(" ")
			}
			g.ficSentence()
		}
	}
	return g.result()
}

// editorSample is what the measure ran over.
type editorSample struct {
	kind string
	tt   truthText
}

// editorCorpus generates, for one seed, a long hard-wrapped novel chapter,
// the same style unwrapped, and two AO3 chapters.
func editorCorpus(seed uint64) []editorSample {
	g := newTruthGen(seed)
	return []editorSample{
		{"novel-wrapped", g.novelChapter(6000, true)},
		{"novel", g.novelChapter(4000, false)},
		{"ao3", g.ficChapter(4000)},
		{"ao3-short", g.ficChapter(400)},
	}
}
