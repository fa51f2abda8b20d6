package loader

import (
	"bytes"
	"testing"
)

// FuzzIDX feeds arbitrary bytes, plain or gzip-compressed, to the IDX
// parser: it must return an error or a consistent array, never panic, and
// never allocate more than the data present justifies.
func FuzzIDX(f *testing.F) {
	pix, labels := synthIDX(3, 4, 5, 10)
	f.Add(idxBytes(idxImagesMagic, []int{3, 4, 5}, pix))
	f.Add(idxBytes(idxLabelsMagic, []int{3}, labels))
	f.Add(gzipBytes(f, idxBytes(idxImagesMagic, []int{3, 4, 5}, pix)))
	f.Add(idxBytes(idxImagesMagic, []int{1 << 20, 1 << 10, 1 << 10}, pix))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, magic := range []uint32{idxImagesMagic, idxLabelsMagic} {
			arr, err := decodeIDX("fuzz", bytes.NewReader(data), int64(len(data)), magic)
			if err != nil {
				continue
			}
			total := 1
			for _, d := range arr.dims {
				if d <= 0 {
					t.Fatalf("dimension %d accepted", d)
				}
				total *= d
			}
			if total != len(arr.data) {
				t.Fatalf("dims %v but %d bytes", arr.dims, len(arr.data))
			}
			if int(magic&0xff) != len(arr.dims) {
				t.Fatalf("magic %#x but %d dims", magic, len(arr.dims))
			}
			compressed := len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b
			if !compressed && len(arr.data) > len(data) {
				t.Fatalf("%d bytes of data from a %d-byte file", len(arr.data), len(data))
			}
		}
	})
}

// FuzzCIFAR feeds arbitrary bytes to the CIFAR batch parser and loads the
// records it accepts.
func FuzzCIFAR(f *testing.F) {
	f.Add(cifarBytes(2, cifar10Format()), false)
	f.Add(cifarBytes(1, cifar100Format()), true)
	f.Add(cifarBytes(1, cifar10Format())[:100], false)
	f.Add([]byte{10}, false)
	f.Fuzz(func(t *testing.T, data []byte, hundred bool) {
		format := cifar10Format()
		if hundred {
			format = cifar100Format()
		}
		n, err := parseCIFAR("fuzz", data, format)
		if err != nil {
			return
		}
		if n*format.recordSize() != len(data) {
			t.Fatalf("%d records from %d bytes", n, len(data))
		}
		s := &cifarSource{name: "fuzz", format: format, files: []string{"fuzz"}, ends: []int{n}, records: data}
		var img Image
		for i := range min(n, 4) {
			label, err := s.Load(i, &img)
			if err != nil || label < 0 || label >= format.classes || len(img.Pix) != cifarPixels {
				t.Fatalf("record %d: label %d, %d pixels, %v", i, label, len(img.Pix), err)
			}
		}
	})
}
