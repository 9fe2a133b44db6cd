// Package bot carries every byte between Ficshelf and Discord: the gateway
// session that receives interactions, the REST calls that answer them, the
// command registration, and the side effects commands ask for (messages,
// threads, forum posts, attachment downloads). It knows discordgo and the
// small Handler interface; it does not import commands.
//
// # Transport
//
// discordgo's endpoints are fixed to https://discord.com when it loads, so
// the session's http.Client carries a RoundTripper that sends every request
// for discord.com to Config.BaseURL instead (scheme and host replaced, the
// base URL's path prefixed, the request's path kept). The gateway address is
// whatever GET /api/v9/gateway on that origin answers. The only intent asked
// for is GUILDS (no privileged intents).
//
// # The answering contract
//
// Each interaction (slash, user and message commands, autocomplete,
// components, modal submits; pings are ignored) is handed to the Handler in
// its own goroutine, with a context whose deadline is the interaction
// token's 15-minute lifetime and which is cancelled only as shutdown's last
// resort. Then:
//
//   - The handler returns within Config.DeferAfter (default 2 s): its
//     response is sent as the interaction callback.
//   - It is slower: the bot acknowledges first. A command, or a modal
//     submitted outside a message, gets type 5 (deferred message, "thinking…"),
//     ephemeral when the Handler implements DeferHinter and says so. A
//     component, or a modal submitted from a message, gets type 6 (deferred
//     update). When the answer arrives it replaces the deferred original
//     (PATCH .../messages/@original) where it fits the deferral: a message
//     (type 4) of the same visibility after type 5, an update (type 7) after
//     type 6. Otherwise the deferred "thinking" message (of the other
//     visibility) is deleted first, since Discord makes the first follow-up
//     after a deferral fill it with the deferral's visibility, and the
//     answer is sent as a follow-up with its own flags. After a deferral
//     only message and update answers can be delivered.
//   - Autocomplete cannot be deferred: a handler that has not answered
//     within 2.5 s gets no choices sent for it, and its late answer is
//     dropped.
//   - A handler that panics (recovered, logged with its stack), returns an
//     error, returns nil, or returns an empty message, is logged at error
//     level and the member is told FailureMessage ephemerally (autocomplete:
//     no choices).
//
// No interaction is left unanswered. A failed callback (Discord's 10062
// unknown interaction, 40060 already acknowledged, a 5xx after discordgo's
// retries, a timeout) is logged and reported to the Observer; it never
// panics. Every REST call is bounded by a timeout.
//
// # Limits
//
// Everything sent (callbacks, edits, follow-ups, channel messages, forum
// posts) is fitted to Discord's limits first (see fit.go and DISCORD.md):
// content longer than 2000 characters is split at line or word boundaries
// into further messages (follow-ups for interactions), embeds past 10 or
// 6000 characters move to further messages, over-long texts are truncated
// with "…", components, choices and thread names are cut to size. Lengths
// are counted in UTF-16 units, which is never less than Discord's rune
// count. A message without AllowedMentions pings nobody
// ("allowed_mentions":{"parse":[]}).
//
// # Shutdown
//
// When Run's context ends, interactions that still arrive are answered
// with ShutdownMessage, in-flight ones get Config.ShutdownGrace to finish,
// then their contexts are cancelled (they answer FailureMessage), and the
// gateway is closed.
//
// # Secrets
//
// The token never appears in a log line or a returned error: every error
// and every discordgo log line passes through a redactor that removes it
// (and anything shaped like a Discord token).
package bot
