package commands

import (
	"strings"
	"sync"
	"testing"
)

func TestBlockquoteEscapesEveryLine(t *testing.T) {
	got := blockquote("First *line*\n# heading\r\n@everyone <@123> ||spoiler||")
	want := "> First \\*line\\*\n> \\# heading\n> @everyone \\<@123> \\|\\|spoiler\\|\\|"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestRecListArgsRoundTrip(t *testing.T) {
	for _, s := range []string{"", "Good Omens", "Re:Zero", "100% Fluff", "a%3Ab"} {
		if got := unescapeArg(escapeArg(s)); got != s {
			t.Errorf("%q came back as %q", s, got)
		}
		if strings.Contains(escapeArg(s), ":") {
			t.Errorf("%q escaped keeps a colon", s)
		}
	}
}

func TestKeyedLocksSerialisePerKey(t *testing.T) {
	var k keyedLocks
	var mu sync.Mutex
	inside := map[string]int{}
	var wg sync.WaitGroup
	for i := range 50 {
		key := []string{"a", "b"}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock := k.lock(key)
			mu.Lock()
			inside[key]++
			if inside[key] > 1 {
				t.Errorf("two holders of %s", key)
			}
			mu.Unlock()
			mu.Lock()
			inside[key]--
			mu.Unlock()
			unlock()
		}()
	}
	wg.Wait()
	if len(k.m) != 0 {
		t.Errorf("locks left behind: %d", len(k.m))
	}
}
