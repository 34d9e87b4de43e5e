package mailbox

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// input is one file to read, found while expanding the paths given to Open.
type input struct {
	display  string // name in positions and errors
	name     string // name in fsys
	stdin    bool
	explicit bool  // named by the caller, not found in a directory
	size     int64 // -1 when unknown
	err      error // problem found while expanding, reported when reached
}

// osFS is the operating system's file system with paths as the user wrote
// them (absolute, relative, with ".."), which os.DirFS does not accept.
type osFS struct{}

func (osFS) Open(name string) (fs.File, error)          { return os.Open(name) }
func (osFS) Stat(name string) (fs.FileInfo, error)      { return os.Stat(name) }
func (osFS) ReadDir(name string) ([]fs.DirEntry, error) { return os.ReadDir(name) }

// join joins a directory and an entry name the way the file system spells
// paths.
func (w *walker) join(dir, name string) string {
	if w.os {
		return filepath.Join(dir, name)
	}
	return path.Join(dir, name)
}

// walker expands the paths given to Open into inputs.
type walker struct {
	fsys   fs.FS
	os     bool
	inputs []input
	notes  []string
}

// inputErr builds an input error; an *fs.PathError loses its path, which the
// input error names already.
func inputErr(name string, err error) *InputError {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = &opError{op: pe.Op, err: pe.Err}
	}
	return &InputError{Path: name, Err: err}
}

// opError is an *fs.PathError without its path.
type opError struct {
	op  string
	err error
}

func (e *opError) Error() string { return e.op + ": " + e.err.Error() }
func (e *opError) Unwrap() error { return e.err }

// add expands one path given by the caller.
func (w *walker) add(p string) {
	if p == "-" {
		w.inputs = append(w.inputs, input{display: "-", stdin: true, explicit: true, size: -1})
		return
	}
	fi, err := fs.Stat(w.fsys, p)
	if err != nil {
		w.inputs = append(w.inputs, input{display: p, name: p, explicit: true, err: inputErr(p, err)})
		return
	}
	if !fi.IsDir() {
		w.inputs = append(w.inputs, input{display: p, name: p, explicit: true, size: regularSize(fi)})
		return
	}
	w.walk(p)
}

func regularSize(fi fs.FileInfo) int64 {
	if fi.Mode().IsRegular() {
		return fi.Size()
	}
	return -1
}

// isMaildir reports whether dir has the cur and new subdirectories of a
// Maildir.
func (w *walker) isMaildir(dir string) bool {
	for _, sub := range [...]string{"cur", "new"} {
		fi, err := fs.Stat(w.fsys, w.join(dir, sub))
		if err != nil || !fi.IsDir() {
			return false
		}
	}
	return true
}

// walk expands a directory: entries sorted lexically, depth first.
//   - Names starting with "." are skipped, except Maildir++ folders (".Sent")
//     inside a Maildir.
//   - A Maildir (a directory with cur/ and new/) contributes the files in
//     cur/ and new/ and its subfolders; tmp/ and the files beside cur/ and
//     new/ (index and uid lists) are not read.
//   - Symbolic links to files are followed, links to directories are not
//     (noted).
//   - Other non-regular files are noted and skipped. Whether a regular file
//     is a message is decided when it is read (see Reader.Next).
func (w *walker) walk(root string) {
	maildirs := map[string]bool{}
	_ = fs.WalkDir(w.fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			w.inputs = append(w.inputs, input{display: p, name: p, err: inputErr(p, err)})
			if d != nil && d.IsDir() && p != root {
				return fs.SkipDir
			}
			return nil
		}
		parent := path.Dir(p)
		if w.os {
			parent = filepath.Dir(p)
		}
		inMaildir := p != root && maildirs[parent]
		base := d.Name()
		if d.IsDir() {
			if p == root {
				maildirs[p] = w.isMaildir(p)
				return nil
			}
			if inMaildir && base == "tmp" {
				return fs.SkipDir
			}
			if strings.HasPrefix(base, ".") && !(inMaildir && w.isMaildir(p)) {
				return fs.SkipDir
			}
			maildirs[p] = w.isMaildir(p)
			return nil
		}
		if strings.HasPrefix(base, ".") || inMaildir {
			return nil
		}
		typ := d.Type()
		if typ&fs.ModeSymlink != 0 {
			fi, err := fs.Stat(w.fsys, p)
			switch {
			case err != nil:
				w.inputs = append(w.inputs, input{display: p, name: p, err: inputErr(p, err)})
			case fi.IsDir():
				w.notes = append(w.notes, p+": skipped: symbolic link to a directory not followed")
			case fi.Mode().IsRegular():
				w.inputs = append(w.inputs, input{display: p, name: p, size: fi.Size()})
			default:
				w.notes = append(w.notes, p+": skipped: not a regular file")
			}
			return nil
		}
		if !typ.IsRegular() {
			w.notes = append(w.notes, p+": skipped: not a regular file")
			return nil
		}
		size := int64(-1)
		if fi, err := d.Info(); err == nil {
			size = fi.Size()
		}
		w.inputs = append(w.inputs, input{display: p, name: p, size: size})
		return nil
	})
}

// DirGroups returns the key function of "scan --group-by dir" for the paths
// given to Open: for a message file, the folder it stands for.
//
//   - With one directory argument, the key is the first folder below it
//     ("gmx" for testmails/gmx/sub/a.eml), "" for files directly in it or in
//     its Maildir cur/ and new/: one sub-folder per candidate provider.
//   - With several directory arguments, each argument is its own group: the
//     key is the argument as given (cleaned, "tm/google"), joined with the
//     first folder below it when the file is in one ("tm/google/sub").
//   - A file named as an argument gets its parent folder's name; standard
//     input gets "".
//
// The arguments are looked at (stat) once, here.
func DirGroups(paths []string) func(file string) string {
	var dirs []string
	for _, p := range paths {
		if p == "-" {
			continue
		}
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			dirs = append(dirs, filepath.Clean(p))
		}
	}
	// The most specific root wins when one argument lies inside another.
	slices.SortStableFunc(dirs, func(a, b string) int { return len(b) - len(a) })
	several := len(slices.Compact(slices.Sorted(slices.Values(dirs)))) > 1
	return func(file string) string {
		if file == "-" {
			return ""
		}
		for _, root := range dirs {
			rel, err := filepath.Rel(root, file)
			if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				continue
			}
			first, _, nested := strings.Cut(filepath.ToSlash(rel), "/")
			if !nested || first == "cur" || first == "new" {
				first = ""
			}
			if !several {
				return first
			}
			if first == "" {
				return filepath.ToSlash(root)
			}
			return filepath.ToSlash(root) + "/" + first
		}
		return filepath.Base(filepath.Dir(file))
	}
}
