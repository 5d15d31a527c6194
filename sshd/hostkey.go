package sshd

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"

	gossh "golang.org/x/crypto/ssh"
)

// hostKey reads the server's SSH host key at path, or makes an ed25519
// one there (0600) on first start, and returns it with its SHA256
// fingerprint, which users compare with what their ssh shows the first
// time they connect. A key file others may read is refused, as OpenSSH
// refuses it: whoever reads it can pose as the server.
func hostKey(path string) (gossh.Signer, string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if data, err = newHostKey(path); err != nil {
			return nil, "", err
		}
	} else if err != nil {
		return nil, "", fmt.Errorf("read the SSH host key: %w", err)
	} else if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return nil, "", fmt.Errorf("the SSH host key %s may be read by others (mode %04o); make it private with chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	signer, err := gossh.ParsePrivateKey(data)
	if err != nil {
		return nil, "", fmt.Errorf("the SSH host key %s cannot be read (%v); move it away and a new one is made at the next start", path, err)
	}
	return signer, gossh.FingerprintSHA256(signer.PublicKey()), nil
}

// newHostKey writes a fresh ed25519 key in the OpenSSH format; O_EXCL,
// so two servers starting at once on one folder cannot both write one.
func newHostKey(path string) ([]byte, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	block, err := gossh.MarshalPrivateKey(priv, "fieldcrm host key")
	if err != nil {
		return nil, err
	}
	data := pem.EncodeToMemory(block)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("create the SSH host key: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, fmt.Errorf("write the SSH host key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("write the SSH host key: %w", err)
	}
	return data, f.Close()
}
