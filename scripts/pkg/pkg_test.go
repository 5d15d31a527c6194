package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBuildListExtract builds a .deb and an .rpm with nfpm from a small
// config, then reads them back with our own reader: every file listed
// with its mode and size, and unpacked byte for byte; and two builds with
// the same SOURCE_DATE_EPOCH are the same bytes.
func TestBuildListExtract(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	body := bytes.Repeat([]byte("fieldcrm\n"), 1000) // compressible, several blocks
	if err := os.WriteFile(filepath.Join(dir, "tool"), body, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tool.conf"), []byte("a = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "nfpm.yaml")
	yaml := `name: tool
arch: amd64
platform: linux
version: 1.2.3-rc1
maintainer: t <t@localhost>
description: a test package
contents:
  - src: ` + filepath.Join(dir, "tool") + `
    dst: /usr/bin/tool
    file_info: {mode: 0755}
  - src: ` + filepath.Join(dir, "tool.conf") + `
    dst: /etc/tool/tool.conf
    type: config|noreplace
    file_info: {mode: 0600}
  - src: /usr/bin/tool
    dst: /usr/bin/tool-link
    type: symlink
`
	if err := os.WriteFile(config, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"deb", "rpm"} {
		t.Run(format, func(t *testing.T) {
			path, err := build(config, format, filepath.Join(dir, "out1"))
			if err != nil {
				t.Fatal(err)
			}
			again, err := build(config, format, filepath.Join(dir, "out2"))
			if err != nil {
				t.Fatal(err)
			}
			a, _ := os.ReadFile(path)
			b, _ := os.ReadFile(again)
			if !bytes.Equal(a, b) {
				t.Errorf("two builds of %s differ", filepath.Base(path))
			}
			var out strings.Builder
			if err := list(path, &out); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"-rwxr-xr-x       9000 /usr/bin/tool", "-rw-------          6 /etc/tool/tool.conf", "/usr/bin/tool-link -> /usr/bin/tool"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("listing lacks %q:\n%s", want, out.String())
				}
			}
			root := filepath.Join(dir, "root-"+format)
			if err := extract(path, root); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(root, "usr/bin/tool"))
			if err != nil || !bytes.Equal(got, body) {
				t.Errorf("unpacked /usr/bin/tool: %d bytes, %v", len(got), err)
			}
			if fi, err := os.Stat(filepath.Join(root, "etc/tool/tool.conf")); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("unpacked /etc/tool/tool.conf: %v %v", fi, err)
			}
			if l, err := os.Readlink(filepath.Join(root, "usr/bin/tool-link")); err != nil || l != "/usr/bin/tool" {
				t.Errorf("unpacked symlink: %q %v", l, err)
			}
		})
	}
	if err := list(config, &strings.Builder{}); err == nil || !strings.Contains(err.Error(), "neither a .deb nor an .rpm") {
		t.Errorf("a YAML file listed as a package: %v", err)
	}
}

// TestArchiveIsReproducible: the same folder gives the same .tar.gz and
// .zip bytes, whatever the files' own times.
func TestArchiveIsReproducible(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	dir := filepath.Join(t.TempDir(), "fieldcrm_1.0.0_linux_amd64")
	if err := os.MkdirAll(filepath.Join(dir, "man"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"fieldcrm", "man/fieldcrm.1.gz"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, ext := range []string{".tar.gz", ".zip"} {
		one := filepath.Join(t.TempDir(), "a"+ext)
		two := filepath.Join(t.TempDir(), "b"+ext)
		if err := archive(one, dir); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(filepath.Join(dir, "fieldcrm"), time1, time1); err != nil {
			t.Fatal(err)
		}
		if err := archive(two, dir); err != nil {
			t.Fatal(err)
		}
		a, _ := os.ReadFile(one)
		b, _ := os.ReadFile(two)
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s: two archives of the same files differ (%d and %d bytes)", ext, len(a), len(b))
		}
	}
	if err := archive(filepath.Join(t.TempDir(), "x.rar"), dir); err == nil {
		t.Error("a .rar was written")
	}
}

var time1 = time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
