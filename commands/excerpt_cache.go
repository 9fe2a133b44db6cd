package commands

import (
	"bytes"
	"sync"

	"ficshelf/fic/passage"
	"ficshelf/shelf"
)

// indexCacheMin is the smallest stored index worth caching decoded: a
// 10,000-word chapter's (about 1 KB) decodes in a few microseconds; a
// 500,000-word chapter's (about 60 KB, 35,000 sentences) in a hundred or
// more, while checking a cached copy against it takes a few.
const indexCacheMin = 8 << 10

// indexCacheMax bounds the decoded indexes kept, in bytes of Index (4 per
// sentence): about 500 chapters of 500,000 words' worth of sentences.
const indexCacheMax = 64 << 20

// indexCache keeps the decoded sentence indexes of big chapters, keyed by
// server, story and chapter and checked against the stored bytes on every
// use, so a re-imported chapter is never served a stale index. Oldest
// entries go first. Safe for concurrent use; a returned Index is shared
// and read-only.
type indexCache struct {
	mu      sync.Mutex
	entries map[indexKey]indexEntry
	order   []indexKey
	size    int
}

type indexKey struct {
	guild, story string
	chapter      int
}

type indexEntry struct {
	stored []byte
	idx    passage.Index
}

// index returns the sentence index of ch (see chapterIndex), from the
// cache when ch's stored index is unchanged since it was decoded and is
// big, or was written by older segmentation rules (the chapter is then
// segmented again, far slower than decoding, so once per process).
func (c *indexCache) index(guild, story string, ch shelf.ChapterRecord) passage.Index {
	stale := len(ch.Sentences) > 0 && ch.Sentences[0] != passage.IndexVersion
	if len(ch.Sentences) < indexCacheMin && !stale {
		return chapterIndex(ch)
	}
	key := indexKey{guild, story, ch.Number}
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && bytes.Equal(e.stored, ch.Sentences) {
		return e.idx
	}
	idx := chapterIndex(ch)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[indexKey]indexEntry{}
	}
	if old, ok := c.entries[key]; ok {
		c.size -= 4 * len(old.idx)
	} else {
		c.order = append(c.order, key)
	}
	c.entries[key] = indexEntry{stored: bytes.Clone(ch.Sentences), idx: idx}
	c.size += 4 * len(idx)
	for c.size > indexCacheMax && len(c.order) > 1 {
		k := c.order[0]
		c.order = c.order[1:]
		if old, ok := c.entries[k]; ok && k != key {
			c.size -= 4 * len(old.idx)
			delete(c.entries, k)
		} else if k == key {
			c.order = append(c.order, k)
		}
	}
	return idx
}

// chapterIndex decodes a chapter's stored sentence index, or segments the
// chapter when there is none usable.
func chapterIndex(ch shelf.ChapterRecord) passage.Index {
	var idx passage.Index
	if len(ch.Sentences) == 0 || idx.UnmarshalBinary(ch.Sentences) != nil {
		return passage.Segment(ch.Text)
	}
	return idx
}
