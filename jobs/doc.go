// Package jobs is Ficshelf's background work, done once per deployment
// (each runner under a Leased): club checkpoints, polls ending, reminders
// and scheduled events (Scheduler and its Sources), AO3 update checks and
// the alerts they record (UpdateChecker, Alerts), and persisted jobs that
// members start (JobRunner: reading-list imports and series links).
//
// The mechanics live here; what a member reads is written by package
// commands behind small interfaces (CheckpointWording, PollWording,
// ReminderWording, AlertWording, JobWording…), and what a persisted job's step does is its
// JobKind's. Test clocks are in jobs/jobstest.
package jobs
