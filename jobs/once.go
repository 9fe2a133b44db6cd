package jobs

// Posting exactly once: each post carries a nonce naming its item (Discord
// returns the first post for a repeated nonce for a few minutes), and a
// retry after that window first looks for the post among the bot's own.

import (
	"context"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"

	"ficshelf/bot"
)

// shortNonce is a nonce naming one item, at most bot.MaxNonce characters:
// kind followed by ids in base 36, joined by dots, when that fits; else
// kind, "h" and a hash of long, which names the same item in full.
//
// A post retried across an upgrade relies on Discord returning the first
// post for the same nonce, so a kind's nonces must not change: each caller
// keeps its kind, ids and long as they were (once_test.go pins them).
func shortNonce(kind, long string, ids ...uint64) string {
	var b strings.Builder
	b.WriteString(kind)
	for i, id := range ids {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.FormatUint(id, 36))
	}
	if b.Len() <= bot.MaxNonce {
		return b.String()
	}
	h := fnv.New64a()
	fmt.Fprint(h, long)
	return kind + "h" + strconv.FormatUint(h.Sum64(), 36)
}

// idNum is a snowflake or sequence ID as a number (0 when it is none: the
// nonce's hash form still tells such items apart).
func idNum(id string) uint64 {
	n, _ := strconv.ParseUint(id, 10, 64)
	return n
}

// ownMessages lists the bot's own latest messages in a channel (package
// bot implements it).
type ownMessages interface {
	OwnMessages(ctx context.Context, channelID string, limit int) ([]*discordgo.Message, error)
}

// findOwn returns the bot's own message among channel's latest
// (bot.MaxScan) for which is holds, or nil: a post an earlier attempt made
// before it could record it, once its nonce can no longer be trusted to
// return it (bot.NonceTrust).
func findOwn(ctx context.Context, d ownMessages, channel string, is func(*discordgo.Message) bool) (*discordgo.Message, error) {
	recent, err := d.OwnMessages(ctx, channel, bot.MaxScan)
	if err != nil {
		return nil, err
	}
	for _, m := range recent {
		if is(m) {
			return m, nil
		}
	}
	return nil, nil
}
