// Package discordtest is a Discord-compatible server for tests: REST under
// /api/v9 and /api/v10, a JSON gateway, and attachment files, all on
// 127.0.0.1. The real bot (discordgo v0.29) connects to it through
// DISCORD_BASE_URL = srv.URL, exactly as it would to Discord. On Linux its
// connections use Internet-sized TCP segments (MSS 1460) rather than
// loopback's 64 KiB ones, as a real bot's do (see listen.go).
//
// The server checks every payload it receives against Discord's limits
// (see Validate*JSON and /work/shared/DISCORD.md). A violation fails the
// test with a precise message and is answered like Discord does: HTTP 400
// {"code":50035,"message":"Invalid Form Body","errors":{…}}. Use
// WithoutFailing (or SetFailOnViolation(false)) when a test means to send an
// invalid payload, then inspect srv.Violations().
//
// # A test
//
//	func TestAddStory(t *testing.T) {
//		srv := discordtest.New(t)
//		g := srv.AddGuild("Fic Club")
//		general := srv.AddChannel(g.ID, "general", discordgo.ChannelTypeGuildText, false)
//		reader := srv.AddMember(g.ID, "reader", 0)
//		mod := srv.AddMember(g.ID, "mod", discordgo.PermissionManageMessages)
//
//		// Start the bot against srv (DISCORD_BASE_URL=srv.URL, token srv.Token),
//		// registering its cleanup AFTER discordtest.New so it stops first.
//		startBot(t, srv.URL, srv.Token)
//		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
//		defer cancel()
//		if err := srv.WaitReady(ctx); err != nil {
//			t.Fatal(err)
//		}
//		if _, err := srv.WaitCommands(ctx, ""); err != nil { // "" = global
//			t.Fatal(err)
//		}
//
//		file := srv.AddAttachment("dawn.txt", "text/plain", []byte("Chapter 1\n\nIt was dawn."))
//		p := srv.Send(t, srv.Slash(t, general.ID, reader.User.ID, "story",
//			discordtest.Sub("add", discordtest.Attach("file", file), discordtest.Bool("mine", true))))
//		ans := p.Wait(t) // callback, plus the edit if the bot deferred
//		if !strings.Contains(ans.Original.EmbedText(), "Dawn") {
//			t.Errorf("card = %q", ans.Original.EmbedText())
//		}
//
//		// Press a button on the answer, as a moderator.
//		next := srv.Click(t, mod.User.ID, ans.Original, "kudos/1").Wait(t)
//		_ = next.Type // discordgo.InteractionResponseUpdateMessage, ...
//
//		// Background announcements: wait for a channel message.
//		srv.WaitMessage(t, general.ID, func(m *discordtest.Message) bool {
//			return strings.Contains(m.Content, "Checkpoint")
//		})
//	}
//
// # What is there
//
//   - Seeding: AddGuild, AddChannel (text, NSFW, forum type 15), AddThread,
//     AddMember (permission bitfield per member), AddMessage, AddAttachment.
//   - Interactions: Slash / Autocomplete with options (Sub, Group, String,
//     Int, Number, Bool, UserOpt, ChannelOpt, Attach, Focused), MessageCommand,
//     UserCommand, Component, ModalSubmit; Send dispatches one as
//     INTERACTION_CREATE and returns a Pending whose Wait/WaitCallback/WaitFor
//     give an Answer (callback type, data as sent, files, the visible
//     original after edits, follow-ups). Click, Choose and Submit act on an
//     answer's message or modal.
//   - Interaction rules: answers after the window (3 s, WithAnswerWindow,
//     SetAnswerWindow) or to unknown interactions get 10062, second answers
//     40060 (see Answer.Rejected). After a type 5 deferral the first
//     follow-up fills the "thinking…" message, as Discord does; Answer.Edited
//     says whether the original changed after the callback. Webhook calls
//     after the token's lifetime (15 min, WithTokenLifetime) get 50027.
//   - REST: gateway, users/@me, applications/@me, command bulk overwrite and
//     lists (Commands, WaitCommands), callbacks, webhooks (@original and
//     follow-ups), channel messages (nonce + enforce_nonce dedup for 5
//     minutes), GET/DELETE channels, threads (from a message, without one,
//     forum posts), guild channels and members, direct messages
//     (POST users/@me/channels opens a type 1 channel; SetDMsClosed makes
//     sends answer 403 code 50007, as does a user sharing no server with
//     the bot; DMChannel, DMs, WaitDM, DMRefusals). Unknown routes: 404 JSON.
//     Every answer carries parseable rate-limit headers.
//   - Gateway: HELLO, IDENTIFY (bad token: close 4004), READY, GUILD_CREATE,
//     heartbeat ACKs, RESUME with replay, RESUMED. Controls: Reconnect (op 7),
//     InvalidateSession (op 9), DropConnections; WaitReady, WaitIdentified,
//     WaitResumed, GatewayStats.
//   - Shards (shards.go): GET /gateway/bot answers WithShards,
//     WithMaxConcurrency and WithSessionStartLimit (each identify uses one);
//     IDENTIFY's "shard" is checked (close 4010 when invalid); each shard's
//     READY lists only its servers and every event goes to the session of
//     (guild_id >> 22) % shard_count. An identify before its rate-limit
//     key (shard_id % max_concurrency) has waited the window (5 s, on
//     sharded identifies; WithIdentifyWindow for all) gets op 9 and a
//     closed socket (IdentifyRejections). GuildOnShard seeds a server on a
//     given shard; ShardSessions, WaitShards; SendToShard misroutes on
//     purpose.
//   - HTTP delivery (httpdelivery.go): SetInteractionsEndpoint makes Send
//     POST each interaction to the bot, signed (X-Signature-Ed25519 over
//     X-Signature-Timestamp + body) with the application's key, whose
//     public half PublicKey gives as DISCORD_PUBLIC_KEY takes it; the
//     response body is checked and recorded as a callback is.
//     PostInteraction sends anything (pings, forged, unsigned, stale)
//     and returns the status; Ping, Sign.
//   - Recording: Messages, Message, WaitMessage, WaitNewMessage, Threads,
//     Deletions, Requests, Downloads, Violations, Commands, CommandsJSON.
//   - Validation on its own, for unit tests of other packages:
//     CheckCommands, CheckResponse, CheckMessage and the Validate*JSON
//     functions, which return Problems with Discord-style paths.
//   - Driving discordgo directly: HTTPClient rewrites https://discord.com to
//     the server (set it as Session.Client).
//   - Faults: FailNext (429 with retry_after, 502, …), SetCallbackDelay.
//
// Every Wait without a context is bounded by DefaultTimeout and fails the
// test; call those from the test goroutine. All methods are safe for
// concurrent use; predicates passed to waits run without the server's lock,
// so they may call the server. Values returned are copies.
//
// Close the bot before the server: register the bot's cleanup after
// discordtest.New (cleanups run last-in first-out), or a discordgo session
// left open keeps trying to reconnect.
//
// # Caveats
//
// Frames are plain JSON text (no zlib). One gateway session is current per
// shard; intents are ignored and no MESSAGE_CREATE events are sent (THREAD_CREATE/THREAD_DELETE/CHANNEL_DELETE are). Top-level
// components other than action rows (components v2) are reported as
// violations. The 15-minute token lifetime is not enforced.
package discordtest
