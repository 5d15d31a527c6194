package server

import (
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Account buckets of the server's bbolt file, made on first write (a file
// from before them reads as having none):
//
//	disabled/<user>            RFC 3339 time the user was disabled
//	token_expiry/<token hash>  RFC 3339 time the token stops working
//	invites/<sha256 of code>   JSON Invite
//	audit/<seq>                JSON AuditEntry; seq uint64 big-endian from
//	                           the bucket's NextSequence
var (
	bDisabled    = []byte("disabled")
	bTokenExpiry = []byte("token_expiry")
	bInvites     = []byte("invites")
	bAudit       = []byte("audit")
)

// bucketW returns the bucket name, creating it.
func (t *boltTx) bucketW(name []byte) (*bolt.Bucket, error) {
	return t.tx.CreateBucketIfNotExists(name)
}

func getTime(b *bolt.Bucket, key []byte) (time.Time, error) {
	if b == nil {
		return time.Time{}, nil
	}
	v := b.Get(key)
	if v == nil {
		return time.Time{}, nil
	}
	var at time.Time
	return at, at.UnmarshalText(v)
}

func putTime(b *bolt.Bucket, key []byte, at time.Time) error {
	if at.IsZero() {
		return b.Delete(key)
	}
	v, err := at.UTC().MarshalText()
	if err != nil {
		return err
	}
	return b.Put(key, v)
}

func (t *boltTx) Standing(user string, hash [32]byte) (disabled, expires time.Time, err error) {
	if disabled, err = getTime(t.tx.Bucket(bDisabled), []byte(user)); err != nil {
		return
	}
	expires, err = getTime(t.tx.Bucket(bTokenExpiry), hash[:])
	return
}

func (t *boltTx) SetDisabled(user string, at time.Time) error {
	b, err := t.bucketW(bDisabled)
	if err != nil {
		return err
	}
	return putTime(b, []byte(user), at)
}

func (t *boltTx) SetTokenExpiry(hash [32]byte, at time.Time) error {
	b, err := t.bucketW(bTokenExpiry)
	if err != nil {
		return err
	}
	return putTime(b, hash[:], at)
}

func (t *boltTx) AccountStates() (map[string]time.Time, map[[32]byte]time.Time, error) {
	disabled, expires := map[string]time.Time{}, map[[32]byte]time.Time{}
	if b := t.tx.Bucket(bDisabled); b != nil {
		err := b.ForEach(func(k, _ []byte) error {
			at, err := getTime(b, k)
			disabled[string(k)] = at
			return err
		})
		if err != nil {
			return nil, nil, err
		}
	}
	if b := t.tx.Bucket(bTokenExpiry); b != nil {
		err := b.ForEach(func(k, _ []byte) error {
			at, err := getTime(b, k)
			var h [32]byte
			copy(h[:], k)
			expires[h] = at
			return err
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return disabled, expires, nil
}

func (t *boltTx) Invite(hash [32]byte) (Invite, bool, error) {
	var inv Invite
	b := t.tx.Bucket(bInvites)
	if b == nil {
		return inv, false, nil
	}
	v := b.Get(hash[:])
	if v == nil {
		return inv, false, nil
	}
	if err := json.Unmarshal(v, &inv); err != nil {
		return inv, false, err
	}
	inv.Hash = hash
	return inv, true, nil
}

func (t *boltTx) PutInvite(inv Invite) error {
	b, err := t.bucketW(bInvites)
	if err != nil {
		return err
	}
	data, err := json.Marshal(inv)
	if err != nil {
		return err
	}
	return b.Put(inv.Hash[:], data)
}

func (t *boltTx) UseInvite(hash [32]byte, at time.Time, from string) (bool, error) {
	inv, ok, err := t.Invite(hash)
	if err != nil || !ok || !inv.Used.IsZero() {
		return false, err
	}
	inv.Used, inv.UsedFrom = at.UTC(), from
	return true, t.PutInvite(inv)
}

func (t *boltTx) Invites() ([]Invite, error) {
	var out []Invite
	b := t.tx.Bucket(bInvites)
	if b == nil {
		return out, nil
	}
	err := b.ForEach(func(k, v []byte) error {
		var inv Invite
		if err := json.Unmarshal(v, &inv); err != nil {
			return err
		}
		copy(inv.Hash[:], k)
		out = append(out, inv)
		return nil
	})
	sortInvites(out)
	return out, err
}

func (t *boltTx) AppendAudit(e AuditEntry) error {
	b, err := t.bucketW(bAudit)
	if err != nil {
		return err
	}
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return b.Put(be(seq), data)
}

func (t *boltTx) Audit(limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	b := t.tx.Bucket(bAudit)
	if b == nil {
		return out, nil
	}
	c := b.Cursor()
	for k, v := c.Last(); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Prev() {
		var e AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

func (t *boltTx) SetEpoch(epoch string) error { return t.tx.Bucket(bMeta).Put(kEpoch, []byte(epoch)) }
