// Package shelf is the contract of Ficshelf's storage: the domain types a
// server's library is made of (stories and their chapters, kudos, reading
// lists, recommendations, reading clubs, settings), the errors the store
// returns, and the interfaces commands and background jobs consume.
//
// No engine lives here. Two engines keep the contract: store/bolt, the
// embedded BoltDB file (one process, the default), and store/postgres, a
// PostgreSQL database any number of processes share. The conformance suite
// in package storetest runs the same tests against both; a behaviour that
// commands rely on belongs in that suite.
//
// # Rules every engine keeps
//
//   - Every method takes a context and runs in one transaction: it either
//     happens whole or not at all. A method returning nil has made its write
//     durable (fsynced, or committed by PostgreSQL) before it returns.
//   - IDs cross the interface as decimal strings: Discord snowflakes for
//     guilds, users, channels and messages; story, rec, request and club IDs
//     are positive integers an engine assigns per guild, kept across
//     "ficshelf copy". A malformed ID fails with ErrInvalidID.
//   - One guild never sees another's data: every method is scoped by its
//     guild argument, and a record of another guild is ErrNotFound.
//   - Counters equal their records (a story's Kudos and Readers), also
//     under concurrent writers in several processes.
//   - Errors wrap the sentinels below; test with errors.Is. Commands turn
//     them into sentences (commands/errors.go); anything else is a failure
//     the member sees as "Something went wrong".
package shelf
