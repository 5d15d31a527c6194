package jsonpack

// keys is the frozen table of object keys written as one byte: key token
// 2+i stands for keys[i]. It is part of format version 1, so it is
// append-only: an entry may never be removed, changed or moved, or books
// already written would read back with other keys. New keys go at the end
// (254 fit in a byte; the first 190 are the json names of model's and
// server's types when the format was made, sorted, then the items of
// model.DefaultScreening, the keys of every lead's screening). A key that
// is not here is written as a literal: its length, plus one or two bytes.
var keys = [...]string{
	"action", "actor", "added", "address", "after_sales", "amount",
	"approval", "approvers", "assignee", "assignees", "at", "author",
	"backend", "bad", "base", "by", "bytes", "changes", "channel",
	"channels", "city", "code", "comment", "company", "contact",
	"contacts", "contract", "count", "counter", "created", "created_at",
	"created_by", "currency", "cursor", "custom", "database",
	"decisions", "deleted", "deleted_at", "delivery_date", "description",
	"detail", "device", "disabled", "discount_pct", "done", "done_at",
	"dropped", "due", "email", "ended_at", "entity", "entry", "epoch",
	"expected_close", "expires", "f", "feedback", "field", "fields",
	"fingerprint", "from", "handoff", "head", "history", "hlc", "id",
	"industry", "kept", "key", "kind", "label_en", "label_zh", "lead",
	"lead_id", "limit", "line", "lost_reason", "max", "max_discount_pct",
	"message", "min_value", "more", "name", "negotiation", "new_user",
	"next_due", "next_step", "node", "note", "notes", "number",
	"old_epoch", "op", "op_id", "opened_at", "ops", "ops_checked",
	"orphan_count", "orphans", "outcome", "owner", "payment_terms",
	"phone", "price", "pricing", "probability", "problems", "products",
	"quarantined", "quarter", "queue", "reason", "reasons", "rebuilt",
	"records", "records_checked", "region", "remove", "repairs",
	"requested_at", "requested_by", "resolution", "results", "revisions",
	"revoked", "role", "rotate", "rotting_days", "scanned", "schema",
	"screening", "seq", "service_assignee", "service_due_days",
	"service_id", "service_terms", "services", "set_by", "setting",
	"severity", "signed_off_at", "signed_off_by", "signed_on", "size",
	"snoozed_until", "solution", "source", "stage", "stage_entered_at",
	"stage_log", "stages", "stamps", "started_at", "state", "status",
	"stopped", "stored", "supply_plan", "support_assignee",
	"support_task", "tags", "target", "terminal", "terms", "text",
	"time", "title", "token", "token_id", "token_ttl", "tokens",
	"trashed", "ttl", "type", "unchanged", "updated_at", "used",
	"used_from", "user", "users", "value", "values", "verdict",
	"version", "wall_ms", "warnings", "won_count", "won_value", "year",
	"budget", "decision_maker", "fit", "need", "timeline",
}

// keyJSON holds each table key as Unpack writes it: quoted, with its colon.
var keyJSON = func() (t [len(keys)][]byte) {
	for i, k := range keys {
		t[i] = []byte(`"` + k + `":`)
	}
	return t
}()

// keySlots finds a key's table index (plus one; 0 is empty) by keyHash,
// probing on: cheaper than a map, which hashes the whole key.
var keySlots = func() (t [1 << keyBits]uint8) {
	for i, k := range keys {
		h := keyHash([]byte(k))
		for t[h] != 0 {
			h = (h + 1) & (1<<keyBits - 1)
		}
		t[h] = uint8(i + 1)
	}
	return t
}()

const keyBits = 9

func keyHash(k []byte) uint32 { return sample(k) >> (32 - keyBits) }

// sample mixes four bytes of k, its first, middle and last, and its
// length: they tell the table's keys apart, and string tokens, whose first
// byte says their kind and length, differ at the end or in the middle. k
// is not empty.
func sample(k []byte) uint32 {
	n := len(k)
	return (uint32(k[0]) | uint32(k[n/2])<<8 | uint32(k[n-1])<<16 | uint32(n)<<24) * 0x9e3779b1
}

// keyIndex returns k's index in keys, or -1.
func keyIndex(k []byte) int {
	if len(k) == 0 {
		return -1
	}
	h := keyHash(k)
	for {
		e := keySlots[h]
		if e == 0 {
			return -1
		}
		if keys[e-1] == string(k) {
			return int(e - 1)
		}
		h = (h + 1) & (1<<keyBits - 1)
	}
}
