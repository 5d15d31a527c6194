// Package report computes the figures of the plans-and-performance
// reports from a book: progress against target, the funnel, the weighted
// forecast, channel yield, activity per rep and week, lost reasons,
// commission estimates, approval turnaround and open service work. Every function here is pure over a Book, which
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
//   - An approval request counts in the period it was asked in, where it
//     stands now: its rep is who asked; its approver, who gave the
//     decision in force (the greatest stamp, model.Approval.Decision);
//     its turnaround, the hours from asking to that decision. The p90 is
//     the nearest rank: the smallest figure at least 90% are at or below.
//   - Service work is what is open now (open or scheduled), whatever the
//     period: an order's age is whole days since it was created, overdue
//     when its due day is before today; one rep's figures are the
//     accounts they own and the orders assigned to them.
//   - Amounts are summed in minor units as they are; a book in several
//     currencies is not converted (the currency shown is the book's most
//     common one).
package report
