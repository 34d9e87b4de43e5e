// Package corpus walks the messages of a corpus archive laid out like
// ../shared/corpus/dev-messages.tar.gz: a gzip'd tar of .eml files, read as a
// stream and never extracted. The measuring tools under tools/ share it.
package corpus

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Each calls fn for every regular file ending in ".eml" in the gzip'd tar
// stream r, in archive order, with its name (without a leading "./") and a
// reader of its bytes, valid until fn returns. It stops at the first error
// of the stream or of fn, and returns it.
func Each(r io.Reader, fn func(name string, msg io.Reader) error) error {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("read messages: %w", err)
	}
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read messages: %w", err)
		}
		if hdr.Typeflag != tar.TypeReg || !strings.HasSuffix(hdr.Name, ".eml") {
			continue
		}
		if err := fn(strings.TrimPrefix(hdr.Name, "./"), tr); err != nil {
			return err
		}
	}
}
