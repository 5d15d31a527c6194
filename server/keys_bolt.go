package server

import (
	"encoding/json"
	"slices"
	"strings"
)

// The SSH keys bucket of the server's bbolt file, made by the first key
// stored:
//
//	ssh_keys/<fingerprint>  JSON SSHKey ("SHA256:..." as ssh-keygen -l prints it)
//
// A user's keys are found by scanning it: a team holds a few keys each.
var bSSHKeys = []byte("ssh_keys")

func (t *boltTx) SSHKey(fingerprint string) (SSHKey, bool, error) {
	var k SSHKey
	b := t.tx.Bucket(bSSHKeys)
	if b == nil {
		return k, false, nil
	}
	v := b.Get([]byte(fingerprint))
	if v == nil {
		return k, false, nil
	}
	return k, true, json.Unmarshal(v, &k)
}

func (t *boltTx) PutSSHKey(k SSHKey) error {
	b, err := t.bucketW(bSSHKeys)
	if err != nil {
		return err
	}
	data, err := json.Marshal(k)
	if err != nil {
		return err
	}
	return b.Put([]byte(k.Fingerprint), data)
}

func (t *boltTx) DeleteSSHKey(fingerprint string) error {
	b := t.tx.Bucket(bSSHKeys)
	if b == nil {
		return nil
	}
	return b.Delete([]byte(fingerprint))
}

func (t *boltTx) SSHKeys(user string) ([]SSHKey, error) {
	var out []SSHKey
	b := t.tx.Bucket(bSSHKeys)
	if b == nil {
		return out, nil
	}
	err := b.ForEach(func(_, v []byte) error {
		var k SSHKey
		if err := json.Unmarshal(v, &k); err != nil {
			return err
		}
		if user == "" || k.User == user {
			out = append(out, k)
		}
		return nil
	})
	sortKeys(out)
	return out, err
}

// sortKeys orders keys oldest first, then by fingerprint.
func sortKeys(keys []SSHKey) {
	slices.SortFunc(keys, func(a, b SSHKey) int {
		if c := a.Added.Compare(b.Added); c != 0 {
			return c
		}
		return strings.Compare(a.Fingerprint, b.Fingerprint)
	})
}
