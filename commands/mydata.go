package commands

// registerMyData adds its commands and component routes to r.
func (c *cmds) registerMyData(r *Router) {}
