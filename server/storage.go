package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
)

// Roles, as the company's rules name them (docs/server.md, "Roles"; what
// each sees and may change: roles.go).
const (
	RoleRep        = "rep"        // sales: the leads they own or are assigned to
	RoleManager    = "manager"    // every lead, and who owns it
	RoleLeadership = "leadership" // every lead, to review; writes notes only
	RoleSupport    = "support"    // assigned leads from the solution stage on
	RoleAftersales = "aftersales" // assigned leads once won
)

// Roles lists the roles a user may have.
var Roles = []string{RoleRep, RoleManager, RoleLeadership, RoleSupport, RoleAftersales}

// RoleList is Roles for a message: "rep, manager, leadership, support or
// aftersales".
func RoleList() string {
	return strings.Join(Roles[:len(Roles)-1], ", ") + " or " + Roles[len(Roles)-1]
}

// User is an account on the server.
type User struct {
	Name    string    `json:"name"`
	Role    string    `json:"role"`
	Created time.Time `json:"created"`
}

// Token is one device's credential. Only the SHA-256 of the secret is kept.
type Token struct {
	Hash    [32]byte  `json:"-"`
	ID      string    `json:"id"` // short, printable, to revoke one device
	User    string    `json:"user"`
	Created time.Time `json:"created"`
	Revoked time.Time `json:"revoked,omitzero"`
}

// Log entry kinds. An op entry is a change pushed by a client; grant and
// revoke say that User gained or lost sight of Lead, so that a pull can
// send the lead's full state or a remove at the right place in the log.
const (
	EntryOp     = "op"
	EntryGrant  = "grant"
	EntryRevoke = "revoke"
)

// LogEntry is one element of the commit-ordered log.
type LogEntry struct {
	Seq  uint64
	Kind string
	Lead string // the lead the entity belongs to
	User string // grant, revoke
	// Op is the op (Append takes it); Scan gives its JSON in Raw
	// instead, so a pull can pass it on without decoding it.
	Op  *model.Op
	Raw json.RawMessage
	// Packed is jsonpack.Pack of Raw, when Append's caller packed it
	// already (readOps, on every core); Append packs Raw itself without.
	// ScanPacked gives the op in it, as stored, and no Raw.
	Packed []byte
	// OwnRaw says Raw is the entry's own copy, which fn may keep (bbolt
	// unpacks each entry into a new slice): a pull then does not copy it.
	OwnRaw bool
	// Slots is how many seqs just below Seq a grant or revoke keeps free
	// (Append reserves VisibilitySlots of them; entries written before
	// that have none). No entry ever takes them: a pull that sends the
	// lead's records over several pages answers a cursor among them to
	// say how far into the entry it got (see Service.Pull).
	Slots uint64
}

// VisibilitySlots is how many seqs Append keeps free below each grant and
// revoke: a pull can stop inside such an entry after any of its first
// VisibilitySlots records. Seqs are 64-bit, so even at a million per
// entry they last for billions of reassignments.
const VisibilitySlots = 1 << 20

// DecodeOp returns the entry's op, decoding Raw when needed.
func (e *LogEntry) DecodeOp() (*model.Op, error) {
	if e.Op != nil || e.Raw == nil {
		return e.Op, nil
	}
	var op model.Op
	if err := json.Unmarshal(e.Raw, &op); err != nil {
		return nil, fmt.Errorf("log entry %d: %w", e.Seq, err)
	}
	return &op, nil
}

// Storage keeps the server's state: users, token hashes, the op log with
// its commit-ordered seq, and the merged record of every entity. Every
// method of Tx runs inside one transaction: Update commits all of fn's
// writes together or none. Implementations: bbolt (NewBoltStorage) and,
// for several server processes, a database whose Update serialises seq
// assignment (a counter row locked in the transaction, DESIGN.md §7).
type Storage interface {
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(Tx) error) error
	// Update runs fn in a read-write transaction.
	Update(ctx context.Context, fn func(Tx) error) error
	// Close releases the storage.
	Close() error
}

// Tx is one transaction on the server's storage.
type Tx interface {
	// Epoch names this server's history; it changes only when the data
	// is replaced (a restore), and clients then resync from scratch.
	Epoch() (string, error)

	User(name string) (User, bool, error)
	PutUser(u User) error
	Users() ([]User, error)
	Token(hash [32]byte) (Token, bool, error)
	PutToken(t Token) error
	Tokens() ([]Token, error)

	// Record returns an entity's merged state; ok is false when absent.
	Record(ref model.EntityRef) (rec *model.Record, ok bool, err error)
	PutRecord(ref model.EntityRef, rec *model.Record) error
	// Children lists the activities, tasks and complaints under a lead.
	Children(lead string) ([]model.EntityRef, error)
	// ChildRecords returns the records of the lead's children of the
	// given types (one query on PostgreSQL, where Record is one each).
	ChildRecords(lead string, types ...string) (map[model.EntityRef]*model.Record, error)
	AddChild(lead string, ref model.EntityRef) error

	// Visible reports whether user is the owner or an assignee of lead,
	// from an index kept by SetVisible (managers see all without it).
	Visible(user, lead string) (bool, error)
	// VisibleToAny reports whether any of users may see lead: a support
	// or after-sales user sees under their name and their queue's
	// (model.QueueName), which the index keeps like a user.
	VisibleToAny(users []string, lead string) (bool, error)
	// SetVisible updates that index when a lead's owner or assignees
	// change: users in remove lose sight, users in add gain it.
	SetVisible(lead string, remove, add []string) error

	// OpSeq returns the seq an op id was applied at; ok is false when
	// the op was never applied.
	OpSeq(opID string) (seq uint64, ok bool, err error)
	// Append adds e to the log at the next seq and returns it; op
	// entries also record their op id for OpSeq, and add the size of
	// their stored JSON to the usage of the op's actor. A grant or revoke
	// is numbered VisibilitySlots above the previous seq (see Slots).
	Append(e LogEntry) (uint64, error)
	// Usage returns the bytes of op JSON in the log whose actor is user,
	// counting this transaction's appends.
	Usage(user string) (int64, error)
	// Head returns the highest seq in the log (0 when empty).
	Head() (uint64, error)
	// Scan calls fn for the log entries after seq `after`, in order,
	// until fn returns false or the log ends. An entry's Raw is valid
	// only during the call, unless OwnRaw: copy it to keep it.
	Scan(after uint64, fn func(LogEntry) (bool, error)) error
	// ScanPacked is Scan with each op as stored: in Packed (jsonpack's
	// form, or JSON stored before packing), the entry's own copy, and
	// Raw nil. A pull passes ops on packed (pull.go).
	ScanPacked(after uint64, fn func(LogEntry) (bool, error)) error

	// RepairTx: quarantined entries and whole-store record scans, for
	// operator repair (repair.go).
	RepairTx
	// AccountTx: disabled users, token expiry, invitations, the audit
	// log and the epoch (accounts.go).
	AccountTx
	// SettingsTx: the company settings' versions (settings.go).
	SettingsTx
	// KeysTx: users' SSH public keys (keys.go).
	KeysTx
}

// Sentinel errors.
var (
	ErrNoUser     = errors.New("no such user")
	ErrUserExists = errors.New("user already exists")
)
