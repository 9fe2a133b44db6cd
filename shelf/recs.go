package shelf

import "time"

// RecThread is where a story's recommendations are discussed: a thread
// started on the first rec's message (MessageID in ChannelID), or a forum
// post (Forum; the thread's first message has the thread's ID).
type RecThread struct {
	ChannelID string `json:"channel_id"` // the channel or forum the thread is in
	ThreadID  string `json:"thread_id"`
	MessageID string `json:"message_id"` // the card the thread hangs on
	Forum     bool   `json:"forum,omitempty"`
}

// Rec is one member's recommendation of a story.
type Rec struct {
	ID         string    `json:"id"`
	StoryID    string    `json:"story_id"`
	StoryTitle string    `json:"story_title,omitempty"` // filled by ListRecs and exports
	UserID     string    `json:"user_id"`
	Why        string    `json:"why"`
	At         time.Time `json:"at"`
	ChannelID  string    `json:"channel_id"` // where the rec's message is (a thread, or the channel the thread hangs on)
	MessageID  string    `json:"message_id"`
	ThreadID   string    `json:"thread_id"`            // its discussion thread
	RequestID  string    `json:"request_id,omitempty"` // the request it answers
}

// RecRequest is a member asking for recommendations.
type RecRequest struct {
	ID        string    `json:"id"`
	UserID    string    `json:"user_id"`
	Text      string    `json:"text"`
	At        time.Time `json:"at"`
	ChannelID string    `json:"channel_id"` // where the request message is
	MessageID string    `json:"message_id"`
	ThreadID  string    `json:"thread_id"`
	Answers   []string  `json:"answers,omitempty"` // rec IDs, oldest first
}

// RecQuery filters ListRecs.
type RecQuery struct {
	UserID string // "" = everyone
	Fandom string // case-insensitive substring of any of the story's fandoms
	Offset int
	Limit  int // 0 means 10; at most 100
}
