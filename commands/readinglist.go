package commands

// registerReadingList adds its commands and component routes to r.
func (c *cmds) registerReadingList(r *Router) {}
