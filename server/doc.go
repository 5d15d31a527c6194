// Package server is fieldcrm's central sync server: the HTTP API of
// DESIGN.md section 5 (push, pull, health), bearer-token accounts with
// roles, visibility by role and ownership, and its storage behind the
// Storage interface (bbolt by default).
//
// Every push applies its batch in one storage transaction; each applied op
// gets the next seq of the log in that transaction, so seq order is commit
// order and a cursor never skips an op that commits later. The server
// keeps the merged record of every entity, to authorise each op against
// the record before and after it and to send a lead's full state to a user
// who gains sight of it. Visibility changes are entries in the log too
// (grant, revoke), so each user's pull learns of them in order.
package server
