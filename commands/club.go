package commands

// registerClub adds its commands and component routes to r.
func (c *cmds) registerClub(r *Router) {}
