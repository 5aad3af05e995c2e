// Command imagefloor is the floor the bench measures `tiny image` against:
// a fresh Go process that writes the same outputs with no image work. It
// reads one file, a tarball `tiny image` wrote before the timing (as tiny
// reads its one input), writes it out as the tarball, and writes the OCI
// layout entries it carries (oci-layout, index.json, blobs/sha256/...) as
// the layout directory. Both outputs are made as tiny makes them, under a
// temporary name renamed into place, so that the floor includes the file
// creations an atomic output needs; it skips the mode fix-ups and checks,
// so the floor is if anything low.
package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: imagefloor REFERENCE.tar LAYOUT-DIR TARBALL")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, "imagefloor:", err)
		os.Exit(1)
	}
}

func run(ref, layout, tarball string) error {
	b, err := os.ReadFile(ref)
	if err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(tarball), ".floor.tar.tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, tarball); err != nil {
		return err
	}
	tmpDir := filepath.Join(filepath.Dir(layout), ".floor-layout.tmp")
	if err := os.Mkdir(tmpDir, 0o755); err != nil {
		return err
	}
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		name := path.Clean(h.Name)
		if name != "oci-layout" && name != "index.json" && !strings.HasPrefix(name, "blobs/") && name != "blobs" {
			continue // docker's manifest.json and repositories
		}
		if !filepath.IsLocal(name) {
			return fmt.Errorf("%s: entry %q is outside the layout", ref, h.Name)
		}
		p := filepath.Join(tmpDir, filepath.FromSlash(name))
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.Mkdir(p, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			data, err := io.ReadAll(tr)
			if err != nil {
				return err
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				return err
			}
		}
	}
	return os.Rename(tmpDir, layout)
}
