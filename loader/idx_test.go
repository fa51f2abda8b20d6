package loader

import (
	"bytes"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestIDXRoundTrip(t *testing.T) {
	for _, gz := range []bool{false, true} {
		dir := t.TempDir()
		trainPix, trainLab := writeIDXPair(t, dir, "train", 12, 5, 4, gz)
		testPix, _ := writeIDXPair(t, dir, "t10k", 3, 5, 4, gz)
		for _, tc := range []struct {
			split string
			n     int
			pix   []byte
		}{{"train", 12, trainPix}, {"test", 3, testPix}} {
			src, err := Open(dir, tc.split, Options{})
			if err != nil {
				t.Fatalf("gz=%v %s: %v", gz, tc.split, err)
			}
			if src.Len() != tc.n {
				t.Errorf("gz=%v %s: Len %d, want %d", gz, tc.split, src.Len(), tc.n)
			}
			if c, h, w := src.Shape(); c != 1 || h != 5 || w != 4 {
				t.Errorf("Shape %d×%d×%d, want 1×5×4", c, h, w)
			}
			var img Image
			for i := range tc.n {
				label, err := src.Load(i, &img)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(img.Pix, tc.pix[i*20:(i+1)*20]) {
					t.Fatalf("item %d pixels differ", i)
				}
				if tc.split == "train" && label != int(trainLab[i]) {
					t.Fatalf("item %d label %d, want %d", i, label, trainLab[i])
				}
			}
		}
		// A single file, labels found beside it.
		name := "train-images-idx3-ubyte"
		if gz {
			name += ".gz"
		}
		src, err := Open(filepath.Join(dir, name), "test", Options{})
		if err != nil {
			t.Fatal(err)
		}
		if src.Len() != 12 || src.NumClasses() != 10 {
			t.Errorf("file source: Len %d classes %d, want 12 and 10", src.Len(), src.NumClasses())
		}
	}
}

func TestIDXErrors(t *testing.T) {
	pix, labels := synthIDX(4, 3, 3, 10)
	good := idxBytes(idxImagesMagic, []int{4, 3, 3}, pix)
	cases := []struct {
		name   string
		images []byte
		labels []byte
		want   string
	}{
		{"wrong magic", idxBytes(0x00000804, []int{4, 3, 3, 1}, pix), idxBytes(idxLabelsMagic, []int{4}, labels), "magic number 0x00000804"},
		{"labels as images", idxBytes(idxLabelsMagic, []int{36}, pix), idxBytes(idxLabelsMagic, []int{4}, labels), "magic number 0x00000801, want 0x00000803"},
		{"truncated", good[:len(good)-5], idxBytes(idxLabelsMagic, []int{4}, labels), "truncated"},
		{"truncated header", good[:9], idxBytes(idxLabelsMagic, []int{4}, labels), "IDX header ends"},
		{"trailing", append(append([]byte{}, good...), 1, 2), idxBytes(idxLabelsMagic, []int{4}, labels), "corrupt file"},
		{"count mismatch", good, idxBytes(idxLabelsMagic, []int{3}, labels[:3]), "has 3 labels but"},
		{"huge claim", idxBytes(idxImagesMagic, []int{1 << 30, 1 << 30, 1 << 30}, nil), idxBytes(idxLabelsMagic, []int{4}, labels), "impossible size"},
		{"zero dim", idxBytes(idxImagesMagic, []int{0, 3, 3}, nil), idxBytes(idxLabelsMagic, []int{4}, labels), "dimension 0 is 0"},
	}
	for _, tc := range cases {
		for _, gz := range []bool{false, true} {
			dir := t.TempDir()
			img, lab := tc.images, tc.labels
			ext := ""
			if gz {
				img, lab, ext = gzipBytes(t, img), gzipBytes(t, lab), ".gz"
			}
			imgPath := filepath.Join(dir, "train-images-idx3-ubyte"+ext)
			writeFile(t, imgPath, img)
			writeFile(t, filepath.Join(dir, "train-labels-idx1-ubyte"+ext), lab)
			_, err := Open(dir, "train", Options{})
			if err == nil {
				t.Errorf("%s gz=%v: no error", tc.name, gz)
				continue
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s gz=%v: error %q does not contain %q", tc.name, gz, err, tc.want)
			}
			if tc.name != "count mismatch" && !strings.Contains(err.Error(), imgPath) {
				t.Errorf("%s gz=%v: error %q does not name %s", tc.name, gz, err, imgPath)
			}
		}
	}
}

func TestIDXSplitFallbackAndMissingLabels(t *testing.T) {
	dir := t.TempDir()
	pix, _ := synthIDX(5, 2, 2, 10)
	writeFile(t, filepath.Join(dir, "emnist-images.idx3-ubyte"), idxBytes(idxImagesMagic, []int{5, 2, 2}, pix))
	var warnings []string
	src, err := Open(dir, "test", Options{Warn: func(s string) { warnings = append(warnings, s) }})
	if err != nil {
		t.Fatal(err)
	}
	if src.Len() != 5 || src.NumClasses() != 0 {
		t.Errorf("Len %d classes %d, want 5 and 0", src.Len(), src.NumClasses())
	}
	if len(warnings) != 2 {
		t.Errorf("warnings %q, want one for the split and one for the labels", warnings)
	}
	if st := src.Stats(); len(st.Mean) != 1 || st.Std[0] <= 0 {
		t.Errorf("measured stats %+v", st)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(filepath.Join(dir, "nope"), "train", Options{}); err == nil || !strings.Contains(err.Error(), "no such file or directory") {
		t.Errorf("missing path: %v", err)
	}
	if _, err := Open(dir, "train", Options{}); err == nil || !strings.Contains(err.Error(), "no pictures") {
		t.Errorf("empty dir: %v", err)
	}
	if _, err := Open(dir, "validate", Options{}); err == nil || !strings.Contains(err.Error(), "unknown split") {
		t.Errorf("bad split: %v", err)
	}
	t.Setenv("MAEVK_MNIST_DIR", dir)
	t.Setenv("GOMODCACHE", dir)
	if _, err := openMNIST(SplitTrain); err != nil && !strings.Contains(err.Error(), "make setup") {
		t.Errorf("mnist error does not mention make setup: %v", err)
	}
}

func TestMNISTDirs(t *testing.T) {
	t.Setenv("MAEVK_MNIST_DIR", "/x/mnist")
	t.Setenv("GOMODCACHE", "/cache")
	got := MNISTDirs()
	want := []string{MNISTInstallDir, "/x/mnist", "/cache/github.com/petar/!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63/data"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("MNISTDirs() = %q, want %q", got, want)
	}
}

// TestIDXHugeClaimAllocatesLittle checks that a small file claiming a huge
// payload fails without allocating what it claims.
func TestIDXHugeClaimAllocatesLittle(t *testing.T) {
	claim := idxBytes(idxImagesMagic, []int{1 << 20, 1 << 9, 1 << 9}, make([]byte, 1000)) // claims 256 GiB
	for _, data := range [][]byte{claim, gzipBytes(t, claim)} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := decodeIDX("huge", bytes.NewReader(data), int64(len(data)), idxImagesMagic)
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), "truncated") {
			t.Errorf("error %v, want truncated", err)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 4<<20 {
			t.Errorf("allocated %d bytes for a %d-byte file", grew, len(data))
		}
	}
}
