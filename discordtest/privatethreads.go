package discordtest

import (
	"net/http"
	"sort"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Private threads and thread members (discord-api-docs resources/channel.mdx):
// PUT /channels/{thread}/thread-members/{user} adds a member of the guild to
// a thread (204; the bot needs Manage Threads to add others to a private
// thread), GET /guilds/{g}/threads/active lists the guild's threads not
// archived. A test reads who is in a thread with ThreadMembers, and sets
// the permissions interactions carry as app_permissions with
// SetAppPermissions.

// ThreadMembers returns the IDs of the members added to a thread, sorted.
func (s *Server) ThreadMembers(threadID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for u := range s.cs.threadMembers[threadID] {
		out = append(out, u)
	}
	sort.Strings(out)
	return out
}

// SetAppPermissions sets the permissions the bot has in every channel as
// interactions report them (app_permissions); 0 restores all of them.
func (s *Server) SetAppPermissions(perms int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cs.appPerms = perms
}

func (s *Server) appPermissionsLocked() int64 {
	if s.cs.appPerms == 0 {
		return discordgo.PermissionAll
	}
	return s.cs.appPerms
}

// threadMember serves PUT /channels/{thread}/thread-members/{user}.
func (s *Server) threadMember(w http.ResponseWriter, threadID, userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	th := s.channels[threadID]
	if th == nil {
		writeError(w, http.StatusNotFound, 10003, "Unknown Channel")
		return
	}
	if !th.IsThread() {
		writeError(w, http.StatusBadRequest, 50024, "Cannot execute action on this channel type")
		return
	}
	if th.ThreadMetadata != nil && th.ThreadMetadata.Archived {
		writeError(w, http.StatusBadRequest, 50083, "Thread is archived")
		return
	}
	g := s.guildLocked(th.GuildID)
	if g == nil || g.members[userID] == nil {
		writeError(w, http.StatusNotFound, 10013, "Unknown User")
		return
	}
	if s.cs.threadMembers == nil {
		s.cs.threadMembers = map[string]map[string]bool{}
	}
	if s.cs.threadMembers[threadID] == nil {
		s.cs.threadMembers[threadID] = map[string]bool{}
	}
	s.cs.threadMembers[threadID][userID] = true
	s.notifyLocked()
	w.WriteHeader(http.StatusNoContent)
}

// activeThreads serves GET /guilds/{g}/threads/active.
func (s *Server) activeThreads(w http.ResponseWriter, guildID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.guildLocked(guildID) == nil {
		writeError(w, http.StatusNotFound, 10004, "Unknown Guild")
		return
	}
	out := discordgo.ThreadsList{Threads: []*discordgo.Channel{}, Members: []*discordgo.ThreadMember{}}
	for _, ch := range s.channels {
		if ch.GuildID == guildID && ch.IsThread() && (ch.ThreadMetadata == nil || !ch.ThreadMetadata.Archived) {
			cp := *ch
			out.Threads = append(out.Threads, &cp)
			if s.cs.threadMembers[ch.ID][s.AppID] || ch.OwnerID == s.AppID {
				out.Members = append(out.Members, &discordgo.ThreadMember{ID: ch.ID, UserID: s.AppID, JoinTimestamp: time.Now().UTC()})
			}
		}
	}
	sort.Slice(out.Threads, func(i, j int) bool { return out.Threads[i].ID < out.Threads[j].ID })
	writeJSON(w, 200, out)
}
