package commands

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"ficshelf/fic"
	"ficshelf/storetest"
)

// The peak heap of one import of a ~20 MiB upload (issue 19: it was ~95
// MiB per import in flight): parse (fic.Import), sentence indexes
// (IndexChapters) and the store's write (AddStory on BoltDB), from the
// upload's bytes to the story stored.

var memWords = strings.Fields("the lantern swung over harbour water while Maren counted “gulls” and ships, thinking of nothing at all, until Ottoline laughed")

// bigUpload makes a file of about size bytes: plain text with "Chapter N"
// headings, or an AO3-style HTML download, chapters of about 400 KiB.
func bigUpload(size int, html bool) []byte {
	var b strings.Builder
	b.Grow(size + 64<<10)
	if html {
		b.WriteString(`<!DOCTYPE html><html><head><meta charset="UTF-8"><title>A Very Long Work - Someone - Fandom [Archive of Our Own]</title></head><body><div id="preface"><h1>A Very Long Work</h1><div class="byline">by <a rel="author" href="https://archiveofourown.org/users/someone">someone</a></div></div><div id="chapters" class="userstuff">` + "\n")
	} else {
		b.WriteString("A Very Long Work\n\n")
	}
	ch, chStart := 0, 0
	for i := 0; b.Len() < size; i++ {
		if ch == 0 || b.Len()-chStart > 400<<10 {
			ch++
			chStart = b.Len()
			if html {
				if ch > 1 {
					b.WriteString("</div>\n<!--/chapter content-->\n")
				}
				fmt.Fprintf(&b, "<div class=\"meta group\">\n<h2 class=\"heading\">Chapter %d: Part %d</h2>\n</div>\n<!--chapter content-->\n<div class=\"userstuff\">\n", ch, ch)
			} else {
				fmt.Fprintf(&b, "Chapter %d\n\n", ch)
			}
		}
		if html {
			b.WriteString("<p>")
		}
		for j := 0; j < 80; j++ {
			if j > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(memWords[(i+j)%len(memWords)])
			if j%12 == 11 {
				b.WriteByte('.')
			}
		}
		b.WriteByte('.')
		if html {
			b.WriteString("</p>\n")
		} else {
			b.WriteString("\n\n")
		}
	}
	if html {
		b.WriteString("</div>\n<!--/chapter content-->\n</div>\n</body></html>\n")
	}
	return []byte(b.String())
}

// peakHeap runs f with the collector on a short leash and samples the live
// heap every half millisecond; it returns the highest HeapAlloc seen above
// the heap before f (an estimate of f's peak live memory).
func peakHeap(f func()) uint64 {
	old := debug.SetGCPercent(10)
	defer debug.SetGCPercent(old)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(500 * time.Microsecond):
			}
		}
	}()
	f()
	close(stop)
	<-done
	if p := peak.Load(); p > base {
		return p - base
	}
	return 0
}

// TestImportPeakHeap measures one import's peak heap on a 4 MiB file (20
// MiB with FICSHELF_IMPORT_MEM_FULL set).
func TestImportPeakHeap(t *testing.T) {
	size := 4 << 20
	if os.Getenv("FICSHELF_IMPORT_MEM_FULL") != "" {
		size = 20<<20 - 64<<10
	}
	for _, html := range []bool{false, true} {
		name := map[bool]string{false: "plain", true: "html"}[html]
		t.Run(name, func(t *testing.T) {
			data := bigUpload(size, html)
			n := len(data)
			var chapters int
			st := storetest.Open(t)
			peak := peakHeap(func() {
				story, err := fic.Import("big."+map[bool]string{false: "txt", true: "html"}[html], data)
				data = nil
				if err != nil {
					t.Fatal(err)
				}
				ch, err := IndexChapters(story)
				if err != nil {
					t.Fatal(err)
				}
				chapters = len(ch)
				// And stored, as /story add does.
				if _, err := st.AddStory(context.Background(), tGuild, story, ch, tAlice, false, time.Time{}); err != nil {
					t.Fatal(err)
				}
			})
			ratio := float64(peak) / float64(n)
			t.Logf("%s: %.1f MiB upload, %d chapters: peak heap %.1f MiB (%.2f× the file)", name, float64(n)/(1<<20), chapters, float64(peak)/(1<<20), ratio)
			// Measured 2.2× (plain) and 3.0× (HTML): the file, its chapter
			// texts and (HTML) the parse tree's nodes. The pool's size
			// times this bounds the imports' memory.
			if ratio > 4 {
				t.Errorf("an import needs %.1f× its file's size at its peak, want at most 4×", ratio)
			}
			if chapters < 10 {
				t.Errorf("%d chapters: the generated file was not read as chapters", chapters)
			}
		})
	}
}
