package loader

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Open opens the split ("train" or "test"; "val" means test) of the data
// set spec, which is a name or a path:
//
//   - "fashion-mnist" (also ""): the Debian package dataset-fashion-mnist,
//     in /usr/share/datasets/fashion-mnist.
//   - "mnist": MNIST from the first of MNISTDirs that has it.
//   - an IDX images file (*-images-idx3-ubyte, optionally .gz); the labels
//     are the *-labels-idx1-ubyte[.gz] file beside it. The split is ignored.
//   - a directory of IDX files: train-* for train, t10k-* or test-* for
//     test. A directory with a single pair uses it for both splits.
//   - a CIFAR-10 directory (data_batch_1.bin … data_batch_5.bin and
//     test_batch.bin), a CIFAR-100 one (train.bin and test.bin, fine
//     labels), or a directory holding cifar-10-batches-bin or
//     cifar-100-binary.
//   - any other directory: an image folder (see the Folder doc). Its split
//     picks train/ or val/ (or test/) when those exist, and is ignored
//     otherwise.
//
// Names win over paths: write ./mnist for a directory called mnist. Every
// error names the file at fault and what to do about it.
func Open(spec, split string, opts Options) (Source, error) {
	sp, err := ParseSplit(split)
	if err != nil {
		return nil, err
	}
	switch strings.ToLower(spec) {
	case "", "fashion-mnist":
		return openFashionMNIST(sp)
	case "mnist":
		return openMNIST(sp)
	}
	st, err := os.Stat(spec)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("data set %q: no such file or directory: give fashion-mnist, mnist, or the path of an IDX file or a CIFAR, IDX or image directory", spec)
	}
	if err != nil {
		return nil, fmt.Errorf("data set: %w", err)
	}
	if !st.IsDir() {
		if !isIDXImagesName(filepath.Base(spec)) {
			return nil, fmt.Errorf("data set %s: a file, but not an IDX images file (*-images-idx3-ubyte[.gz]): give its directory or an IDX file", spec)
		}
		return openIDXFile(spec, opts)
	}
	return openDir(spec, sp, opts)
}

// openDir recognizes the kind of data set a directory holds.
func openDir(dir string, sp Split, opts Options) (Source, error) {
	for _, sub := range []string{"cifar-10-batches-bin", "cifar-100-binary"} {
		if isDir(filepath.Join(dir, sub)) {
			dir = filepath.Join(dir, sub)
			break
		}
	}
	switch {
	case fileExists(filepath.Join(dir, "test_batch.bin")) || fileExists(filepath.Join(dir, "data_batch_1.bin")):
		return openCIFAR10(dir, sp, opts)
	case fileExists(filepath.Join(dir, "train.bin")) || fileExists(filepath.Join(dir, "test.bin")):
		return openCIFAR100(dir, sp)
	}
	images, err := idxImagesIn(dir)
	if err != nil {
		return nil, err
	}
	if len(images) > 0 {
		return openIDXDir(dir, images, sp, opts)
	}
	return OpenFolder(dir, sp, opts)
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}
