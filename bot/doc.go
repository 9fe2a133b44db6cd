// Package bot carries every byte between Ficshelf and Discord. It knows
// discordgo and the small Handler interface; it does not import commands.
//
//   - One way out: the answerer (answer.go, responder.go, fit.go) sends a
//     Handler's answer to its interaction — callback, deferral, edit,
//     follow-ups — within Discord's limits, and discord.go does the side
//     effects commands ask for (messages, threads, forum posts, channel
//     look-ups, attachment downloads).
//   - Several ways in: gateway shards (shards.go), one discordgo session per
//     shard, and the signed HTTP endpoint (http.go). Both hand interactions
//     to the same dispatch; only the first answer's path differs (a REST
//     callback, or the HTTP response body).
//   - Command registration on its own (register.go), once the application
//     ID is known (from a shard's READY, or GET /applications/@me).
//
// # Shards
//
// Run reads GET /api/v10/gateway/bot, refuses to start (ErrSessionStartLimit,
// with a log line) when session_start_limit.remaining cannot cover this
// process's shards, and opens them in rounds: shards whose rate-limit keys
// (shard_id % max_concurrency) differ identify together, each key once per
// Config.IdentifyEvery (5 s); with Config.IdentifyGate, processes sharing
// the token also take turns per key. Each session resumes on its own.
// Gateway interactions of servers outside this process's shards ((guild_id
// >> 22) % N) are ignored. ShardStates and the Observer report each shard.
//
// Each shard's websocket is read through an interactionTap (gatewaytap.go):
// an INTERACTION_CREATE that arrives as one text frame is decoded once, by
// the tap, and discordgo receives a stub of it (same sequence number, data
// {"id": …}) which the interaction handler swaps back, so discordgo's
// three-fold decoding of the event is skipped. Every other frame, and every
// connection through a proxy, is left to discordgo as it is.
//
// # HTTP interactions
//
// POST /interactions checks X-Signature-Ed25519 over X-Signature-Timestamp
// + body against Config.PublicKey before anything else (401 when missing or
// wrong, 413 over MaxInteractionBody, 401 when the timestamp is more than
// MaxSignatureAge from now), answers PING with PONG, and dispatches the
// rest; the first answer (the deferral when the handler is slow) is the
// response body, within 3 s. An answer with files is sent as a deferral and
// an edit, since the body is JSON. Channel facts come from the payload's
// channel object, else one REST look-up cached for a minute.
//
// # Transport
//
// discordgo's endpoints are fixed to https://discord.com when it loads, so
// the session's http.Client carries a RoundTripper that sends every request
// for discord.com to Config.BaseURL instead (scheme and host replaced, the
// base URL's path prefixed, the request's path kept). The gateway address is
// whatever GET /api/v9/gateway on that origin answers. The only intent asked
// for is GUILDS (no privileged intents). discordgo's state cache is off: the
// shards keep only their servers' channels and threads, trimmed to what
// commands read (type, age restriction, parent, server, name), from
// GUILD_CREATE, CHANNEL_* and THREAD_* events. Interaction callbacks without
// files are posted directly through the same http.Client, outside
// discordgo's rate limiter (a callback's route is its own and is used once).
//
// # The answering contract
//
// Each interaction (slash, user and message commands, autocomplete,
// components, modal submits; pings are ignored) is handed to the Handler in
// its own goroutine (reused from a pool), with a context whose deadline is the interaction
// token's 15-minute lifetime and which is cancelled only as shutdown's last
// resort. At most Config.HandlerSlots handlers run at once: when all are
// busy the interaction waits in its server's queue, the servers served in
// turn (fairshare.go). The times below run from receipt, waiting included.
// Then:
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
