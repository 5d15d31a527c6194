package server

import (
	"context"
	"net/http"
)

// KeyAdmin is what `fieldcrm admin user key` does: *Service on the
// storage, AdminClient over a running server's socket.
type KeyAdmin interface {
	AddSSHKey(ctx context.Context, user string, text []byte) (SSHKey, error)
	RemoveSSHKey(ctx context.Context, user, fingerprint string) error
	SSHKeys(ctx context.Context, user string) ([]SSHKey, error)
}

type keyArgs struct {
	User        string `json:"user"`
	Key         string `json:"key,omitempty"` // the .pub file's text
	Fingerprint string `json:"fingerprint,omitempty"`
}

// handleKeys adds the SSH key routes to the admin socket's mux.
func handleKeys(mux *http.ServeMux, a KeyAdmin) {
	route(mux, "/admin/key/add", func(ctx context.Context, k keyArgs) (SSHKey, error) {
		return a.AddSSHKey(ctx, k.User, []byte(k.Key))
	})
	route(mux, "/admin/key/remove", func(ctx context.Context, k keyArgs) (none, error) {
		return none{}, a.RemoveSSHKey(ctx, k.User, k.Fingerprint)
	})
	route(mux, "/admin/key/list", func(ctx context.Context, k keyArgs) ([]SSHKey, error) {
		return a.SSHKeys(ctx, k.User)
	})
}

// AddSSHKey implements KeyAdmin.
func (c *AdminClient) AddSSHKey(ctx context.Context, user string, text []byte) (SSHKey, error) {
	var k SSHKey
	err := c.callRepair(ctx, "/admin/key/add", keyArgs{User: user, Key: string(text)}, &k)
	return k, err
}

// RemoveSSHKey implements KeyAdmin.
func (c *AdminClient) RemoveSSHKey(ctx context.Context, user, fingerprint string) error {
	return c.callRepair(ctx, "/admin/key/remove", keyArgs{User: user, Fingerprint: fingerprint}, &none{})
}

// SSHKeys implements KeyAdmin.
func (c *AdminClient) SSHKeys(ctx context.Context, user string) ([]SSHKey, error) {
	var out []SSHKey
	err := c.callRepair(ctx, "/admin/key/list", keyArgs{User: user}, &out)
	return out, err
}
