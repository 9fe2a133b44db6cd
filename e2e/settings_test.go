package e2e

import (
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"ficshelf/discordtest"
)

func TestSettings(t *testing.T) {
	e := Start(t)
	settings := func(who *discordgo.Member, sub string, opts ...discordtest.Opt) *discordtest.Answer {
		t.Helper()
		return e.Slash(e.General, who, "settings", discordtest.Sub(sub, opts...))
	}

	// Registered for Manage Server only.
	var found bool
	for _, c := range e.Srv.Commands("") {
		if c.Name == "settings" {
			found = true
			if c.DefaultMemberPermissions == nil || *c.DefaultMemberPermissions != discordgo.PermissionManageGuild {
				t.Errorf("/settings default_member_permissions = %v; want Manage Server", c.DefaultMemberPermissions)
			}
		}
	}
	if !found {
		t.Fatal("/settings is not registered")
	}

	// Defaults.
	show := settings(e.Admin, "show")
	wantEphemeral(t, "show defaults", show, "`age-restricted-only`")
	for _, want := range []string{"no recs channel set", "only in age-restricted channels", "UTC"} {
		if !strings.Contains(show.Content(), want) {
			t.Errorf("default show lacks %q: %q", want, show.Content())
		}
	}

	// A plain member (and a moderator without Manage Server) can do nothing,
	// even though a server could grant them the command.
	for _, who := range []*discordgo.Member{e.Alice, e.Mod} {
		wantEphemeral(t, "show by "+who.User.Username, settings(who, "show"), "Manage Server")
		wantEphemeral(t, "adult-content by "+who.User.Username, settings(who, "adult-content", discordtest.String("mode", "off")), "Manage Server")
		wantEphemeral(t, "recs-channel by "+who.User.Username, settings(who, "recs-channel", discordtest.ChannelOpt("channel", e.Lounge.ID)), "Manage Server")
		wantEphemeral(t, "timezone by "+who.User.Username, settings(who, "timezone", discordtest.String("zone", "Asia/Tokyo")), "Manage Server")
	}
	if show2 := settings(e.Admin, "show"); show2.Content() != show.Content() {
		t.Errorf("refused members changed the settings: %q", show2.Content())
	}

	// An admin sets everything; it survives a restart.
	wantEphemeral(t, "recs-channel", settings(e.Admin, "recs-channel", discordtest.ChannelOpt("channel", e.Forum.ID)), "<#"+e.Forum.ID+">")
	wantEphemeral(t, "adult-content", settings(e.Admin, "adult-content", discordtest.String("mode", "spoilered")), "spoiler bars")
	wantEphemeral(t, "timezone", settings(e.Admin, "timezone", discordtest.String("zone", "Europe/Paris")), "Europe/Paris")
	wantEphemeral(t, "bad timezone", settings(e.Admin, "timezone", discordtest.String("zone", "Moon/Base")), "don't know the time zone")
	e.Restart()
	show = settings(e.Admin, "show")
	for _, want := range []string{"<#" + e.Forum.ID + ">", "`spoilered`", "Europe/Paris"} {
		if !strings.Contains(show.Content(), want) {
			t.Errorf("after restart show lacks %q: %q", want, show.Content())
		}
	}
	if am := show.Original.AllowedMentions; am == nil || len(am.Parse) != 0 {
		t.Errorf("show allowed_mentions = %+v", am)
	}

	// Clearing the recs channel; off explains itself.
	wantEphemeral(t, "clear recs channel", settings(e.Admin, "recs-channel"), "no recs channel")
	wantEphemeral(t, "off", settings(e.Admin, "adult-content", discordtest.String("mode", "off")), "never posted")
	if got := settings(e.Admin, "show").Content(); !strings.Contains(got, "no recs channel set") || !strings.Contains(got, "`off`") {
		t.Errorf("show after clearing: %q", got)
	}

	// One server's settings are its own.
	if got := e.Slash(e.OtherGeneral, e.OtherMember, "settings", discordtest.Sub("show")).Content(); !strings.Contains(got, "Manage Server") {
		t.Errorf("other server member: %q", got)
	}
}
