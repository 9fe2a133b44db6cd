package commands

// registerSettings adds its commands and component routes to r.
func (c *cmds) registerSettings(r *Router) {}
