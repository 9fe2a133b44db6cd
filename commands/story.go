package commands

// registerStory adds its commands and component routes to r.
func (c *cmds) registerStory(r *Router) {}
