package store

import (
	"fmt"
	"time"
)

// MemberExport is everything the store keeps about one member in one guild.
// Its JSON form is what /mydata export hands to the member.
type MemberExport struct {
	GuildID      string         `json:"guild_id"`
	UserID       string         `json:"user_id"`
	ReadingList  []ListEntry    `json:"reading_list"`
	KudosGiven   []KudosGiven   `json:"kudos_given"`
	StoriesAdded []StoryRef     `json:"stories_added"`
	Other        map[string]any `json:"other,omitempty"` // per feature (recs, clubs), from member hooks
}

// KudosGiven is one kudos a member gave.
type KudosGiven struct {
	StoryID string    `json:"story_id"`
	Title   string    `json:"title"`
	At      time.Time `json:"at"`
}

// memberHook lets a feature file export and delete its data about a
// member, inside ExportMember's and DeleteMember's transactions. export's
// result (nil to omit) appears under MemberExport.Other[name]. Stories a
// member added are not deleted with the member: they belong to the server.
type memberHook struct {
	name   string
	export func(g *guildTx, user uint64) (any, error)
	delete func(g *guildTx, user uint64) error
}

var memberHooks []memberHook

// registerMemberHook adds h; call it only from an init function.
func registerMemberHook(h memberHook) { memberHooks = append(memberHooks, h) }

// ExportMember returns everything stored about user in guild, read in one
// transaction.
func (s *Store) ExportMember(guild, user string) (MemberExport, error) {
	var out MemberExport
	err := func() error {
		uid, err := parseSnowflake("user", user)
		if err != nil {
			return err
		}
		out = MemberExport{GuildID: formatID(gidOrZero(guild)), UserID: formatID(uid), ReadingList: []ListEntry{}, KudosGiven: []KudosGiven{}, StoriesAdded: []StoryRef{}}
		return s.view(guild, func(g *guildTx) error {
			err := forEachPrefix(g.bucket(bLists), u64(uid), func(k, v []byte) error {
				r, err := decodeList(v)
				if err != nil {
					return err
				}
				e, err := joinEntry(g, readU64(k, 1), r)
				out.ReadingList = append(out.ReadingList, e)
				return err
			})
			if err != nil {
				return err
			}
			err = forEachPrefix(g.bucket(bKudosByUser), u64(uid), func(k, v []byte) error {
				sid := readU64(k, 1)
				kg := KudosGiven{StoryID: formatID(sid), At: fromNanos(readI64(v))}
				if hv := g.get(bHeads, u64(sid)); hv != nil {
					if h, err := decodeHead(hv); err == nil {
						kg.Title = h.title
					}
				}
				out.KudosGiven = append(out.KudosGiven, kg)
				return nil
			})
			if err != nil {
				return err
			}
			err = forEachPrefix(g.bucket(bHeads), nil, func(k, v []byte) error {
				h, err := decodeHead(v)
				if err != nil {
					return err
				}
				if h.addedBy == uid {
					out.StoriesAdded = append(out.StoriesAdded, StoryRef{ID: formatID(readU64(k, 0)), Title: h.title, Authors: h.authors})
				}
				return nil
			})
			if err != nil {
				return err
			}
			for _, h := range memberHooks {
				if h.export == nil {
					continue
				}
				v, err := h.export(g, uid)
				if err != nil {
					return fmt.Errorf("%s: %w", h.name, err)
				}
				if v != nil {
					if out.Other == nil {
						out.Other = map[string]any{}
					}
					out.Other[h.name] = v
				}
			}
			return nil
		})
	}()
	if err != nil {
		return MemberExport{}, fmt.Errorf("export member: %w", err)
	}
	return out, nil
}

// DeleteMember removes user's reading list, kudos and every registered
// feature's member data (club progress) in guild, in one transaction, with
// the stories' counters adjusted. Stories the member added stay.
func (s *Store) DeleteMember(guild, user string) error {
	err := func() error {
		uid, err := parseSnowflake("user", user)
		if err != nil {
			return err
		}
		return s.update(guild, func(g *guildTx) error {
			if err := removeMemberList(g, uid); err != nil {
				return err
			}
			if err := removeMemberKudos(g, uid); err != nil {
				return err
			}
			for _, h := range memberHooks {
				if h.delete == nil {
					continue
				}
				if err := h.delete(g, uid); err != nil {
					return fmt.Errorf("%s: %w", h.name, err)
				}
			}
			return nil
		})
	}()
	if err != nil {
		return fmt.Errorf("delete member: %w", err)
	}
	return nil
}

// gidOrZero parses a guild ID already known to be valid or checked later.
func gidOrZero(guild string) uint64 {
	v, _ := parseSnowflake("guild", guild)
	return v
}
