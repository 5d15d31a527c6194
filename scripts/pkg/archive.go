package main

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// archive writes the folder dir into out, a .tar.gz or a .zip, with dir's
// name as the top folder. Entries are in name order, owned by root, and
// dated $SOURCE_DATE_EPOCH, so that the same files make the same archive
// on any machine (GNU tar and zip need flags that BSD tar lacks).
func archive(out, dir string) error {
	epoch := time.Unix(0, 0)
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds", s)
		}
		epoch = time.Unix(n, 0)
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	top := filepath.Base(dir)
	var add func(name string, fi fs.FileInfo, body io.Reader) error
	var finish func() error
	switch {
	case strings.HasSuffix(out, ".tar.gz"):
		zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression) // no name, no time: reproducible
		tw := tar.NewWriter(zw)
		add = func(name string, fi fs.FileInfo, body io.Reader) error {
			h := &tar.Header{Name: name, Mode: int64(fi.Mode().Perm()), ModTime: epoch, Format: tar.FormatPAX, Uname: "root", Gname: "root"}
			if fi.IsDir() {
				h.Typeflag, h.Name = tar.TypeDir, name+"/"
			} else {
				h.Typeflag, h.Size = tar.TypeReg, fi.Size()
			}
			if err := tw.WriteHeader(h); err != nil {
				return err
			}
			if body != nil {
				_, err := io.Copy(tw, body)
				return err
			}
			return nil
		}
		finish = func() error {
			if err := tw.Close(); err != nil {
				return err
			}
			return zw.Close()
		}
	case strings.HasSuffix(out, ".zip"):
		zw := zip.NewWriter(f)
		add = func(name string, fi fs.FileInfo, body io.Reader) error {
			h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: epoch.UTC()}
			h.SetMode(fi.Mode())
			if fi.IsDir() {
				h.Name, h.Method = name+"/", zip.Store
			}
			w, err := zw.CreateHeader(h)
			if err != nil || body == nil {
				return err
			}
			_, err = io.Copy(w, body)
			return err
		}
		finish = zw.Close
	default:
		return fmt.Errorf("%s: give a .tar.gz or a .zip", out)
	}
	// WalkDir goes in lexical order.
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(filepath.Join(top, rel))
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if fi.IsDir() {
			return add(name, fi, nil)
		}
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file", path)
		}
		src, err := os.Open(path)
		if err != nil {
			return err
		}
		defer src.Close()
		return add(name, fi, src)
	})
	if err != nil {
		return err
	}
	if err := finish(); err != nil {
		return err
	}
	return f.Close()
}
