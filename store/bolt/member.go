package bolt

import (
	"context"
	"fmt"

	"ficshelf/shelf"
)

// ExportMember returns everything stored about user in guild, read in one
// transaction.
func (s *Store) ExportMember(ctx context.Context, guild, user string) (shelf.MemberExport, error) {
	var out shelf.MemberExport
	err := func() error {
		uid, err := shelf.ParseID("user", user)
		if err != nil {
			return err
		}
		out = shelf.MemberExport{GuildID: shelf.FormatID(gidOrZero(guild)), UserID: shelf.FormatID(uid), ReadingList: []shelf.ListEntry{}, KudosGiven: []shelf.KudosGiven{}, StoriesAdded: []shelf.StoryRef{}}
		return s.view(ctx, guild, func(g *guildTx) error {
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
				kg := shelf.KudosGiven{StoryID: shelf.FormatID(sid), At: fromNanos(readI64(v))}
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
					out.StoriesAdded = append(out.StoriesAdded, shelf.StoryRef{ID: shelf.FormatID(readU64(k, 0)), Title: h.title, Authors: h.authors})
				}
				return nil
			})
			if err != nil {
				return err
			}
			clubs, err := exportMemberClubs(g, uid)
			if err != nil {
				return fmt.Errorf("clubs: %w", err)
			}
			recs, err := exportMemberRecs(g, uid)
			if err != nil {
				return fmt.Errorf("recs: %w", err)
			}
			if clubs != nil || recs != nil {
				out.Other = &shelf.OtherData{Recs: recs, Clubs: clubs}
			}
			return nil
		})
	}()
	if err != nil {
		return shelf.MemberExport{}, fmt.Errorf("export member: %w", err)
	}
	return out, nil
}

// DeleteMember removes user's reading list, kudos and every registered
// feature's member data (club progress) in guild, in one transaction, with
// the stories' counters adjusted. Stories the member added stay.
func (s *Store) DeleteMember(ctx context.Context, guild, user string) error {
	err := func() error {
		uid, err := shelf.ParseID("user", user)
		if err != nil {
			return err
		}
		return s.update(ctx, guild, func(g *guildTx) error {
			if err := removeMemberList(g, uid); err != nil {
				return err
			}
			if err := removeMemberKudos(g, uid); err != nil {
				return err
			}
			if err := deleteMemberClubs(g, uid); err != nil {
				return fmt.Errorf("clubs: %w", err)
			}
			if err := deleteMemberSubs(g, uid); err != nil {
				return fmt.Errorf("subscriptions: %w", err)
			}
			return deleteReadingLog(g, uid)
		})
	}()
	if err != nil {
		return fmt.Errorf("delete member: %w", err)
	}
	return nil
}

// gidOrZero parses a guild ID already known to be valid or checked later.
func gidOrZero(guild string) uint64 {
	v, _ := shelf.ParseID("guild", guild)
	return v
}
