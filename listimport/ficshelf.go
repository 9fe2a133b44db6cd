package listimport

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"ficshelf/fic"
)

// The format tags of Ficshelf's exports (commands.ListExport and
// commands.MyDataExport).
const (
	tagReadingList = "ficshelf-reading-list/1"
	tagMemberData  = "ficshelf-member-data/1"
)

// ficshelfEntry is one reading-list entry of an export. Story IDs belong
// to the exporting server and mean nothing here, so they are not read; the
// title, authors and AO3 work (when an export carries one) are what the
// importing server matches on.
type ficshelfEntry struct {
	Status  string   `json:"status"`
	Chapter flexInt  `json:"chapter"`
	Note    string   `json:"note"`
	Title   string   `json:"title"`
	Authors []string `json:"authors"`
	Fandoms []string `json:"fandoms"`
	AO3ID   flexInt  `json:"ao3_id"`
	AO3URL  string   `json:"ao3_url"`
}

// flexInt reads a JSON number or a string of digits; anything else is -1,
// so one odd field does not make the whole file unreadable.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		*f = -1
		return nil
	}
	*f = flexInt(n)
	return nil
}

// ParseFicshelf reads a /readinglist export (ficshelf-reading-list/1) or
// the reading list of a /mydata export (ficshelf-member-data/1), keeping
// each entry's status, chapter and note. Entries without an AO3 work are
// matched by title and authors, so they need a title.
func ParseFicshelf(data []byte) (Result, error) {
	var probe struct {
		Format string `json:"format"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return Result{}, notAccepted("That JSON file isn't a Ficshelf export I can read.")
	}
	var entries []ficshelfEntry
	var format Format
	switch probe.Format {
	case tagReadingList:
		var doc struct {
			Entries []ficshelfEntry `json:"entries"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			return Result{}, notAccepted("That Ficshelf export is damaged (its JSON doesn't read as a reading list).")
		}
		entries, format = doc.Entries, FormatFicshelfList
	case tagMemberData:
		var doc struct {
			ReadingList []ficshelfEntry `json:"reading_list"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			return Result{}, notAccepted("That Ficshelf export is damaged (its JSON doesn't read as member data).")
		}
		entries, format = doc.ReadingList, FormatFicshelfMember
	default:
		if strings.HasPrefix(probe.Format, "ficshelf-reading-list/") || strings.HasPrefix(probe.Format, "ficshelf-member-data/") {
			return Result{}, &fic.ImportError{Kind: ErrNewFormat,
				Message: "That export was made by a newer version of Ficshelf (" + cutUTF8(probe.Format, 60) + ") than this server runs, so I can't read it yet."}
		}
		return Result{}, notAccepted("That JSON file isn't a Ficshelf export.")
	}
	c := newCollector(format)
	for _, e := range entries {
		w := Work{
			Title:   cleanText(e.Title),
			Authors: cleanList(e.Authors),
			Fandoms: cleanList(e.Fandoms),
			Note:    strings.TrimSpace(e.Note),
		}
		if e.AO3ID > 0 {
			w.AO3ID = int64(e.AO3ID)
		} else if id, ok := fic.ParseAO3Link(e.AO3URL); ok {
			w.AO3ID = id
		}
		if w.AO3ID == 0 && w.Title == "" {
			c.skip(ReasonNoTitle, "")
			continue
		}
		st, ok := readStatus(e.Status)
		if !ok {
			c.adjust(ReasonUnknownStatus, label(w))
		}
		w.Status = st
		switch {
		case e.Chapter >= 0 && e.Chapter <= 100000:
			w.Chapter = int(e.Chapter)
		default:
			c.adjust(ReasonBadChapter, label(w))
		}
		c.add(w)
	}
	return c.res, nil
}

// cleanText collapses runs of space and trims s.
func cleanText(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// cleanList cleans each value and drops empty ones and repeats.
func cleanList(vs []string) []string {
	var out []string
	for _, v := range vs {
		v = cleanText(v)
		if v == "" || containsFold(out, v) {
			continue
		}
		out = append(out, v)
	}
	return out
}

func containsFold(list []string, v string) bool {
	for _, s := range list {
		if strings.EqualFold(s, v) {
			return true
		}
	}
	return false
}
