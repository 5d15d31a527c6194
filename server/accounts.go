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
	"time"

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

// AccountTx is what accounts need of a storage transaction beyond users
// and tokens: kept apart from them so that a user's or a token's row
// need not change shape on either backend. Tx includes it.
type AccountTx interface {
	// Standing returns when user was disabled and when the token with
	// hash expires; the zero time means not disabled, never expires.
	Standing(user string, hash [32]byte) (disabled, expires time.Time, err error)
	// SetDisabled disables user at the time given, or enables them
	// again with the zero time.
	SetDisabled(user string, at time.Time) error
	// SetTokenExpiry makes the token with hash stop working at at.
	SetTokenExpiry(hash [32]byte, at time.Time) error
	// AccountStates returns every disabled user and every token expiry.
	AccountStates() (disabled map[string]time.Time, expires map[[32]byte]time.Time, err error)

	// Invite returns the invitation whose code hashes to hash.
	Invite(hash [32]byte) (Invite, bool, error)
	// PutInvite stores a new invitation.
	PutInvite(inv Invite) error
	// UseInvite marks an unused invitation used; ok is false when it was
	// used already, so two redemptions cannot both win.
	UseInvite(hash [32]byte, at time.Time, from string) (ok bool, err error)
	// Invites lists the invitations, oldest first.
	Invites() ([]Invite, error)

	// AppendAudit adds an entry to the audit log.
	AppendAudit(e AuditEntry) error
	// Audit returns the newest limit entries of the audit log (all when
	// limit <= 0), oldest first.
	Audit(limit int) ([]AuditEntry, error)

	// SetEpoch renames the server's history (see Epoch): every client
	// pulls from scratch and resends what the server lacks.
	SetEpoch(epoch string) error
}

// accountError refuses a valid token: its message says why, and it counts
// as ErrBadToken (a 401, a failed sign-in) wherever that is tested.
type accountError string

func (e accountError) Error() string        { return string(e) }
func (e accountError) Is(target error) bool { return target == ErrBadToken }

// ErrDisabled refuses every token of a disabled user.
const ErrDisabled = accountError("your account is disabled; ask your administrator")

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
		disabled, expires, err := tx.Standing(u.Name, h)
		switch {
		case err != nil:
			return err
		case !disabled.IsZero():
			return ErrDisabled
		case !expires.IsZero() && !s.now().Before(expires):
			return accountError(fmt.Sprintf("this device's token expired at %s; ask your administrator for a new one and run 'fieldcrm login'",
				expires.UTC().Format(time.DateTime+" UTC")))
		}
		return nil
	})
	return u, err
}

// TokenRequest asks IssueToken for a token.
type TokenRequest struct {
	User string `json:"user"`
	// Role, for a new user (NewUser), is their role.
	Role    string `json:"role,omitempty"`
	NewUser bool   `json:"new_user,omitempty"`
	// Rotate revokes the user's active tokens (only TokenID's when set)
	// in the transaction that issues the new one.
	Rotate  bool   `json:"rotate,omitempty"`
	TokenID string `json:"token_id,omitempty"`
	// Expires, when positive, is how long the token works.
	Expires time.Duration `json:"expires,omitempty"`
}

// Issued is a token IssueToken made, shown once.
type Issued struct {
	User    string    `json:"user"`
	Role    string    `json:"role"`
	Token   string    `json:"token"`
	TokenID string    `json:"token_id"`
	Expires time.Time `json:"expires,omitzero"`
	Revoked int       `json:"revoked,omitempty"`
}

// IssueToken creates a user (NewUser) or gives an existing one another
// token, or a replacement (Rotate), and records it in the audit log.
func (s *Service) IssueToken(ctx context.Context, req TokenRequest) (Issued, error) {
	if req.NewUser {
		if err := checkName(req.User); err != nil {
			return Issued{}, err
		}
		if !slices.Contains(Roles, req.Role) {
			return Issued{}, fmt.Errorf("role %q is not one of %s", req.Role, RoleList())
		}
	}
	if req.Expires < 0 {
		return Issued{}, errors.New("a token's expiry must be a positive duration, such as 720h")
	}
	var out Issued
	err := s.Store.Update(ctx, func(tx Tx) error {
		out = Issued{User: req.User}
		u, ok, err := tx.User(req.User)
		switch {
		case err != nil:
			return err
		case ok && req.NewUser:
			return fmt.Errorf("%w: %s", ErrUserExists, req.User)
		case !ok && !req.NewUser:
			return fmt.Errorf("%w: %s", ErrNoUser, req.User)
		case !ok:
			u = User{Name: req.User, Role: req.Role, Created: s.now().UTC()}
			if err := tx.PutUser(u); err != nil {
				return err
			}
		}
		out.Role = u.Role
		if req.Rotate {
			if out.Revoked, err = s.revoke(tx, u.Name, req.TokenID); err != nil {
				return err
			}
		}
		if out.Token, out.TokenID, out.Expires, err = s.storeToken(tx, u.Name, req.Expires); err != nil {
			return err
		}
		action, detail := "token.add", "token "+out.TokenID
		switch {
		case req.NewUser:
			action, detail = "user.add", "role "+u.Role+", token "+out.TokenID
		case req.Rotate:
			action, detail = "token.rotate", fmt.Sprintf("token %s replaces %d revoked", out.TokenID, out.Revoked)
		}
		if !out.Expires.IsZero() {
			detail += ", expires " + out.Expires.Format(time.RFC3339)
		}
		return s.audit(ctx, tx, action, u.Name, detail)
	})
	return out, err
}

// storeToken stores a fresh token for user, expiring after ttl when ttl > 0.
func (s *Service) storeToken(tx Tx, user string, ttl time.Duration) (secret, id string, expires time.Time, err error) {
	now := s.now().UTC()
	secret, tok, err := newToken(user, func() Token { return Token{Created: now} })
	if err != nil {
		return "", "", time.Time{}, err
	}
	if err := tx.PutToken(tok); err != nil {
		return "", "", time.Time{}, err
	}
	if ttl > 0 {
		expires = now.Add(ttl).Truncate(time.Second)
		if err := tx.SetTokenExpiry(tok.Hash, expires); err != nil {
			return "", "", time.Time{}, err
		}
	}
	return secret, tok.ID, expires, nil
}

// AddUser creates a user with a role and returns a first token for them.
func (s *Service) AddUser(ctx context.Context, name, role string) (string, error) {
	is, err := s.IssueToken(ctx, TokenRequest{User: name, Role: role, NewUser: true})
	return is.Token, err
}

// AddToken returns a new token for another device of an existing user.
func (s *Service) AddToken(ctx context.Context, name string) (string, error) {
	is, err := s.IssueToken(ctx, TokenRequest{User: name})
	return is.Token, err
}

// UserInfo is a user with their tokens, for `admin user list`.
type UserInfo struct {
	User
	Disabled time.Time   `json:"disabled,omitzero"`
	Tokens   []TokenInfo `json:"tokens"`
	// Stored is the bytes of the user's ops in the log, what the quota
	// counts.
	Stored int64 `json:"stored"`
}

// TokenInfo is a token as listed: its id, dates and expiry.
type TokenInfo struct {
	Token
	Expires time.Time `json:"expires,omitzero"`
}

// Users lists the users and their tokens (ids only).
func (s *Service) Users(ctx context.Context) ([]UserInfo, error) {
	var out []UserInfo
	err := s.Store.View(ctx, func(tx Tx) error {
		out = nil
		users, err := tx.Users()
		if err != nil {
			return err
		}
		toks, err := tx.Tokens()
		if err != nil {
			return err
		}
		disabled, expires, err := tx.AccountStates()
		if err != nil {
			return err
		}
		for _, u := range users {
			ui := UserInfo{User: u, Disabled: disabled[u.Name], Tokens: []TokenInfo{}}
			if ui.Stored, err = tx.Usage(u.Name); err != nil {
				return err
			}
			for _, t := range toks {
				if t.User == u.Name {
					ui.Tokens = append(ui.Tokens, TokenInfo{Token: t, Expires: expires[t.Hash]})
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
		var err error
		if n, err = s.revoke(tx, name, tokenID); err != nil {
			return err
		}
		return s.audit(ctx, tx, "token.revoke", name, fmt.Sprintf("%d token(s) %s", n, tokenID))
	})
	return n, err
}

// revoke revokes name's active tokens, or the one with id tokenID.
func (s *Service) revoke(tx Tx, name, tokenID string) (int, error) {
	toks, err := tx.Tokens()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, t := range toks {
		if t.User != name || !t.Revoked.IsZero() || (tokenID != "" && t.ID != tokenID) {
			continue
		}
		t.Revoked = s.now().UTC()
		if err := tx.PutToken(t); err != nil {
			return 0, err
		}
		n++
	}
	if n == 0 && tokenID != "" {
		return 0, fmt.Errorf("%s has no active token %s", name, tokenID)
	}
	return n, nil
}

// SetDisabled disables a user, or enables them again. A disabled user's
// tokens are refused from the next request on, on every server over the
// storage; their leads, activities and history stay as they are.
func (s *Service) SetDisabled(ctx context.Context, name string, disabled bool) error {
	return s.Store.Update(ctx, func(tx Tx) error {
		if _, ok, err := tx.User(name); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("%w: %s", ErrNoUser, name)
		}
		was, _, err := tx.Standing(name, [32]byte{})
		if err != nil {
			return err
		}
		switch {
		case disabled && !was.IsZero():
			return fmt.Errorf("%s is already disabled (since %s)", name, was.Format(time.DateTime))
		case !disabled && was.IsZero():
			return fmt.Errorf("%s is not disabled", name)
		}
		at, action := time.Time{}, "user.enable"
		if disabled {
			at, action = s.now().UTC(), "user.disable"
		}
		if err := tx.SetDisabled(name, at); err != nil {
			return err
		}
		return s.audit(ctx, tx, action, name, "")
	})
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
		if model.JSONTextIs(rec.Fields["owner"], user) {
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
		if err := s.logVisibility(tx, before); err != nil {
			return err
		}
		return s.audit(ctx, tx, "lead.assign", user, "lead "+lead)
	})
	return seq, err
}

// CheckUserName says what is wrong with a user name, or nil: the rule
// every account's name follows, for a laptop to check a name it is given
// before it writes it.
func CheckUserName(name string) error { return checkName(name) }

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
