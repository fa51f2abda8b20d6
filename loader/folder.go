package loader

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// maxFileBytes bounds the size of a picture file (1 GiB).
const maxFileBytes = 1 << 30

// folderSource is an image folder: the pictures are decoded from their
// files on every Load.
type folderSource struct {
	name    string
	root    string
	paths   []string
	labels  []int32
	classes []string
}

// isPictureName reports whether a file name has a picture extension: jpg,
// jpeg, png, gif, bmp or webp, in any case.
func isPictureName(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp":
		return true
	}
	return false
}

// OpenFolder opens dir as an image folder, the layout of torchvision's
// ImageFolder:
//
//   - each subfolder is a class, labelled by its index in sorted name
//     order, and holds pictures at any depth;
//   - pictures directly in dir get label 0; a folder with no subfolders is
//     unlabeled (NumClasses 0);
//   - if dir has train/ and val/ (or test/) subfolders, split picks one of
//     them, and is ignored otherwise;
//   - pictures are .jpg, .jpeg, .png, .gif, .bmp and .webp files (any case);
//     names starting with "." are ignored.
//
// Pictures may differ in size and in channels. Files are only listed here;
// one that turns out unreadable is skipped by the Loader with a warning.
func OpenFolder(dir string, split Split, opts Options) (Source, error) {
	root := dir
	if isDir(filepath.Join(dir, "train")) {
		held := "val"
		if !isDir(filepath.Join(dir, held)) {
			held = "test"
		}
		if isDir(filepath.Join(dir, held)) {
			root = filepath.Join(dir, "train")
			if split == SplitTest {
				root = filepath.Join(dir, held)
			}
		}
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("read image folder: %w", err)
	}
	s := &folderSource{name: "folder:" + root, root: root}
	var loose []string
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.HasPrefix(name, "."):
		case e.IsDir():
			s.classes = append(s.classes, name)
		case isPictureName(name):
			loose = append(loose, filepath.Join(root, name))
		}
	}
	sort.Strings(s.classes)
	s.add(loose, 0)
	if len(s.classes) > 0 && len(loose) > 0 {
		opts.warn("%s: %d pictures lie outside the class folders; they get label 0 (class %q)", root, len(loose), s.classes[0])
	}
	for k, class := range s.classes {
		files, err := picturesUnder(filepath.Join(root, class))
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			opts.warn("%s: class folder %q holds no pictures", root, class)
		}
		s.add(files, k)
	}
	if len(s.paths) == 0 {
		return nil, fmt.Errorf("%s: no pictures (.jpg .jpeg .png .gif .bmp .webp) found: give a directory of class folders of pictures, an IDX or a CIFAR directory", root)
	}
	return s, nil
}

func (s *folderSource) add(paths []string, label int) {
	s.paths = append(s.paths, paths...)
	for range paths {
		s.labels = append(s.labels, int32(label))
	}
}

// picturesUnder lists the picture files below dir, in lexical order.
func picturesUnder(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("scan image folder: %w", err)
		}
		if path != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() && isPictureName(d.Name()) {
			out = append(out, path)
		}
		return nil
	})
	return out, err
}

func (s *folderSource) Name() string         { return s.name }
func (s *folderSource) Len() int             { return len(s.paths) }
func (s *folderSource) Shape() (c, h, w int) { return 3, 0, 0 }
func (s *folderSource) Stats() Stats         { return ImageNetStats() }
func (s *folderSource) Path(i int) string    { return s.paths[i] }

// NumClasses is the number of class folders (0 when there are none).
func (s *folderSource) NumClasses() int { return len(s.classes) }

func (s *folderSource) Load(i int, dst *Image) (label int, err error) {
	path := s.paths[i]
	defer func() {
		if r := recover(); r != nil {
			err = &ItemError{Path: path, Err: fmt.Errorf("decoder panicked: %v", r)}
		}
	}()
	if err := readFileInto(&dst.raw, path); err != nil {
		return 0, &ItemError{Path: path, Err: err}
	}
	if err := decodeImage(dst, dst.raw); err != nil {
		return 0, &ItemError{Path: path, Err: err}
	}
	return int(s.labels[i]), nil
}

// readFileInto reads a whole file into *buf, reusing its memory.
func readFileInto(buf *[]byte, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return bareErr(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return bareErr(err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("not a regular file")
	}
	if st.Size() > maxFileBytes {
		return fmt.Errorf("file of %d bytes is too large for a picture", st.Size())
	}
	n := int(st.Size())
	if cap(*buf) < n {
		*buf = make([]byte, n)
	}
	*buf = (*buf)[:n]
	if _, err := io.ReadFull(f, *buf); err != nil {
		return fmt.Errorf("read: %w", bareErr(err))
	}
	return nil
}

// bareErr drops the path from a *fs.PathError, since ItemError names the
// file already.
func bareErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}
