package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fieldcrm/fieldcrm/model"
)

// tokenPrefix marks fieldcrm tokens, so a leaked one is recognisable.
const tokenPrefix = "fcrm_"

// ErrBadToken is returned for a missing, unknown or revoked token; the
// message is the same for all three so a caller learns nothing.
var ErrBadToken = errors.New("the token is not valid (unknown or revoked); ask your administrator for a new one")

// newToken returns a fresh secret and its stored form.
func newToken(user string, now func() (t Token)) (string, Token, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", Token{}, fmt.Errorf("make token: %w", err)
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	tok := now()
	tok.Hash = sha256.Sum256([]byte(secret))
	tok.ID = hex.EncodeToString(tok.Hash[:4])
	tok.User = user
	return secret, tok, nil
}

// Authenticate returns the user a bearer token belongs to. The stored hash
// is compared in constant time (the lookup by hash already makes timing
// useless to an attacker; the compare keeps it so if storage changes).
func (s *Service) Authenticate(ctx context.Context, secret string) (User, error) {
	if !strings.HasPrefix(secret, tokenPrefix) || len(secret) > 100 {
		return User{}, ErrBadToken
	}
	h := sha256.Sum256([]byte(secret))
	var u User
	err := s.Store.View(ctx, func(tx Tx) error {
		tok, ok, err := tx.Token(h)
		if err != nil {
			return err
		}
		if !ok || subtle.ConstantTimeCompare(tok.Hash[:], h[:]) != 1 || !tok.Revoked.IsZero() {
			return ErrBadToken
		}
		u, ok, err = tx.User(tok.User)
		if err != nil {
			return err
		}
		if !ok {
			return ErrBadToken
		}
		return nil
	})
	return u, err
}

// AddUser creates a user with a role and returns a first token for them.
func (s *Service) AddUser(ctx context.Context, name, role string) (string, error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	if !slices.Contains(Roles, role) {
		return "", fmt.Errorf("role %q is not one of rep, manager, support", role)
	}
	var secret string
	err := s.Store.Update(ctx, func(tx Tx) error {
		if _, ok, err := tx.User(name); err != nil {
			return err
		} else if ok {
			return fmt.Errorf("%w: %s", ErrUserExists, name)
		}
		if err := tx.PutUser(User{Name: name, Role: role, Created: s.now().UTC()}); err != nil {
			return err
		}
		var tok Token
		var err error
		secret, tok, err = newToken(name, func() Token { return Token{Created: s.now().UTC()} })
		if err != nil {
			return err
		}
		return tx.PutToken(tok)
	})
	return secret, err
}

// AddToken returns a new token for another device of an existing user.
func (s *Service) AddToken(ctx context.Context, name string) (string, error) {
	var secret string
	err := s.Store.Update(ctx, func(tx Tx) error {
		if _, ok, err := tx.User(name); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("%w: %s", ErrNoUser, name)
		}
		var tok Token
		var err error
		secret, tok, err = newToken(name, func() Token { return Token{Created: s.now().UTC()} })
		if err != nil {
			return err
		}
		return tx.PutToken(tok)
	})
	return secret, err
}

// UserInfo is a user with their tokens, for `admin user list`.
type UserInfo struct {
	User
	Tokens []Token `json:"tokens"`
	// Stored is the bytes of the user's ops in the log, what the quota
	// counts.
	Stored int64 `json:"stored"`
}

// Users lists the users and their tokens (ids only).
func (s *Service) Users(ctx context.Context) ([]UserInfo, error) {
	var out []UserInfo
	err := s.Store.View(ctx, func(tx Tx) error {
		users, err := tx.Users()
		if err != nil {
			return err
		}
		toks, err := tx.Tokens()
		if err != nil {
			return err
		}
		for _, u := range users {
			ui := UserInfo{User: u, Tokens: []Token{}}
			if ui.Stored, err = tx.Usage(u.Name); err != nil {
				return err
			}
			for _, t := range toks {
				if t.User == u.Name {
					ui.Tokens = append(ui.Tokens, t)
				}
			}
			out = append(out, ui)
		}
		return nil
	})
	return out, err
}

// RevokeTokens revokes a user's tokens: the one with id tokenID, or all
// when tokenID is empty. It returns how many were revoked. Revocation
// takes effect at the next request.
func (s *Service) RevokeTokens(ctx context.Context, name, tokenID string) (int, error) {
	n := 0
	err := s.Store.Update(ctx, func(tx Tx) error {
		if _, ok, err := tx.User(name); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("%w: %s", ErrNoUser, name)
		}
		toks, err := tx.Tokens()
		if err != nil {
			return err
		}
		for _, t := range toks {
			if t.User != name || !t.Revoked.IsZero() || (tokenID != "" && t.ID != tokenID) {
				continue
			}
			t.Revoked = s.now().UTC()
			if err := tx.PutToken(t); err != nil {
				return err
			}
			n++
		}
		if n == 0 && tokenID != "" {
			return fmt.Errorf("%s has no active token %s", name, tokenID)
		}
		return nil
	})
	return n, err
}

// AssignLead makes user the owner of a lead, as a manager's change: an op
// in the log with a clock later than the owner's current stamp, so every
// replica takes it, and the lead moves from the old owner's laptop to the
// new one's on their next sync.
func (s *Service) AssignLead(ctx context.Context, lead, user string) (uint64, error) {
	var seq uint64
	err := s.Store.Update(ctx, func(tx Tx) error {
		if _, ok, err := tx.User(user); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("%w: %s", ErrNoUser, user)
		}
		ref := model.EntityRef{Type: model.TypeLead, ID: lead}
		rec, ok, err := tx.Record(ref)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("lead %s does not exist on the server", lead)
		}
		if jsonIs(rec.Fields["owner"], user) {
			return fmt.Errorf("lead %s already belongs to %s; nothing changed", lead, user)
		}
		now := s.now().UnixMilli()
		h := model.HLC{Wall: now, Node: "server"}
		last := rec.StampOf("owner").HLC
		switch {
		case last.Wall >= now && last.Counter >= model.MaxCounter:
			h = model.HLC{Wall: last.Wall + 1, Node: "server"}
		case last.Wall >= now:
			h = model.HLC{Wall: last.Wall, Counter: last.Counter + 1, Node: "server"}
		}
		owner, _ := json.Marshal(user)
		op := model.Op{ID: model.NewID(), Entity: ref, Kind: model.OpSet, Fields: map[string]json.RawMessage{"owner": owner},
			HLC: h, Actor: model.Actor{User: "admin", Device: "server"}, Schema: model.CurrentSchema}
		before := map[string]*seenBy{}
		admin := User{Name: "admin", Role: RoleManager}
		seq, err = s.apply(tx, admin, op, before)
		if err != nil {
			return err
		}
		return s.logVisibility(tx, before)
	})
	return seq, err
}

func checkName(name string) error {
	if name == "" || len(name) > 64 {
		return errors.New("a user name must be 1 to 64 characters")
	}
	for _, r := range name {
		if r <= ' ' || r == 0x7f || r == '/' || r == '"' || r == '\\' {
			return fmt.Errorf("user name %q may not contain spaces, quotes, slashes or control characters", name)
		}
	}
	return nil
}
