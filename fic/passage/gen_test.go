package passage

import (
	"math/rand/v2"
	"strings"
)

// Generated fiction for property tests and benchmarks. Deterministic for a
// seed; no fixture is copied from anywhere.

var genWords = strings.Fields(`the a and of to in was he she it that his her with for
as had on at but not they be by from this have all were said one when there what
an out would up been into who them more then could no if about like time over only
back now after little down before just way know man night eyes face hand door room
looked away still thought something even though through long around made right
light came moment voice head again felt himself herself nothing another toward
castle tower library kitchen garden window corridor staircase letter kettle tea
quiet softly slowly almost never always nearly perhaps suddenly quickly carefully
café naïve façade résumé déjà vu fiancée jalapeño smörgåsbord crème brûlée
don’t can’t wouldn’t it’s I’m she’d they’ll o’clock rock’n’roll well-known
twenty-three half-past self-aware`)

var genNames = strings.Fields(`Harry Hermione Ron Draco Luna Neville Ginny Severus
Minerva Albus Remus Sirius Tonks Bellatrix Cedric Fleur Viktor Zoë Aragorn Frodo
Éowyn Katniss Peeta Steve Bucky Natasha Geralt Ciri Yennefer`)

var genTitles = strings.Fields(`Mr. Mrs. Ms. Dr. St. Lt. Capt. Col. Gen. Sgt. Prof. Rev.`)

type textGen struct {
	r *rand.Rand
	b strings.Builder
}

func newGen(seed uint64) *textGen {
	return &textGen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (g *textGen) pick(s []string) string { return s[g.r.IntN(len(s))] }

func capitalize(w string) string {
	for i, r := range w {
		return strings.ToUpper(string(r)) + w[i+len(string(r)):]
	}
	return w
}

// clause writes n words, sometimes with a name, title, initials or an
// abbreviation inside.
func (g *textGen) clause(n int, capital bool) {
	for i := 0; i < n; i++ {
		if i > 0 {
			g.b.WriteByte(' ')
		}
		w := g.pick(genWords)
		switch x := g.r.IntN(40); {
		case x == 0:
			w = g.pick(genTitles) + " " + g.pick(genNames)
		case x == 1:
			w = "J. K. " + g.pick(genNames)
		case x == 2:
			w = "C.S. " + g.pick(genNames)
		case x == 3:
			w = "e.g. " + w
		case x == 4:
			w = w + " — " + g.pick(genWords)
		case x == 5:
			w = w + "... " + g.pick(genWords)
		case x == 6:
			w = w + "… " + g.pick(genWords)
		case x < 10:
			w = g.pick(genNames)
		case x == 10:
			w = w + ","
		case x == 11:
			w = "No. 4 " + g.pick(genNames)
		}
		if i == 0 && capital {
			w = capitalize(w)
		}
		g.b.WriteString(w)
	}
}

// sentence writes a narrative sentence or a line of dialogue.
func (g *textGen) sentence(dialogue int) {
	stops := []string{".", ".", ".", "!", "?", "...", "…"}
	if g.r.IntN(10) < dialogue {
		open, close := "“", "”"
		if g.r.IntN(3) == 0 {
			open, close = `"`, `"`
		}
		g.b.WriteString(open)
		g.clause(1+g.r.IntN(12), true)
		switch g.r.IntN(5) {
		case 0:
			g.b.WriteString("—" + close)
			return
		case 1:
			g.b.WriteString(g.pick([]string{"!", "?", ","}) + close + " " + g.pick([]string{"she said", "he asked", "Harry whispered", "said Draco"}) + ".")
			return
		}
		g.b.WriteString(g.pick(stops) + close)
		return
	}
	g.clause(3+g.r.IntN(25), true)
	if g.r.IntN(30) == 0 {
		g.b.WriteString(" etc")
	}
	g.b.WriteString(g.pick(stops))
}

// story returns chapters of a generated story: nChapters chapters of
// roughly words words each.
func (g *textGen) chapter(words, dialogue int) string {
	g.b.Reset()
	for g.b.Len() < words*6 {
		if g.b.Len() > 0 {
			g.b.WriteString("\n\n")
		}
		if g.r.IntN(25) == 0 {
			g.b.WriteString("* * *")
			continue
		}
		n := 1 + g.r.IntN(8)
		for i := 0; i < n; i++ {
			if i > 0 {
				if g.r.IntN(15) == 0 {
					g.b.WriteString("\n")
				} else {
					g.b.WriteString(" ")
				}
			}
			g.sentence(dialogue)
		}
	}
	return g.b.String()
}

// noPunct returns paragraphs of words without any punctuation.
func (g *textGen) noPunct(words int) string {
	g.b.Reset()
	for i := 0; i < words; i++ {
		if i > 0 {
			if g.r.IntN(300) == 0 {
				g.b.WriteString("\n\n")
			} else {
				g.b.WriteByte(' ')
			}
		}
		w := g.pick(genWords)
		w = strings.Trim(strings.NewReplacer("’", "", "-", " ", ",", "").Replace(w), " ")
		g.b.WriteString(w)
	}
	return g.b.String()
}

// oneParagraph returns a single paragraph of about words words, punctuated.
func (g *textGen) oneParagraph(words int) string {
	g.b.Reset()
	for strings.Count(g.b.String(), " ") < words {
		if g.b.Len() > 0 {
			g.b.WriteByte(' ')
		}
		g.sentence(3)
	}
	return g.b.String()
}
