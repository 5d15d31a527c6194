// Package store is fieldcrm's local replica: every lead, activity, task and
// complaint of the user's book in one bbolt file, with the indexes the
// screens need, the outbox of ops waiting to sync, and drafts of text being
// typed.
//
// The file is held only for the length of each transaction, so the CLI
// works while the terminal UI is open for hours; opening waits about a
// second for another process's transaction and then says which process
// holds the file.
//
// Beside the book (book.db):
//
//	book.db.lock                the lock processes take turns through (lock.go)
//	book.db.damaged             set once the book is found damaged: its size
//	                            and time; writes are refused while they match
//	                            (damaged.go; a repaired or restored book no
//	                            longer matches it)
//	backups/book.db.<date>.bak  a consistent copy after the first write of
//	                            each day, the newest 7 kept (autobackup.go)
//
// Bucket tree (keys are bytes; "|" below is a 0x00 separator; times in keys
// are 8-byte big-endian Unix milliseconds, so keys sort by time):
//
//	meta/
//	  schema_version            uint64, big-endian
//	  node                      this device's id, names its HLC stamps
//	  hlc                       JSON model.HLC: the last stamp issued or seen
//	  user                      who writes here (owner of new leads); once the
//	                            book is bound, its account's user
//	  company_settings          JSON CompanySettings: the server's company
//	                            settings as last fetched (settings.go)
//	  derived_behind            a Carry's token while a pull's run of
//	                            transactions holds its index, card and
//	                            search writes; absent otherwise (carry.go)
//	leads/<lead id>             the lead's fields (model.Lead)
//	                            (one in the trash: deleted and deleted_at, trash.go)
//	activities/<activity id>    model.Activity
//	tasks/<task id>             model.Task
//	complaints/<complaint id>   model.Complaint
//	approvals/<approval id>     model.Approval (approvals.go)
//	services/<service id>       model.ServiceOrder (services.go)
//	                            (each record's JSON, packed by jsonpack: the
//	                            same bytes back, about half the size; one
//	                            written before packing is its JSON, read as
//	                            it is; records.go)
//	stamps/
//	  <type>/<id>               binary: the record's merge state (base stamp,
//	                            per-field stamps, overwritten values;
//	                            encode.go; JSON in books before it), and
//	                            while its create waits in the outbox as a
//	                            reference, that reference's seq; the id
//	                            packed (stampKey; text before schema 16)
//	cards/<lead id>             binary card: what the board and today need of
//	                            a lead, derived from the lead, its newest
//	                            activity and its next open task
//	idx/
//	  lead_stage/<stage>|<lead id>           empty
//	  lead_short/<last 8 of lead id>|<lead id> empty (the last 8 as text)
//	  task_due/<YYYY-MM-DD>|<task id>        lead id, action (open tasks
//	                                         only; |queue for a queue's task)
//	  task_lead/<lead id><task id>           empty
//	                                         (these four and lead_touch: ids
//	                                         packed, appendID; text before
//	                                         schema 16, task_lead with a |)
//	  act_lead/<lead id><time><activity id>  empty
//	  act_facts/<time><activity id>          lead id, kind|author (the time
//	                                         index; schema 13 dropped act_time,
//	                                         whose keys were the same)
//	                                         (both: ids packed, appendID in
//	                                         search.go; text before schema 15)
//	  complaint_open/<lead id>|<complaint id> empty (open and in progress)
//	  visit_open/<activity id>               lead id (visits not checked out)
//	  lead_touch/<stage>|<last touch><lead id> empty (the time's sign bit
//	                                         flipped, so none sorts first)
//	  approval_lead/<lead id>|<approval id>  who asked
//	  approval_pending/<approval id>         lead id (no decision yet)
//	  service_lead/<lead id>|<service id>    empty
//	  service_open/<due or ~>|<service id>   lead id|assignee (open and
//	                                         scheduled orders)
//	outbox/<seq>                JSON model.Op, or a create whose record is
//	                            unchanged as a reference to it (outbox.go);
//	                            seq from NextSequence, big-endian
//	drafts/<draft id>           JSON Draft
//	sync/, rejected/            sync state, the account the book is bound to
//	                            and its role, and ops the server refused
//	                            (sync.go); a resend waiting after a server
//	                            restore, with what the server was seen to
//	                            have (resend.go); unsynced work handed to
//	                            another account, and its activities whose
//	                            act_facts entries wait to be settled
//	                            (adopt.go)
//	set_aside/<n>               JSON SetAside: changes from the server this
//	                            replica could not apply (pulled.go)
//	search/                     the full-text index of leads and activities:
//	                            postings, docs, ids, times, leads in the
//	                            trash (its tree is in search.go)
//
// Records are written only through ops: a local write diffs the new value
// against the stored one, stamps the changed fields with the HLC, applies
// the op through model.Record.Apply and appends it to the outbox, all in
// one transaction with the indexes. Remote ops take the same path without
// the outbox.
package store
