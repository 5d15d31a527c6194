package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// entry is one file of a package's payload.
type entry struct {
	name string // absolute, e.g. /usr/bin/fieldcrm
	mode fs.FileMode
	size int64
	link string
	body io.Reader // valid only during the walk's call
}

// list prints each file of a .deb's data or an .rpm's payload: mode,
// size, path (and a symlink's target), as dpkg-deb -c does.
func list(pkg string, w io.Writer) error {
	return walk(pkg, func(e entry) error {
		line := fmt.Sprintf("%s %10d %s", e.mode, e.size, e.name)
		if e.link != "" {
			line += " -> " + e.link
		}
		_, err := fmt.Fprintln(w, line)
		return err
	})
}

// extract unpacks a package's files under root, as dpkg -x does: no
// maintainer scripts run, nothing outside root is written.
func extract(pkg, root string) error {
	return walk(pkg, func(e entry) error {
		dst := filepath.Join(root, filepath.FromSlash(e.name))
		if !strings.HasPrefix(dst, filepath.Clean(root)+string(filepath.Separator)) {
			return fmt.Errorf("%s leaves the root", e.name)
		}
		switch {
		case e.mode.IsDir():
			return os.MkdirAll(dst, e.mode.Perm()|0o700)
		case e.mode&fs.ModeSymlink != 0:
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return err
			}
			return os.Symlink(e.link, dst)
		case e.mode.IsRegular():
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, e.mode.Perm())
			if err != nil {
				return err
			}
			if _, err := io.Copy(f, e.body); err != nil {
				f.Close()
				return err
			}
			return f.Close()
		}
		return nil
	})
}

// walk calls fn for each file of pkg, a .deb or an .rpm.
func walk(pkg string, fn func(entry) error) error {
	f, err := os.Open(pkg)
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	magic, err := r.Peek(8)
	if err != nil {
		return fmt.Errorf("%s: %w", pkg, err)
	}
	switch {
	case string(magic) == "!<arch>\n":
		err = walkDeb(r, fn)
	case bytes.Equal(magic[:4], []byte{0xed, 0xab, 0xee, 0xdb}):
		err = walkRPM(r, fn)
	default:
		return fmt.Errorf("%s is neither a .deb nor an .rpm", pkg)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", pkg, err)
	}
	return nil
}

// walkDeb reads the ar archive of a .deb to its data.tar.gz.
func walkDeb(r io.Reader, fn func(entry) error) error {
	if _, err := io.CopyN(io.Discard, r, 8); err != nil {
		return err
	}
	for {
		var hdr [60]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return errors.New("no data.tar.gz in the package")
		}
		name := strings.TrimRight(strings.TrimSpace(string(hdr[:16])), "/")
		size, err := strconv.ParseInt(strings.TrimSpace(string(hdr[48:58])), 10, 64)
		if err != nil {
			return fmt.Errorf("bad ar header for %q", name)
		}
		body := io.LimitReader(r, size)
		if name == "data.tar.gz" {
			zr, err := gzip.NewReader(body)
			if err != nil {
				return err
			}
			return walkTar(zr, fn)
		}
		if strings.HasPrefix(name, "data.tar") {
			return fmt.Errorf("%s: only gzip is read", name)
		}
		if _, err := io.Copy(io.Discard, body); err != nil {
			return err
		}
		if size%2 == 1 { // members are padded to an even size
			if _, err := io.CopyN(io.Discard, r, 1); err != nil {
				return err
			}
		}
	}
}

func walkTar(r io.Reader, fn func(entry) error) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		e := entry{name: path.Clean("/" + h.Name), mode: h.FileInfo().Mode(), size: h.Size, link: h.Linkname, body: tr}
		if err := fn(e); err != nil {
			return err
		}
	}
}

// walkRPM skips an .rpm's lead and its signature and main headers, then
// reads the payload: a gzip-compressed cpio archive ("newc").
func walkRPM(r io.Reader, fn func(entry) error) error {
	if _, err := io.CopyN(io.Discard, r, 96); err != nil { // the lead
		return err
	}
	for i, pad := range []bool{true, false} { // the signature header is padded to 8 bytes
		var hdr [16]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return err
		}
		if !bytes.Equal(hdr[:3], []byte{0x8e, 0xad, 0xe8}) {
			return fmt.Errorf("header %d has no rpm header magic", i+1)
		}
		n := int64(binary.BigEndian.Uint32(hdr[8:12]))*16 + int64(binary.BigEndian.Uint32(hdr[12:16]))
		if pad {
			n += (8 - (16+n)%8) % 8
		}
		if _, err := io.CopyN(io.Discard, r, n); err != nil {
			return err
		}
	}
	zr, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("payload: %w (only gzip is read)", err)
	}
	return walkCpio(bufio.NewReader(zr), fn)
}

// walkCpio reads a cpio archive in the "newc" format: a 110-byte header of
// hexadecimal fields, the name, then the data, each padded to 4 bytes.
func walkCpio(r io.Reader, fn func(entry) error) error {
	var off int64
	skip := func(n int64) error {
		_, err := io.CopyN(io.Discard, r, n)
		off += n
		return err
	}
	for {
		var hdr [110]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return err
		}
		off += 110
		if string(hdr[:6]) != "070701" {
			return errors.New("payload is not a newc cpio archive")
		}
		field := func(i int) int64 {
			v, _ := strconv.ParseInt(string(hdr[6+8*i:14+8*i]), 16, 64)
			return v
		}
		mode, size, namesize := field(1), field(6), field(11)
		name := make([]byte, namesize)
		if _, err := io.ReadFull(r, name); err != nil {
			return err
		}
		off += namesize
		if err := skip((4 - off%4) % 4); err != nil {
			return err
		}
		n := strings.TrimRight(string(name), "\x00")
		if n == "TRAILER!!!" {
			return nil
		}
		e := entry{name: path.Clean("/" + n), mode: cpioMode(mode), size: size}
		body := io.LimitReader(r, size)
		if e.mode&fs.ModeSymlink != 0 {
			target, err := io.ReadAll(body)
			if err != nil {
				return err
			}
			e.link = string(target)
		}
		e.body = body
		if err := fn(e); err != nil {
			return err
		}
		if _, err := io.Copy(io.Discard, body); err != nil {
			return err
		}
		off += size
		if err := skip((4 - off%4) % 4); err != nil {
			return err
		}
	}
}

// cpioMode turns a Unix st_mode into an fs.FileMode.
func cpioMode(m int64) fs.FileMode {
	mode := fs.FileMode(m & 0o777)
	switch m & 0o170000 {
	case 0o040000:
		mode |= fs.ModeDir
	case 0o120000:
		mode |= fs.ModeSymlink
	case 0o100000:
	default:
		mode |= fs.ModeIrregular
	}
	return mode
}
