package loader

import (
	"fmt"
	"os"
	"path/filepath"
)

// CIFAR pictures are 32×32 RGB, stored as a red, a green and a blue plane.
const (
	cifarSide   = 32
	cifarPixels = 3 * cifarSide * cifarSide
)

// cifarFormat describes one of the two binary layouts.
type cifarFormat struct {
	name       string
	labelBytes int // label bytes before the pixels; the last one is used
	classes    int
}

// cifar10Format is CIFAR-10's layout: one label byte, 10 classes.
func cifar10Format() cifarFormat {
	return cifarFormat{name: "cifar10", labelBytes: 1, classes: 10}
}

// cifar100Format is CIFAR-100's layout: a coarse and a fine label byte; the
// fine label (100 classes) is used.
func cifar100Format() cifarFormat {
	return cifarFormat{name: "cifar100", labelBytes: 2, classes: 100}
}

func (f cifarFormat) recordSize() int { return f.labelBytes + cifarPixels }

// parseCIFAR checks the bytes of one batch file and returns its record
// count: the size must be a whole number of records and every label must be
// below the class count.
func parseCIFAR(name string, data []byte, f cifarFormat) (int, error) {
	rs := f.recordSize()
	if len(data) == 0 {
		return 0, fmt.Errorf("%s: empty file (re-download the data set)", name)
	}
	if len(data)%rs != 0 {
		return 0, fmt.Errorf("%s: %d bytes is not a whole number of %d-byte %s records (truncated? re-download the data set)", name, len(data), rs, f.name)
	}
	n := len(data) / rs
	for i := range n {
		if l := int(data[i*rs+f.labelBytes-1]); l >= f.classes {
			return 0, fmt.Errorf("%s: record %d has label %d, out of range for %d classes: not a %s file, or corrupt", name, i, l, f.classes, f.name)
		}
	}
	return n, nil
}

// cifarSource is a CIFAR split held in memory.
type cifarSource struct {
	name    string
	format  cifarFormat
	files   []string
	ends    []int // ends[k] is the number of records in files[:k+1]
	records []byte
}

// openCIFARFiles reads and checks the batch files of one split.
func openCIFARFiles(name string, files []string, f cifarFormat) (*cifarSource, error) {
	s := &cifarSource{name: name, format: f, files: files}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read CIFAR batch: %w", err)
		}
		n, err := parseCIFAR(path, data, f)
		if err != nil {
			return nil, err
		}
		if s.records == nil && len(files) == 1 {
			s.records = data
		} else {
			s.records = append(s.records, data...)
		}
		s.ends = append(s.ends, s.Len()+n)
	}
	return s, nil
}

func openCIFAR10(dir string, sp Split, opts Options) (Source, error) {
	var files, missing []string
	if sp == SplitTest {
		files = []string{filepath.Join(dir, "test_batch.bin")}
	} else {
		for k := 1; k <= 5; k++ {
			files = append(files, filepath.Join(dir, fmt.Sprintf("data_batch_%d.bin", k)))
		}
	}
	present := files[:0:0]
	for _, f := range files {
		if fileExists(f) {
			present = append(present, f)
		} else {
			missing = append(missing, filepath.Base(f))
		}
	}
	if len(present) == 0 {
		return nil, fmt.Errorf("%s: CIFAR-10 %s split missing (%q not found): re-extract cifar-10-binary.tar.gz", dir, sp, missing)
	}
	if len(missing) > 0 {
		opts.warn("%s: CIFAR-10 batches %q are missing; using the other %d", dir, missing, len(present))
	}
	return openCIFARFiles("cifar10/"+string(sp), present, cifar10Format())
}

func openCIFAR100(dir string, sp Split) (Source, error) {
	file := filepath.Join(dir, "train.bin")
	if sp == SplitTest {
		file = filepath.Join(dir, "test.bin")
	}
	if !fileExists(file) {
		return nil, fmt.Errorf("%s: CIFAR-100 %s split missing (%s not found): re-extract cifar-100-binary.tar.gz", dir, sp, filepath.Base(file))
	}
	return openCIFARFiles("cifar100/"+string(sp), []string{file}, cifar100Format())
}

func (s *cifarSource) Name() string         { return s.name }
func (s *cifarSource) Shape() (c, h, w int) { return 3, cifarSide, cifarSide }
func (s *cifarSource) NumClasses() int      { return s.format.classes }
func (s *cifarSource) Stats() Stats         { return ImageNetStats() }

func (s *cifarSource) Len() int {
	if len(s.ends) == 0 {
		return 0
	}
	return s.ends[len(s.ends)-1]
}

func (s *cifarSource) Path(i int) string {
	start := 0
	for k, end := range s.ends {
		if i < end {
			return fmt.Sprintf("%s[%d]", s.files[k], i-start)
		}
		start = end
	}
	return fmt.Sprintf("%s[%d]", s.name, i)
}

func (s *cifarSource) Load(i int, dst *Image) (int, error) {
	rs := s.format.recordSize()
	rec := s.records[i*rs : (i+1)*rs]
	dst.Reset(3, cifarSide, cifarSide)
	copy(dst.Pix, rec[s.format.labelBytes:])
	return int(rec[s.format.labelBytes-1]), nil
}
