package loader

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// idxSource is a data set held in memory from an IDX images file and,
// when there is one, its IDX labels file.
type idxSource struct {
	name       string
	imagesPath string
	n, h, w    int
	pix        []byte
	labels     []byte // nil when unlabeled
	classes    int
	stats      Stats
}

// openIDXPair loads an images file and a labels file (labelsPath "" for
// none). classes > 0 is the known class count, which every label must be
// below; 0 derives it from the largest label. stats nil measures the pixels.
func openIDXPair(name, imagesPath, labelsPath string, classes int, stats *Stats) (*idxSource, error) {
	img, err := readIDX(imagesPath, idxImagesMagic)
	if err != nil {
		return nil, err
	}
	s := &idxSource{name: name, imagesPath: imagesPath, n: img.dims[0], h: img.dims[1], w: img.dims[2], pix: img.data, classes: classes}
	if labelsPath != "" {
		lab, err := readIDX(labelsPath, idxLabelsMagic)
		if err != nil {
			return nil, err
		}
		if lab.dims[0] != s.n {
			return nil, fmt.Errorf("%s has %d labels but %s has %d images: the files do not belong together", labelsPath, lab.dims[0], imagesPath, s.n)
		}
		s.labels = lab.data
		if s.classes == 0 {
			for _, l := range s.labels {
				s.classes = max(s.classes, int(l)+1)
			}
		}
		for i, l := range s.labels {
			if int(l) >= s.classes {
				return nil, fmt.Errorf("%s: label %d of item %d is out of range for %d classes: wrong or corrupt labels file", labelsPath, l, i, s.classes)
			}
		}
	} else {
		s.classes = 0
	}
	if stats != nil {
		s.stats = *stats
	} else {
		s.stats = statsOf(s.pix)
	}
	return s, nil
}

func (s *idxSource) Name() string         { return s.name }
func (s *idxSource) Len() int             { return s.n }
func (s *idxSource) Shape() (c, h, w int) { return 1, s.h, s.w }
func (s *idxSource) NumClasses() int      { return s.classes }
func (s *idxSource) Stats() Stats         { return s.stats }
func (s *idxSource) Path(i int) string    { return fmt.Sprintf("%s[%d]", s.imagesPath, i) }

func (s *idxSource) Load(i int, dst *Image) (int, error) {
	dst.Reset(1, s.h, s.w)
	size := s.h * s.w
	copy(dst.Pix, s.pix[i*size:(i+1)*size])
	if s.labels == nil {
		return 0, nil
	}
	return int(s.labels[i]), nil
}

// isIDXImagesName reports whether a file name looks like an IDX images
// file: *-images-idx3-ubyte, optionally .gz, with - or . separators (the
// original MNIST names and the common train-images.idx3-ubyte variant).
func isIDXImagesName(name string) bool {
	_, ok := idxPrefix(name)
	return ok
}

// idxPrefix returns what precedes "images" in an IDX images file name
// ("train", "t10k", …).
func idxPrefix(name string) (string, bool) {
	n := strings.TrimSuffix(strings.ToLower(name), ".gz")
	for _, suffix := range []string{"-images-idx3-ubyte", "-images.idx3-ubyte", ".images.idx3-ubyte"} {
		if p, ok := strings.CutSuffix(n, suffix); ok && p != "" {
			return p, true
		}
	}
	return "", false
}

// labelsBeside returns the labels file that goes with an images file, or
// "" and the name it looked for.
func labelsBeside(imagesPath string) (found, wanted string) {
	dir, base := filepath.Split(imagesPath)
	i := strings.LastIndex(strings.ToLower(base), "images")
	lbase := base[:i] + "labels" + strings.Replace(base[i+len("images"):], "idx3", "idx1", 1)
	plain := strings.TrimSuffix(lbase, ".gz")
	for _, cand := range []string{lbase, plain + ".gz", plain} {
		if p := filepath.Join(dir, cand); fileExists(p) {
			return p, ""
		}
	}
	return "", filepath.Join(dir, lbase)
}

// openIDXFile opens an IDX images file given by path, with the labels
// beside it when they exist.
func openIDXFile(path string, opts Options) (Source, error) {
	labels, wanted := labelsBeside(path)
	if labels == "" {
		opts.warn("%s: no labels file beside it (looked for %s); the items are unlabeled", path, wanted)
	}
	return openIDXPair("idx:"+path, path, labels, 0, nil)
}

// idxImagesIn lists the IDX images files in dir, sorted.
func idxImagesIn(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read data set directory: %w", err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && isIDXImagesName(e.Name()) {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(out)
	return out, nil
}

// openIDXDir picks the split's images file among images (train* for train,
// t10k* or test* for test) and opens it with its labels.
func openIDXDir(dir string, images []string, sp Split, opts Options) (Source, error) {
	want := []string{"train"}
	if sp == SplitTest {
		want = []string{"t10k", "test"}
	}
	for _, path := range images {
		prefix, _ := idxPrefix(filepath.Base(path))
		for _, w := range want {
			if prefix == w {
				return openIDXSplit(dir, path, sp, opts)
			}
		}
	}
	if len(images) == 1 {
		opts.warn("%s: no %s split among the IDX files; using %s", dir, sp, filepath.Base(images[0]))
		return openIDXSplit(dir, images[0], sp, opts)
	}
	return nil, fmt.Errorf("%s: no IDX images file for the %s split (want %s-images-idx3-ubyte[.gz]); found %q", dir, sp, want[0], images)
}

func openIDXSplit(dir, images string, sp Split, opts Options) (Source, error) {
	labels, wanted := labelsBeside(images)
	if labels == "" {
		opts.warn("%s: no labels file (looked for %s); the items are unlabeled", images, wanted)
	}
	return openIDXPair("idx:"+dir+"/"+string(sp), images, labels, 0, nil)
}
