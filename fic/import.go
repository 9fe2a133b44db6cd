package fic

import (
	"bytes"
	"path"
	"strings"
	"unicode/utf8"
	"unsafe"

	"unicode"

	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"
)

// MaxFileSize is the largest upload Import accepts, in bytes (20 MiB).
const MaxFileSize = 20 << 20

// MaxUnpackedEPUB is the largest total unpacked size of an EPUB's entries
// that Import will read, in bytes (100 MiB).
const MaxUnpackedEPUB = 100 << 20

// Format names the kind of file Import recognised.
type Format string

// The formats Import recognises.
const (
	FormatText Format = "text"
	FormatHTML Format = "html"
	FormatEPUB Format = "epub"
)

// Import turns an uploaded file into a Story. The format is detected from
// the content (the file name is only a hint and the last resort for a
// title): an EPUB (zip with META-INF/container.xml), HTML (an AO3 download
// or any HTML page with prose), or plain text / Markdown.
//
// Every error is an *ImportError whose Message is a sentence a member can
// read, wrapping one of ErrNotStory, ErrTooLarge, ErrEPUBTooLarge,
// ErrBadEPUB, ErrNoProse, ErrEmpty or ErrTooDeep. Import never panics on
// any input, does not touch the network or the disk, and returns a Story
// on which Finish has been called.
//
// The returned Story may share memory with data (its texts are not
// copied out of a UTF-8 upload): the caller must not modify data after
// calling Import.
func Import(filename string, data []byte) (*Story, error) {
	st, _, err := ImportFormat(filename, data)
	return st, err
}

// ImportFormat is Import that also reports which format was detected.
func ImportFormat(filename string, data []byte) (*Story, Format, error) {
	if len(data) > MaxFileSize {
		return nil, "", importErr(ErrTooLarge, msgTooLarge, nil)
	}
	ext := strings.ToLower(path.Ext(strings.ReplaceAll(filename, "\\", "/")))
	if isZip(data) {
		st, err := importEPUB(filename, data)
		return st, FormatEPUB, err
	}
	if ext == ".epub" {
		if len(bytes.TrimSpace(data)) == 0 {
			return nil, "", importErr(ErrEmpty, msgEmpty, nil)
		}
		return nil, "", importErr(ErrBadEPUB, msgBadEPUB, nil)
	}
	if looksBinary(data) {
		return nil, "", importErr(ErrNotStory, msgBinary, nil)
	}
	text, ok := decodeText(data)
	if !ok {
		return nil, "", importErr(ErrNotStory, msgEncoding, nil)
	}
	if blank(text) {
		return nil, "", importErr(ErrEmpty, msgEmpty, nil)
	}
	if looksHTML(text) {
		st, err := importHTML(filename, text)
		return st, FormatHTML, err
	}
	st, err := importText(filename, text)
	return st, FormatText, err
}

func isZip(data []byte) bool {
	return bytes.HasPrefix(data, []byte("PK\x03\x04")) || bytes.HasPrefix(data, []byte("PK\x05\x06"))
}

// binaryMagic lists the openings of common non-text files members upload by
// mistake.
var binaryMagic = [][]byte{
	[]byte("%PDF"), []byte("\x89PNG"), []byte("GIF8"), []byte("\xff\xd8\xff"),
	[]byte("RIFF"), []byte("II*\x00"), []byte("MM\x00*"), []byte("\x1f\x8b"),
	[]byte("BZh"), []byte("7z\xbc\xaf"), []byte("Rar!"), []byte("\xd0\xcf\x11\xe0"),
	[]byte("OggS"), []byte("ID3"), []byte("fLaC"), []byte("\x7fELF"), []byte("MZ"),
	[]byte("{\\rtf"), []byte("\x00\x00\x00"), []byte("BM"),
}

func looksBinary(data []byte) bool {
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		return false // UTF-16 text with a byte order mark
	}
	for _, m := range binaryMagic {
		if bytes.HasPrefix(data, m) {
			// "BM" and "MZ" are also how some words start; only trust them
			// when control bytes follow.
			if (m[0] == 'B' && m[1] == 'M') || (m[0] == 'M' && m[1] == 'Z') {
				if len(data) > 2 && data[2] >= 0x20 {
					continue
				}
			}
			return true
		}
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return true
	}
	// Too many control characters (other than tab, newlines, form feed)
	// means binary even when it happens to be valid UTF-8.
	ctl := 0
	n := min(len(data), 64<<10)
	for _, b := range data[:n] {
		if b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f' {
			ctl++
		}
	}
	return ctl > 8 && ctl*100 > n
}

// decodeText returns data as a Go string without a byte order mark. UTF-16
// with a BOM is converted; so is text that is not UTF-8 but reads as
// Windows-1252 (see windows1252); anything else must be valid UTF-8.
func decodeText(data []byte) (string, bool) {
	switch {
	case bytes.HasPrefix(data, []byte{0xff, 0xfe}), bytes.HasPrefix(data, []byte{0xfe, 0xff}):
		dec := xunicode.UTF16(xunicode.BigEndian, xunicode.ExpectBOM).NewDecoder()
		out, err := dec.Bytes(data)
		if err != nil || bytes.IndexByte(out, 0) >= 0 {
			return "", false
		}
		return strings.TrimPrefix(string(out), "\ufeff"), utf8.Valid(out)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return windows1252(data)
	}
	if len(data) == 0 {
		return "", true
	}
	// The text is data itself, not a copy: a 20 MiB upload is held once,
	// not twice, while it is parsed (issue 19). Import's contract forbids
	// changing data afterwards.
	return unsafe.String(&data[0], len(data)), true
}

// windows1252 converts data from Windows-1252, the "ANSI" text that Word
// and Notepad on Windows long saved English and Western European stories
// as (curly quotes and dashes as the single bytes 0x91–0x97, accents as
// Latin-1), when it plausibly is that: none of the five bytes Windows-1252
// leaves undefined, and at most one byte in eight outside ASCII (English
// dialogue with curly quotes runs at 2–6 %). Text in a Cyrillic or Greek
// code page has most of its letters outside ASCII and is refused rather
// than turned into gibberish; a Central European code page (Windows-1250)
// can pass and come out with some letters wrong.
func windows1252(data []byte) (string, bool) {
	high := 0
	for _, b := range data {
		switch {
		case b == 0x81 || b == 0x8d || b == 0x8f || b == 0x90 || b == 0x9d:
			return "", false
		case b >= 0x80:
			high++
		}
	}
	if high*8 > len(data) {
		return "", false
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(data)
	if err != nil {
		return "", false
	}
	return string(out), true
}

// looksHTML reports whether text is an HTML (or XHTML) document rather
// than prose that happens to mention a tag.
func looksHTML(text string) bool {
	head := strings.TrimLeft(text, " \t\r\n\ufeff")
	if len(head) > 2048 {
		head = head[:2048]
	}
	low := strings.ToLower(head)
	if strings.HasPrefix(low, "<!doctype html") || strings.HasPrefix(low, "<html") {
		return true
	}
	if strings.HasPrefix(low, "<?xml") || strings.HasPrefix(low, "<!--") || strings.HasPrefix(low, "<!doctype") {
		return strings.Contains(low, "<html") || strings.Contains(low, "<body")
	}
	if strings.HasPrefix(low, "<") {
		for _, t := range []string{"<head", "<body", "<div", "<p>", "<p ", "<h1", "<meta", "<title"} {
			if strings.Contains(low, t) {
				return true
			}
		}
	}
	return false
}

// titleFromFilename makes a readable title from an upload's file name.
func titleFromFilename(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(name)
	if name == "." || name == "/" {
		return ""
	}
	if ext := path.Ext(name); ext != "" && len(ext) <= 6 {
		name = strings.TrimSuffix(name, ext)
	}
	name = strings.Map(func(r rune) rune {
		if r == '_' || r == '-' || r == '.' {
			return ' '
		}
		return r
	}, name)
	return cleanSpace(name)
}

// cleanSpace collapses runs of white space (including no-break spaces) to a
// single space and trims the ends.
func cleanSpace(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\u00a0", " ")), " ")
}

// blank reports whether s has nothing but white space, byte order marks,
// no-break and zero-width spaces.
func blank(s string) bool {
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '\ufeff' || r == '\u200b' || r == '\u00a0'
	}) == ""
}
