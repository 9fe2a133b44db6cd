package fic

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"

	"golang.org/x/net/html"
)

// maxEPUBEntries bounds how many files an EPUB may hold.
const maxEPUBEntries = 10000

// ImportEPUB parses an EPUB (AO3's Calibre-made download or any EPUB with
// prose) into a Story. See Import.
func ImportEPUB(filename string, data []byte) (*Story, error) {
	if len(data) > MaxFileSize {
		return nil, importErr(ErrTooLarge, msgTooLarge, nil)
	}
	return importEPUB(filename, data)
}

var errBudget = errors.New("unpacked size limit reached")

// errTextBudget: the spine's documents hold more than MaxFileSize.
var errTextBudget = errors.New("text size limit reached")

// epubReader reads entries of a zip while counting every byte read against
// a budget, whatever the entries declare, so a zip bomb stops early.
type epubReader struct {
	files  map[string]*zip.File
	lower  map[string]*zip.File
	budget int64
}

func (r *epubReader) find(name string) *zip.File {
	name = strings.TrimPrefix(name, "/")
	if f, ok := r.files[name]; ok {
		return f
	}
	return r.lower[strings.ToLower(name)]
}

func (r *epubReader) read(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(rc, r.budget+1))
	r.budget -= n
	if r.budget < 0 {
		return nil, errBudget
	}
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type opfPackage struct {
	Metadata struct {
		Titles      []string `xml:"title"`
		Creators    []string `xml:"creator"`
		Subjects    []string `xml:"subject"`
		Description string   `xml:"description"`
		Language    string   `xml:"language"`
	} `xml:"metadata"`
	Manifest []struct {
		ID        string `xml:"id,attr"`
		Href      string `xml:"href,attr"`
		MediaType string `xml:"media-type,attr"`
	} `xml:"manifest>item"`
	Spine []struct {
		IDRef string `xml:"idref,attr"`
	} `xml:"spine>itemref"`
}

type containerXML struct {
	Rootfiles []struct {
		FullPath  string `xml:"full-path,attr"`
		MediaType string `xml:"media-type,attr"`
	} `xml:"rootfiles>rootfile"`
}

func decodeXML(data []byte, v any) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	d.Entity = xml.HTMLEntity
	d.CharsetReader = func(charset string, input io.Reader) (io.Reader, error) {
		return input, nil // treat everything as UTF-8; EPUBs are UTF-8 in practice
	}
	return d.Decode(v)
}

func importEPUB(filename string, data []byte) (*Story, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, importErr(ErrBadEPUB, msgBadEPUB, err)
	}
	if len(zr.File) > maxEPUBEntries {
		return nil, importErr(ErrBadEPUB, msgBadEPUB, fmt.Errorf("%d entries", len(zr.File)))
	}
	r := &epubReader{files: map[string]*zip.File{}, lower: map[string]*zip.File{}, budget: MaxUnpackedEPUB}
	var declared uint64
	for _, f := range zr.File {
		declared += f.UncompressedSize64
		if declared > MaxUnpackedEPUB || f.UncompressedSize64 > MaxUnpackedEPUB {
			return nil, importErr(ErrEPUBTooLarge, msgEPUBLarge, nil)
		}
		r.files[f.Name] = f
		r.lower[strings.ToLower(f.Name)] = f
	}
	fail := func(err error) (*Story, error) {
		if errors.Is(err, errBudget) {
			return nil, importErr(ErrEPUBTooLarge, msgEPUBLarge, err)
		}
		if errors.Is(err, errTextBudget) {
			return nil, importErr(ErrEPUBTooLarge, msgEPUBText, err)
		}
		if errors.Is(err, ErrTooDeep) {
			return nil, importErr(ErrTooDeep, "That EPUB's pages are nested too deeply for me to read (more than 512 tags inside one another): upload the story's EPUB as AO3 made it, or its HTML download.", err)
		}
		return nil, importErr(ErrBadEPUB, msgBadEPUB, err)
	}

	opfPath := ""
	if f := r.find("META-INF/container.xml"); f != nil {
		b, err := r.read(f)
		if err != nil {
			return fail(err)
		}
		var c containerXML
		if err := decodeXML(b, &c); err == nil {
			for _, rf := range c.Rootfiles {
				if rf.FullPath != "" && (rf.MediaType == "" || strings.Contains(rf.MediaType, "oebps")) {
					opfPath = rf.FullPath
					break
				}
			}
		}
	}
	if opfPath == "" || r.find(opfPath) == nil {
		opfPath = ""
		for _, f := range zr.File {
			if strings.HasSuffix(strings.ToLower(f.Name), ".opf") {
				opfPath = f.Name
				break
			}
		}
	}
	if opfPath == "" {
		return fail(errors.New("no META-INF/container.xml rootfile and no .opf file"))
	}
	b, err := r.read(r.find(opfPath))
	if err != nil {
		return fail(err)
	}
	var opf opfPackage
	if err := decodeXML(b, &opf); err != nil {
		return fail(fmt.Errorf("package document: %w", err))
	}

	base := path.Dir(opfPath)
	items := map[string]string{}
	for _, it := range opf.Manifest {
		mt := strings.ToLower(it.MediaType)
		if mt != "" && !strings.Contains(mt, "html") {
			continue
		}
		href := it.Href
		if i := strings.IndexByte(href, '#'); i >= 0 {
			href = href[:i]
		}
		if u, err := url.PathUnescape(href); err == nil {
			href = u
		}
		items[it.ID] = path.Join(base, href)
	}
	var docs []*html.Node
	seen := map[string]bool{}
	// The spine's documents are parsed and kept, at about 30 bytes of heap
	// per byte of markup: they get the same 20 MiB as an HTML upload,
	// whatever the rest of the 100 MiB (images, fonts) holds.
	textLeft := MaxFileSize
	addDoc := func(name string) error {
		if seen[name] {
			return nil
		}
		seen[name] = true
		f := r.find(name)
		if f == nil {
			return nil // a missing spine file is skipped, not fatal
		}
		b, err := r.read(f)
		if err != nil {
			return err
		}
		if textLeft -= len(b); textLeft < 0 {
			return errTextBudget
		}
		doc, err := parseHTML(b)
		if err != nil {
			return err
		}
		docs = append(docs, doc)
		return nil
	}
	for _, ref := range opf.Spine {
		if name, ok := items[ref.IDRef]; ok {
			if err := addDoc(name); err != nil {
				return fail(err)
			}
		}
	}
	if len(docs) == 0 { // no usable spine: every HTML file in manifest order
		for _, it := range opf.Manifest {
			if name, ok := items[it.ID]; ok {
				if err := addDoc(name); err != nil {
					return fail(err)
				}
			}
		}
	}
	if len(docs) == 0 {
		return fail(errors.New("no readable documents in the spine"))
	}

	st := &Story{}
	if parseAO3(docs, st) {
		applyOPF(st, &opf)
		if err := finishAO3(st, filename); err != nil {
			return nil, err
		}
		return st, nil
	}
	applyOPF(st, &opf)
	st2, err := genericHTML(st, docs, filename)
	if err != nil {
		var ie *ImportError
		if errors.As(err, &ie) && ie.Kind == ErrNoProse {
			return nil, importErr(ErrNoProse, "I couldn't find any story text in that EPUB.", nil)
		}
	}
	return st2, err
}

var categoryNames = map[string]bool{"F/F": true, "F/M": true, "Gen": true, "M/M": true, "Multi": true, "Other": true}

// applyOPF fills what the AO3 preface did not give from the package
// metadata: dc:title, dc:creator, dc:description, dc:language, and
// dc:subject (ratings, warnings and categories are recognised by name; the
// rest become tags only when the preface had no tags at all).
func applyOPF(st *Story, opf *opfPackage) {
	md := &opf.Metadata
	if st.Title == "" && len(md.Titles) > 0 {
		st.Title = cleanSpace(md.Titles[0])
	}
	if len(st.Authors) == 0 {
		st.Authors = appendUnique(nil, md.Creators...)
	}
	if st.Summary == "" && strings.TrimSpace(md.Description) != "" {
		if doc, err := html.Parse(strings.NewReader(md.Description)); err == nil {
			st.Summary = nodeText(doc)
		}
	}
	if st.Language == "" {
		st.Language = cleanSpace(md.Language)
	}
	hadTags := st.Rating != "" || len(st.Fandoms) > 0 || len(st.Tags) > 0 || len(st.Warnings) > 0
	if hadTags {
		return
	}
	for _, s := range md.Subjects {
		s = cleanSpace(s)
		if s == "" || strings.EqualFold(s, "Fanworks") {
			continue
		}
		isRating := false
		for _, r := range Ratings {
			if strings.EqualFold(s, string(r)) {
				st.Rating, isRating = r, true
			}
		}
		if isRating {
			continue
		}
		if w := NormalizeWarning(s); isKnownWarning(w) {
			st.Warnings = appendUnique(st.Warnings, w)
			continue
		}
		if categoryNames[s] {
			st.Categories = appendUnique(st.Categories, s)
			continue
		}
		st.Tags = appendUnique(st.Tags, s)
	}
}

func isKnownWarning(w string) bool {
	switch w {
	case WarningNoneApply, WarningChoseNotToUse, WarningViolence, WarningMajorDeath, WarningNonCon, WarningUnderage:
		return true
	}
	return false
}
