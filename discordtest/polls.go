package discordtest

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Polls (discord-api-docs resources/poll.mdx): a message's poll is checked
// against Discord's limits when it is sent; the server then keeps its
// votes, serves its results on the message (poll.results, final once it
// expired), lists an answer's voters, and lets the bot that sent it end it
// early. Tests vote with Vote.

// pollState is a poll's votes and whether it has ended.
type pollState struct {
	answers   []int                   // answer IDs, in order
	votes     map[int]map[string]bool // answer ID → voters
	multi     bool
	expiry    time.Time
	finalized bool
}

// checkPoll checks a message's poll object, when it has one.
func (c *checker) poll(m obj, path string) {
	raw, present := m["poll"]
	if !present || raw == nil {
		return
	}
	path = join(path, "poll")
	p, ok := raw.(obj)
	if !ok {
		c.add(path, "MODEL_TYPE_CONVERT", "poll must be an object")
		return
	}
	q := sub(p, "question")
	if q == nil {
		c.add(join(path, "question"), "BASE_TYPE_REQUIRED", "question is required")
	} else {
		c.length(q, join(path, "question"), "text", 1, 300)
	}
	answers := arr(p, "answers")
	if len(answers) < 1 || len(answers) > 10 {
		c.add(join(path, "answers"), "BASE_TYPE_BAD_LENGTH", "a poll has 1 to 10 answers, got %d", len(answers))
	}
	seen := map[string]bool{}
	for i, a := range answers {
		ap := join(join(path, "answers"), i)
		ao, ok := a.(obj)
		if !ok {
			c.add(ap, "MODEL_TYPE_CONVERT", "answer must be an object")
			continue
		}
		media := sub(ao, "poll_media")
		if media == nil {
			c.add(join(ap, "poll_media"), "BASE_TYPE_REQUIRED", "poll_media is required")
			continue
		}
		c.length(media, join(ap, "poll_media"), "text", 1, 55)
		if t, _ := str(media, "text"); t != "" {
			if seen[t] {
				c.add(join(join(ap, "poll_media"), "text"), "POLL_ANSWER_DUPLICATE", "two answers read %q: members could not tell them apart", t)
			}
			seen[t] = true
		}
	}
	if d, ok := num(p, "duration"); ok && (d < 1 || d > 768 || d != float64(int(d))) {
		c.add(join(path, "duration"), "NUMBER_TYPE_MAX", "duration must be 1 to 768 hours, got %v", d)
	}
	if l, ok := num(p, "layout_type"); ok && l != 1 {
		c.add(join(path, "layout_type"), "BASE_TYPE_CHOICES", "layout_type must be 1, got %v", l)
	}
	if v, ok := p["allow_multiselect"]; ok && v != nil {
		if _, isBool := v.(bool); !isBool {
			c.add(join(path, "allow_multiselect"), "BASE_TYPE_BOOLEAN", "allow_multiselect must be a boolean")
		}
	}
	if _, ok := p["results"]; ok {
		c.add(join(path, "results"), "BASE_TYPE_INVALID", "results cannot be sent")
	}
}

// startPollLocked gives a new message's poll its answer IDs, expiry and
// empty results.
func (s *Server) startPollLocked(m *Message, p *discordgo.Poll) {
	if s.cs.polls == nil {
		s.cs.polls = map[string]*pollState{}
	}
	hours := p.Duration
	if hours == 0 {
		hours = 24
	}
	st := &pollState{votes: map[int]map[string]bool{}, multi: p.AllowMultiselect, expiry: time.Now().Add(time.Duration(hours) * time.Hour)}
	poll := &discordgo.Poll{Question: p.Question, AllowMultiselect: p.AllowMultiselect, LayoutType: p.LayoutType}
	for i, a := range p.Answers {
		a.AnswerID = i + 1
		st.answers = append(st.answers, i+1)
		poll.Answers = append(poll.Answers, a)
	}
	exp := st.expiry.UTC()
	poll.Expiry = &exp
	m.Poll = poll
	s.cs.polls[m.ID] = st
	s.refreshPollLocked(m)
}

// refreshPollLocked finalizes a poll whose time has passed and sets the
// message's poll.results (a new value each time: copies handed out stay
// as they were).
func (s *Server) refreshPollLocked(m *Message) {
	st := s.cs.polls[m.ID]
	if st == nil || m.Poll == nil {
		return
	}
	if !st.finalized && !time.Now().Before(st.expiry) {
		st.finalized = true
	}
	res := &discordgo.PollResults{Finalized: st.finalized, AnswerCounts: []*discordgo.PollAnswerCount{}}
	for _, id := range st.answers {
		if n := len(st.votes[id]); n > 0 {
			res.AnswerCounts = append(res.AnswerCounts, &discordgo.PollAnswerCount{ID: id, Count: n})
		}
	}
	p := *m.Poll
	p.Results = res
	exp := st.expiry.UTC()
	p.Expiry = &exp
	m.Poll = &p
}

// Vote casts userID's vote on the poll of message messageID for the given
// answers (none: take the vote back), as a member would in Discord. It
// fails when the poll has ended, an answer does not exist, or several
// answers are given on a one-vote poll.
func (s *Server) Vote(messageID, userID string, answerIDs ...int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.msgByID[messageID]
	st := s.cs.polls[messageID]
	if m == nil || st == nil || m.Deleted {
		return fmt.Errorf("discordtest: message %s has no poll", messageID)
	}
	s.refreshPollLocked(m)
	if st.finalized {
		return fmt.Errorf("discordtest: the poll on message %s has ended", messageID)
	}
	if len(answerIDs) > 1 && !st.multi {
		return fmt.Errorf("discordtest: the poll on message %s takes one answer per member", messageID)
	}
	for _, id := range answerIDs {
		if st.votes[id] == nil && !containsInt(st.answers, id) {
			return fmt.Errorf("discordtest: the poll on message %s has no answer %d", messageID, id)
		}
	}
	for _, voters := range st.votes {
		delete(voters, userID)
	}
	for _, id := range answerIDs {
		if st.votes[id] == nil {
			st.votes[id] = map[string]bool{}
		}
		st.votes[id][userID] = true
	}
	s.refreshPollLocked(m)
	s.notifyLocked()
	return nil
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// PollEnded reports whether the poll on message messageID has ended (its
// time passed, or the bot ended it), and how often the bot asked to end it.
func (s *Server) PollEnded(messageID string) (ended bool, expireCalls int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.msgByID[messageID]; m != nil {
		s.refreshPollLocked(m)
	}
	st := s.cs.polls[messageID]
	if st == nil {
		return false, s.cs.pollExpires[messageID]
	}
	return st.finalized, s.cs.pollExpires[messageID]
}

// pollRoute serves POST /channels/{c}/polls/{m}/expire and
// GET /channels/{c}/polls/{m}/answers/{a}.
func (s *Server) pollRoute(w http.ResponseWriter, r *http.Request, chID, msgID string, rest []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.channels[chID] == nil {
		writeError(w, http.StatusNotFound, 10003, "Unknown Channel")
		return
	}
	m := s.msgByID[msgID]
	if m == nil || m.ChannelID != chID || m.Deleted {
		writeError(w, http.StatusNotFound, 10008, "Unknown Message")
		return
	}
	st := s.cs.polls[msgID]
	switch {
	case len(rest) == 1 && rest[0] == "expire" && r.Method == http.MethodPost:
		if s.cs.pollExpires == nil {
			s.cs.pollExpires = map[string]int{}
		}
		s.cs.pollExpires[msgID]++
		if st == nil {
			writeError(w, http.StatusBadRequest, 520006, "Cannot expire a non-poll message")
			return
		}
		if m.Author == nil || m.Author.ID != s.AppID {
			writeError(w, http.StatusForbidden, 50013, "Missing Permissions")
			return
		}
		s.refreshPollLocked(m)
		if st.finalized {
			writeError(w, http.StatusBadRequest, 520001, "Poll expired")
			return
		}
		st.finalized, st.expiry = true, time.Now()
		s.refreshPollLocked(m)
		s.notifyLocked()
		writeJSON(w, 200, wire(m))
	case len(rest) == 2 && rest[0] == "answers" && r.Method == http.MethodGet:
		id, err := strconv.Atoi(rest[1])
		if st == nil || err != nil || !containsInt(st.answers, id) {
			writeError(w, http.StatusNotFound, 10008, "Unknown Message")
			return
		}
		var ids []string
		for u := range st.votes[id] {
			ids = append(ids, u)
		}
		sort.Strings(ids)
		users := []*discordgo.User{}
		for _, u := range ids {
			if usr := s.users[u]; usr != nil {
				users = append(users, usr)
			} else {
				users = append(users, &discordgo.User{ID: u, Username: "user" + u})
			}
		}
		writeJSON(w, 200, map[string]any{"users": users})
	default:
		writeError(w, http.StatusMethodNotAllowed, 0, "405: Method Not Allowed")
	}
}

// clubState is what the server keeps for polls, private threads and
// scheduled events (guarded by Server.mu).
type clubState struct {
	polls         map[string]*pollState            // by message ID
	pollExpires   map[string]int                   // expire calls by message ID
	threadMembers map[string]map[string]bool       // thread → members added
	appPerms      int64                            // app_permissions of interactions; 0 = all
	events        []*discordgo.GuildScheduledEvent // scheduled events
}
