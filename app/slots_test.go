package app

import (
	"testing"

	"ficshelf/config"
)

func TestHandlerSlotsByStore(t *testing.T) {
	for _, c := range []struct {
		db    string
		slots int
		want  int
	}{
		{"ficshelf.db", 0, -1},        // BoltDB: no gate by default
		{"postgres://u@h/db", 0, 0},   // PostgreSQL: the bot's default
		{"postgresql://u@h/db", 0, 0}, // either scheme
		{"ficshelf.db", 12, 12},       // INTERACTION_SLOTS wins
		{"postgres://u@h/db", -1, -1}, // "off" wins
	} {
		if got := handlerSlots(config.Config{DBPath: c.db, InteractionSlots: c.slots}); got != c.want {
			t.Errorf("handlerSlots(%q, %d) = %d, want %d", c.db, c.slots, got, c.want)
		}
	}
}
