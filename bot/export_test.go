package bot

// InteractionsTapped is how many interactions the taps of b's shards have
// decoded (see interactionTap), for tests outside the package.
func InteractionsTapped(b *Bot) int64 {
	b.shardsMu.Lock()
	defer b.shardsMu.Unlock()
	var n int64
	for _, sh := range b.shards {
		n += sh.tap.tapped.Load()
	}
	return n
}
