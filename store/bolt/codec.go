package bolt

import (
	"encoding/binary"
	"errors"
	"fmt"

	"ficshelf/shelf"
)

// The binary records below start with a format byte (1 today) so a later
// schema can change them; strings and byte slices are uvarint-length
// prefixed, integers uvarint/varint. Decoders copy out of the transaction's
// memory: nothing they return aliases a bbolt page.

const codecV1 = 1

var errCorrupt = errors.New("corrupt record")

type encoder struct{ b []byte }

func (e *encoder) uint(v uint64)  { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) int(v int64)    { e.b = binary.AppendVarint(e.b, v) }
func (e *encoder) str(s string)   { e.uint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *encoder) bytes(p []byte) { e.uint(uint64(len(p))); e.b = append(e.b, p...) }
func (e *encoder) strs(s []string) {
	e.uint(uint64(len(s)))
	for _, x := range s {
		e.str(x)
	}
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errCorrupt
	}
	d.b = nil
}

func (d *decoder) uint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) int() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) raw() []byte {
	n := d.uint()
	if d.err != nil || n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}

func (d *decoder) str() string { return string(d.raw()) }

func (d *decoder) bytes() []byte {
	p := d.raw()
	if len(p) == 0 {
		return nil
	}
	return append([]byte(nil), p...)
}

func (d *decoder) strs() []string {
	n := d.uint()
	if d.err != nil || n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	if n == 0 {
		return nil
	}
	out := make([]string, 0, n)
	for i := uint64(0); i < n && d.err == nil; i++ {
		out = append(out, d.str())
	}
	return out
}

func (d *decoder) version(what string) error {
	if len(d.b) == 0 || d.b[0] != codecV1 {
		return fmt.Errorf("%s: unknown format: %w", what, errCorrupt)
	}
	d.b = d.b[1:]
	return nil
}

func (d *decoder) done(what string) error {
	if d.err != nil {
		return fmt.Errorf("%s: %w", what, d.err)
	}
	return nil
}

// head is the small per-story record read in bulk.
type head struct {
	title            string
	authors          []string
	chaptersPosted   int
	chaptersExpected int
	words            int
	rating           string
	addedBy          uint64
	added            int64
}

func (h head) encode() []byte {
	e := encoder{b: []byte{codecV1}}
	e.str(h.title)
	e.strs(h.authors)
	e.uint(uint64(h.chaptersPosted))
	e.uint(uint64(h.chaptersExpected))
	e.uint(uint64(h.words))
	e.str(h.rating)
	e.uint(h.addedBy)
	e.int(h.added)
	return e.b
}

func decodeHead(b []byte) (head, error) {
	d := decoder{b: b}
	if err := d.version("story head"); err != nil {
		return head{}, err
	}
	var h head
	h.title = d.str()
	h.authors = d.strs()
	h.chaptersPosted = int(d.uint())
	h.chaptersExpected = int(d.uint())
	h.words = int(d.uint())
	h.rating = d.str()
	h.addedBy = d.uint()
	h.added = d.int()
	return h, d.done("story head")
}

// counts are a story's counters; always equal to the records they count.
type counts struct {
	kudos   uint32
	readers uint32
	owner   uint64 // the adder when they wrote it (mine), else 0
}

func (c counts) encode() []byte {
	b := make([]byte, 16)
	binary.BigEndian.PutUint32(b[0:], c.kudos)
	binary.BigEndian.PutUint32(b[4:], c.readers)
	binary.BigEndian.PutUint64(b[8:], c.owner)
	return b
}

func decodeCounts(b []byte) counts {
	if len(b) != 16 {
		return counts{}
	}
	return counts{
		kudos:   binary.BigEndian.Uint32(b[0:]),
		readers: binary.BigEndian.Uint32(b[4:]),
		owner:   binary.BigEndian.Uint64(b[8:]),
	}
}

// chapterRec is one stored chapter.
type chapterRec struct {
	title, notes, endNotes, text string
	sentences                    []byte
}

func (c chapterRec) encode() []byte {
	e := encoder{b: make([]byte, 0, len(c.text)+len(c.sentences)+len(c.notes)+len(c.endNotes)+len(c.title)+32)}
	e.b = append(e.b, codecV1)
	e.str(c.title)
	e.str(c.notes)
	e.str(c.endNotes)
	e.str(c.text)
	e.bytes(c.sentences)
	return e.b
}

func decodeChapter(b []byte) (chapterRec, error) {
	d := decoder{b: b}
	if err := d.version("chapter"); err != nil {
		return chapterRec{}, err
	}
	var c chapterRec
	c.title = d.str()
	c.notes = d.str()
	c.endNotes = d.str()
	c.text = d.str()
	c.sentences = d.bytes()
	return c, d.done("chapter")
}

// listRec is one reading-list entry as stored.
type listRec struct {
	status  string
	chapter int
	note    string
	added   int64
	updated int64
}

func (l listRec) encode() []byte {
	e := encoder{b: []byte{codecV1}}
	e.str(l.status)
	e.uint(uint64(l.chapter))
	e.str(l.note)
	e.int(l.added)
	e.int(l.updated)
	return e.b
}

func decodeList(b []byte) (listRec, error) {
	d := decoder{b: b}
	if err := d.version("list entry"); err != nil {
		return listRec{}, err
	}
	var l listRec
	l.status = internStatus(d.raw())
	l.chapter = int(d.uint())
	l.note = d.str()
	l.added = d.int()
	l.updated = d.int()
	return l, d.done("list entry")
}

func i64(v int64) []byte { return u64(uint64(v)) }

func readI64(b []byte) int64 {
	if len(b) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(b))
}

// internStatus returns the constant for a known status without allocating.
func internStatus(b []byte) string {
	for _, st := range shelf.Statuses {
		if string(b) == string(st) {
			return string(st)
		}
	}
	return string(b)
}

// facets are what ListStories filters and sorts on, folded once at write.
type facets struct {
	rating  string
	words   int
	added   int64
	title   string   // folded
	fandoms []string // folded
	tags    []string // folded: additional tags, relationships, characters, categories
	// series: the story's AO3 series (shelf.SeriesFacets), appended to
	// the record; facets written before series links have none
	// (hasSeries false: ListStories reads the story's document instead).
	seriesTitles []string
	seriesIDs    []int64
	hasSeries    bool
}

func (f facets) encode() []byte {
	e := encoder{b: []byte{codecV1}}
	e.str(f.rating)
	e.uint(uint64(f.words))
	e.int(f.added)
	e.str(f.title)
	e.strs(f.fandoms)
	e.strs(f.tags)
	e.strs(f.seriesTitles)
	e.uint(uint64(len(f.seriesIDs)))
	for _, id := range f.seriesIDs {
		e.int(id)
	}
	return e.b
}

func decodeFacets(b []byte) (facets, error) {
	d := decoder{b: b}
	if err := d.version("story facets"); err != nil {
		return facets{}, err
	}
	var f facets
	f.rating = d.str()
	f.words = int(d.uint())
	f.added = d.int()
	f.title = d.str()
	f.fandoms = d.strs()
	f.tags = d.strs()
	if d.err == nil && len(d.b) > 0 {
		f.hasSeries = true
		f.seriesTitles = d.strs()
		n := d.uint()
		if n > uint64(len(d.b)) {
			d.fail()
		}
		for i := uint64(0); i < n && d.err == nil; i++ {
			f.seriesIDs = append(f.seriesIDs, d.int())
		}
	}
	return f, d.done("story facets")
}
