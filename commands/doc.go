// Package commands is Ficshelf's user-facing behaviour: every slash command,
// message command, button and modal, and all the wording members read.
//
// # Definitions beside handlers
//
// Each command family has its file (story*.go, excerpt.go, kudos.go,
// readinglist.go, rec.go, club.go, settings.go, mydata.go, help.go) with a
// register method that adds the family's Discord definition (a Command) and
// its handlers side by side, and the component routes its buttons use. New
// builds the Router with every family registered; the definitions it holds
// are exactly what is registered with Discord (Router.Definitions, and the
// `ficshelf commands` subcommand).
//
// # The router and custom_id routes
//
// The Router implements bot.Handler: it turns an interaction into a call of
// the right handler (a command's Run, a subcommand, an autocomplete, a
// component or a modal) and the handler's result into an answer. Handlers
// return their answer as a value (the helpers in respond.go), so they are
// plain functions to test; a handler that must act elsewhere (post in
// another channel, open a thread, download an attachment) does it through
// the Discord interface, implemented by package bot.
//
// A component's custom_id is a route, "name:arg1:arg2" (CustomID): the name
// selects the handler registered with Router.Component, the arguments come
// back as Request.Args. A button carries everything it needs, so it works
// after a restart; names carry a version where the arguments may change
// ("ex1", "sl1"), so buttons on old messages keep working or expire politely
// (buttonExpired).
//
// # Errors
//
// A handler returns a *UserError (Errorf, Sorry) for anything the member can
// fix or should know; the Router answers it ephemerally. Any other error is
// unexpected: it is logged with its detail and the member reads "Something
// went wrong". The store's domain errors become sentences in one place,
// storeError in errors.go: handlers pass it the error, what the member was
// doing and the facts its sentence names, and never write those sentences
// themselves.
//
// Wherever a command keeps less than it was given (the items of a list
// option, a club's checkpoints, a filter too long for its page buttons, a
// chart's top ten), its answer says what was kept; a page shows every
// entry it counts. Discord's own limits on a payload are fitted by package
// bot.
//
// # Ports
//
// Commands never see a storage engine. Store is the shelf ports they
// consume (shelf.Stories, Chapters, StoryFinder, Kudos, ReadingLists,
// Members, Recs, Clubs, Checkpoints, GuildSettings), and each family reaches
// only the ports it needs, through the fields of cmds (stories, kudos,
// lists, …). Discord is what they may do on Discord besides answering;
// fic.AO3Client looks up AO3 links; package fic and fic/passage do the text
// work (imports, sentences, passages). Checkpoints is the source of club
// checkpoint announcements that the bot's scheduler runs.
package commands
