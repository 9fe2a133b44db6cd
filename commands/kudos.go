package commands

// registerKudos adds its commands and component routes to r.
func (c *cmds) registerKudos(r *Router) {}
