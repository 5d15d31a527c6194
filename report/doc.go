// Package report computes the figures of the plans-and-performance
// reports from a book: progress against target, the funnel, the weighted
// forecast, channel yield, activity per rep and week, lost reasons and
// commission estimates. Every function here is pure over a Book, which
// Load reads from the store in one short read transaction; chart.go draws
// bars and sparklines as plain strings that the CLI and the UI share.
//
// Conventions, so that every figure can be checked by hand:
//   - A lead's rep is its owner; an activity's rep is its author.
//   - A lead is won in a period when its contract was signed in it (the
//     day it entered "won" when no signing day is recorded).
//   - A lead reached a stage in a period when it first entered that stage
//     or a later one (skipping a stage passes through it) within the
//     period. "lost" is counted apart, not as a stage of the funnel.
//   - Days in a stage are measured on completed stays: from entering a
//     stage to entering the next one, for stays that began in the period.
//   - Leads in a stage the pipeline no longer has are never dropped: they
//     are counted in an "unknown stage" group.
//   - Amounts are summed in minor units as they are; a book in several
//     currencies is not converted (the currency shown is the book's most
//     common one).
package report
