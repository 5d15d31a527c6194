package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// SSHKey is a user's SSH public key, for the SSH front (package sshd):
// the key a session authenticates with names its user. A key belongs to
// exactly one user, so a fingerprint alone says who connects.
type SSHKey struct {
	// Fingerprint is the key's SHA256 fingerprint as ssh-keygen -l
	// prints it ("SHA256:" and unpadded base64): the key's name here.
	Fingerprint string    `json:"fingerprint"`
	User        string    `json:"user"`
	Type        string    `json:"type"`              // ssh-ed25519, ssh-rsa, ...
	Key         string    `json:"key"`               // the authorized_keys form, without comment
	Comment     string    `json:"comment,omitempty"` // as the .pub file had it
	Added       time.Time `json:"added"`
}

// KeysTx is what SSH keys need of a storage transaction; Tx includes it.
type KeysTx interface {
	// SSHKey returns the key with a fingerprint; ok is false when none.
	SSHKey(fingerprint string) (k SSHKey, ok bool, err error)
	// PutSSHKey stores a key under its fingerprint.
	PutSSHKey(k SSHKey) error
	// DeleteSSHKey removes the key with a fingerprint.
	DeleteSSHKey(fingerprint string) error
	// SSHKeys lists user's keys, or every key when user is "", oldest first.
	SSHKeys(user string) ([]SSHKey, error)
}

// maxKeyLine bounds a public key line: an RSA key of 16,384 bits is
// about 2,800 characters.
const maxKeyLine = 8 << 10

// keyProblem is what is wrong with a key someone asked to add: their
// request's fault, not the server's.
type keyProblem string

func (e keyProblem) Error() string { return string(e) }

// ParseSSHKey reads one public key in the authorized_keys format (the
// first line of a .pub file that is not blank or a comment).
func ParseSSHKey(text []byte) (SSHKey, error) {
	if len(text) > maxKeyLine {
		return SSHKey{}, keyProblem(fmt.Sprintf("this is not an SSH public key: it is longer than %d bytes (give the .pub file, not the private key)", maxKeyLine))
	}
	if bytes.Contains(text, []byte("PRIVATE KEY")) {
		return SSHKey{}, keyProblem("this is a private key; give the public one (the .pub file beside it) and keep the private key to yourself")
	}
	pub, comment, _, _, err := gossh.ParseAuthorizedKey(text)
	if err != nil {
		return SSHKey{}, keyProblem("this is not an SSH public key; give a .pub file such as ~/.ssh/id_ed25519.pub (one line: type, key, comment)")
	}
	if _, ok := pub.(*gossh.Certificate); ok {
		return SSHKey{}, keyProblem("SSH certificates are not taken; give the plain public key")
	}
	return SSHKey{
		Fingerprint: gossh.FingerprintSHA256(pub),
		Type:        pub.Type(),
		Key:         strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pub))),
		Comment:     printableComment(comment),
	}, nil
}

// printableComment keeps a key's comment to one short printable line: it
// is shown in lists and the audit log.
func printableComment(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 100 {
		s = string(r[:100])
	}
	return s
}

// AddSSHKey registers a public key for a user. A key another user holds
// is refused: a key names one user.
func (s *Service) AddSSHKey(ctx context.Context, user string, text []byte) (SSHKey, error) {
	k, err := ParseSSHKey(text)
	if err != nil {
		return k, err
	}
	k.User, k.Added = user, s.now().UTC().Truncate(time.Second)
	err = s.Store.Update(ctx, func(tx Tx) error {
		if _, ok, err := tx.User(user); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("%w: %s", ErrNoUser, user)
		}
		old, ok, err := tx.SSHKey(k.Fingerprint)
		switch {
		case err != nil:
			return err
		case ok && old.User == user:
			return keyProblem(fmt.Sprintf("%s already has the key %s", user, k.Fingerprint))
		case ok:
			return keyProblem(fmt.Sprintf("the key %s belongs to another user; a key may name only one user, so make a new key pair (ssh-keygen -t ed25519)", k.Fingerprint))
		}
		if err := tx.PutSSHKey(k); err != nil {
			return err
		}
		return s.audit(ctx, tx, "key.add", user, k.Type+" "+k.Fingerprint)
	})
	return k, err
}

// RemoveSSHKey removes a user's key. Sessions opened with it end at the
// SSH front's next check (sshd: within seconds).
func (s *Service) RemoveSSHKey(ctx context.Context, user, fingerprint string) error {
	return s.Store.Update(ctx, func(tx Tx) error {
		k, ok, err := tx.SSHKey(fingerprint)
		if err != nil {
			return err
		}
		if !ok || k.User != user {
			return fmt.Errorf("%s has no key %s ('fieldcrm admin user key list %s' shows their keys)", user, fingerprint, user)
		}
		if err := tx.DeleteSSHKey(fingerprint); err != nil {
			return err
		}
		return s.audit(ctx, tx, "key.remove", user, k.Type+" "+k.Fingerprint)
	})
}

// SSHKeys lists a user's keys, oldest first.
func (s *Service) SSHKeys(ctx context.Context, user string) ([]SSHKey, error) {
	out := []SSHKey{}
	err := s.Store.View(ctx, func(tx Tx) error {
		if _, ok, err := tx.User(user); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("%w: %s", ErrNoUser, user)
		}
		keys, err := tx.SSHKeys(user)
		out = append(out[:0], keys...)
		return err
	})
	return out, err
}

// ErrUnknownKey refuses a key no user holds.
var ErrUnknownKey = errors.New("this SSH key is not registered; ask your administrator to add it ('fieldcrm admin user key add') or add it yourself with 'fieldcrm keys add'")

// KeyUser returns the user a public key belongs to: ErrUnknownKey when
// none holds it, ErrDisabled when they are disabled.
func (s *Service) KeyUser(ctx context.Context, pub gossh.PublicKey) (User, error) {
	fp := gossh.FingerprintSHA256(pub)
	want := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pub)))
	var u User
	err := s.Store.View(ctx, func(tx Tx) error {
		k, ok, err := tx.SSHKey(fp)
		if err != nil {
			return err
		}
		if !ok || k.Key != want { // the fingerprint is a hash: compare the key too
			return ErrUnknownKey
		}
		u, err = activeUser(tx, k.User)
		return err
	})
	return u, err
}

// ActiveUser returns the user called name, or ErrNoUser or ErrDisabled:
// for a caller that authenticated them another way than by token (the
// SSH front, which has checked their key).
func (s *Service) ActiveUser(ctx context.Context, name string) (User, error) {
	var u User
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		u, err = activeUser(tx, name)
		return err
	})
	return u, err
}

func activeUser(tx Tx, name string) (User, error) {
	u, ok, err := tx.User(name)
	if err != nil {
		return u, err
	}
	if !ok {
		return u, fmt.Errorf("%w: %s", ErrNoUser, name)
	}
	disabled, _, err := tx.Standing(name, [32]byte{})
	if err != nil {
		return u, err
	}
	if !disabled.IsZero() {
		return u, ErrDisabled
	}
	return u, nil
}

// KeyStanding says, for each fingerprint, whether its key still names an
// active user: the SSH front asks it for its open sessions, so a removed
// key or a disabled user ends them.
func (s *Service) KeyStanding(ctx context.Context, fingerprints []string) (map[string]bool, error) {
	out := make(map[string]bool, len(fingerprints))
	err := s.Store.View(ctx, func(tx Tx) error {
		for _, fp := range fingerprints {
			k, ok, err := tx.SSHKey(fp)
			if err != nil {
				return err
			}
			if !ok {
				out[fp] = false
				continue
			}
			_, err = activeUser(tx, k.User)
			switch {
			case err == nil:
				out[fp] = true
			case errors.Is(err, ErrDisabled) || errors.Is(err, ErrNoUser):
				out[fp] = false
			default:
				return err
			}
		}
		return nil
	})
	return out, err
}
