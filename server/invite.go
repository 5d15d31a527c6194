package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// An invitation lets a person sign in once, with a short code read out or
// typed, instead of a long-lived token pasted into chat: the code is
// exchanged for a token that only their laptop ever holds.

// Invite is an invitation as stored: only the SHA-256 of its code.
type Invite struct {
	Hash    [32]byte  `json:"-"`
	ID      string    `json:"id"` // short, printable, to name it in lists
	User    string    `json:"user"`
	Role    string    `json:"role"` // for a user who does not exist yet
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	// TokenTTL, when positive, is how long the token it gives works.
	TokenTTL time.Duration `json:"token_ttl,omitempty"`
	By       string        `json:"by,omitempty"`
	Used     time.Time     `json:"used,omitzero"`
	UsedFrom string        `json:"used_from,omitempty"`
}

// DefaultInviteTTL is how long an invitation works unless told otherwise.
const DefaultInviteTTL = 24 * time.Hour

// inviteAlphabet is Crockford's base32: no I, L, O or U, so nothing reads
// as another letter or digit; NormalizeInviteCode maps the look-alikes.
const inviteAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// inviteChars is the code's length: 16 characters of 5 bits, 80 bits,
// shown as 4 groups of 4. Guessing is slowed by the per-address limit on
// failed sign-ins, and a code works once and for a day.
const inviteChars = 16

// newInviteCode returns a fresh code, grouped for reading out.
func newInviteCode() (string, error) {
	var b [inviteChars]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("make invitation code: %w", err)
	}
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(inviteAlphabet[c&31]) // 256 is a multiple of 32: uniform
	}
	return sb.String(), nil
}

// NormalizeInviteCode returns a code as stored: upper case, without the
// dashes and spaces, look-alike letters read as the digits they resemble.
// ok is false when it cannot be a code.
func NormalizeInviteCode(code string) (string, bool) {
	var sb strings.Builder
	for _, r := range strings.ToUpper(code) {
		switch r {
		case '-', ' ':
			continue
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		if !strings.ContainsRune(inviteAlphabet, r) {
			return "", false
		}
		sb.WriteRune(r)
	}
	return sb.String(), sb.Len() == inviteChars
}

func inviteHash(normalized string) [32]byte {
	return sha256.Sum256([]byte("fieldcrm-invite:" + normalized))
}

// InviteRequest asks for an invitation.
type InviteRequest struct {
	User string `json:"user"`
	// Role is the new user's role; empty for a user who exists (the code
	// then gives them a token for another device).
	Role     string        `json:"role,omitempty"`
	TTL      time.Duration `json:"ttl,omitempty"`       // 0: DefaultInviteTTL
	TokenTTL time.Duration `json:"token_ttl,omitempty"` // 0: the token never expires
}

// InviteCode is a new invitation: the code, shown once.
type InviteCode struct {
	Code string `json:"code"`
	Invite
}

// CreateInvite makes a single-use invitation for a new user, or for
// another device of an existing one.
func (s *Service) CreateInvite(ctx context.Context, req InviteRequest) (InviteCode, error) {
	if err := checkName(req.User); err != nil {
		return InviteCode{}, err
	}
	if req.TTL == 0 {
		req.TTL = DefaultInviteTTL
	}
	if req.TTL < time.Minute || req.TTL > 30*24*time.Hour {
		return InviteCode{}, errors.New("an invitation must expire after 1 minute to 30 days (--expires 24h)")
	}
	if req.TokenTTL < 0 {
		return InviteCode{}, errors.New("a token's expiry must be a positive duration, such as 720h")
	}
	code, err := newInviteCode()
	if err != nil {
		return InviteCode{}, err
	}
	norm, _ := NormalizeInviteCode(code)
	var out InviteCode
	err = s.Store.Update(ctx, func(tx Tx) error {
		u, ok, err := tx.User(req.User)
		switch {
		case err != nil:
			return err
		case ok && req.Role != "" && req.Role != u.Role:
			return fmt.Errorf("%s exists with role %s; leave out --role to invite them on another device", u.Name, u.Role)
		case ok:
			disabled, _, err := tx.Standing(u.Name, [32]byte{})
			if err != nil {
				return err
			}
			if !disabled.IsZero() {
				return fmt.Errorf("%s is disabled; enable them first ('fieldcrm admin user enable %s')", u.Name, u.Name)
			}
			req.Role = u.Role
		case req.Role == "":
			return fmt.Errorf("%s is not a user yet: to invite a new user, give their role (--role %s)", req.User, RoleList())
		case !slices.Contains(Roles, req.Role):
			return fmt.Errorf("role %q is not one of %s", req.Role, RoleList())
		}
		now := s.now().UTC()
		h := inviteHash(norm)
		inv := Invite{Hash: h, ID: hex.EncodeToString(h[:4]), User: req.User, Role: req.Role, Created: now,
			Expires: now.Add(req.TTL).Truncate(time.Second), TokenTTL: req.TokenTTL, By: auditActor(ctx).By}
		if err := tx.PutInvite(inv); err != nil {
			return err
		}
		out = InviteCode{Code: code, Invite: inv}
		return s.audit(ctx, tx, "invite.create", req.User, fmt.Sprintf("invitation %s, role %s, expires %s", inv.ID, inv.Role, inv.Expires.Format(time.RFC3339)))
	})
	return out, err
}

// Invites lists the invitations, oldest first.
func (s *Service) Invites(ctx context.Context) ([]Invite, error) {
	var out []Invite
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.Invites()
		return err
	})
	if out == nil {
		out = []Invite{}
	}
	return out, err
}

// InviteError refuses an invitation code; it is the redeemer's mistake
// and counts as a failed sign-in.
type InviteError string

func (e InviteError) Error() string { return string(e) }

// Refusals of Redeem.
const (
	ErrInviteUnknown = InviteError("that invitation code is not valid; check it, or ask your administrator for a new one")
	ErrInviteUsed    = InviteError("that invitation code has been used already; each code works once, so ask your administrator for a new one")
	ErrInviteExpired = InviteError("that invitation code has expired; ask your administrator for a new one")
)

// Redeemed is what an invitation gave: a user's new token.
type Redeemed struct {
	User  string `json:"user"`
	Role  string `json:"role"`
	Token string `json:"token"`
}

// Redeem exchanges an invitation code for a token, once: of two
// redemptions of one code, exactly one gets a token. from is the client's
// address, for the audit log.
func (s *Service) Redeem(ctx context.Context, code, from string) (Redeemed, error) {
	norm, ok := NormalizeInviteCode(code)
	if !ok {
		return Redeemed{}, ErrInviteUnknown
	}
	h := inviteHash(norm)
	var out Redeemed
	err := s.Store.Update(ctx, func(tx Tx) error {
		out = Redeemed{}
		inv, ok, err := tx.Invite(h)
		switch {
		case err != nil:
			return err
		case !ok:
			return ErrInviteUnknown
		case !inv.Used.IsZero():
			return ErrInviteUsed
		case !s.now().Before(inv.Expires):
			return ErrInviteExpired
		}
		now := s.now().UTC()
		if won, err := tx.UseInvite(h, now, from); err != nil {
			return err
		} else if !won {
			return ErrInviteUsed
		}
		u, ok, err := tx.User(inv.User)
		if err != nil {
			return err
		}
		if !ok {
			u = User{Name: inv.User, Role: inv.Role, Created: now}
			if err := tx.PutUser(u); err != nil {
				return err
			}
		} else if disabled, _, err := tx.Standing(u.Name, [32]byte{}); err != nil {
			return err
		} else if !disabled.IsZero() {
			return ErrDisabled
		}
		secret, id, _, err := s.storeToken(tx, u.Name, inv.TokenTTL)
		if err != nil {
			return err
		}
		out = Redeemed{User: u.Name, Role: u.Role, Token: secret}
		ctx := WithAuditActor(ctx, AuditActor{By: u.Name, From: from})
		return s.audit(ctx, tx, "invite.redeem", u.Name, "invitation "+inv.ID+", token "+id)
	})
	return out, err
}

// sortInvites orders invitations oldest first.
func sortInvites(invs []Invite) {
	slices.SortFunc(invs, func(a, b Invite) int { return a.Created.Compare(b.Created) })
}
