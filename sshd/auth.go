package sshd

import (
	"errors"
	"math"
	"net"
	"net/netip"

	"charm.land/ssh"
	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/server"
	gossh "golang.org/x/crypto/ssh"
)

// Sign-in: a public key only. Passwords and keyboard-interactive are not
// offered at all, so a client is never asked for a password it does not
// have here. A connection that ends without signing in is charged against
// its address, as a bad token is at the API (server.AddrLimiter): a
// client that offers several keys of its agent before the registered one
// is not charged for each, only once if none was taken.

// publicKey takes a key that names an active user, unless the address
// has used up its failed sign-ins.
func (f *front) publicKey(ctx ssh.Context, key ssh.PublicKey) bool {
	if f.fails.Wait(clientAddr(ctx.RemoteAddr())) > 0 {
		return false
	}
	// Which user is read again from the key the connection signs in
	// with (sshd.go, handle), not kept from here.
	if _, err := f.svc.KeyUser(ctx, key); err != nil {
		if !errors.Is(err, server.ErrUnknownKey) && !errors.Is(err, server.ErrDisabled) {
			f.log.Error("ssh: look up a key", "err", err)
		}
		return false
	}
	return true
}

// banner tells an address that has used up its failed sign-ins how long
// to wait, before it tries its keys in vain.
func (f *front) banner(ctx ssh.Context) string {
	wait := f.fails.Wait(clientAddr(ctx.RemoteAddr()))
	if wait <= 0 {
		return ""
	}
	secs := int(math.Ceil(wait.Seconds()))
	// Before sign-in the client has sent no language: both.
	return i18n.Tf(i18n.EN, "ssh.rate_limited", secs) + "\r\n" + i18n.Tf(i18n.ZH, "ssh.rate_limited", secs) + "\r\n"
}

// failed charges a connection that ended without signing in, and counts
// it: an unknown key, or a client that tried only methods not offered
// (a password), as OpenSSH's per-source penalties count "noauth".
func (f *front) failed(conn net.Conn, err error) {
	var ae *gossh.ServerAuthError
	if !errors.As(err, &ae) {
		return
	}
	f.fails.Charge(clientAddr(conn.RemoteAddr()))
	f.sessions.refused(reasonAuth)
}

// clientAddr names a client for the limit: its IP address, or for IPv6
// its /64 network, which one host usually holds all of.
func clientAddr(a net.Addr) string {
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return a.String()
	}
	ip := ap.Addr().Unmap()
	if ip.Is6() {
		if p, err := ip.Prefix(64); err == nil {
			return p.String()
		}
	}
	return ip.String()
}
