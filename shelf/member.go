package shelf

import "time"

// MemberExport is everything the store keeps about one member in one guild.
// Its JSON form is what /mydata export hands to the member.
type MemberExport struct {
	GuildID      string       `json:"guild_id"`
	UserID       string       `json:"user_id"`
	ReadingList  []ListEntry  `json:"reading_list"`
	KudosGiven   []KudosGiven `json:"kudos_given"`
	StoriesAdded []StoryRef   `json:"stories_added"`
	Other        *OtherData   `json:"other,omitempty"`
}

// OtherData is a member's data of the features beyond lists and kudos;
// nil fields are omitted (and Other itself when all are).
type OtherData struct {
	Recs  *RecsExport  `json:"recs,omitempty"`
	Clubs []ClubExport `json:"clubs,omitempty"`
}

// RecsExport is a member's rec data in /mydata export. Recs stay when a
// member deletes their data: they are public posts in the server.
type RecsExport struct {
	Recs     []Rec        `json:"recs"`
	Requests []RecRequest `json:"requests"`
}

// ClubExport is a member's place in one club, in /mydata export.
type ClubExport struct {
	ClubID   string    `json:"club_id"`
	Name     string    `json:"name"`
	Story    string    `json:"story"`
	Host     bool      `json:"host,omitempty"`
	JoinedAt time.Time `json:"joined_at"`
	Chapter  int       `json:"chapter_read"`
	Active   bool      `json:"active"`
}
