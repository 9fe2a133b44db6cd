package commands

// registerExcerpt adds its commands and component routes to r.
func (c *cmds) registerExcerpt(r *Router) {}
