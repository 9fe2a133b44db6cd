package commands

// registerRec adds its commands and component routes to r.
func (c *cmds) registerRec(r *Router) {}
