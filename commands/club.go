package commands

// registerClub adds its commands and component routes to r.
func (c *cmds) registerClub(r *Router) {}

// storyChaptersChanged is called after a story's chapters change (a
// re-import of an AO3 work with new chapters), so clubs reading a work in
// progress can extend their schedules.
func (c *cmds) storyChaptersChanged(guildID, storyID string) error { return nil }
