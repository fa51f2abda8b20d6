package loader

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
)

// IDX magic numbers: two zero bytes, the element type (0x08 = uint8) and
// the number of dimensions.
const (
	idxImagesMagic = 0x00000803 // uint8, 3 dimensions: count, rows, columns
	idxLabelsMagic = 0x00000801 // uint8, 1 dimension: count
)

// maxIDXBytes bounds the payload an IDX header may claim (1 TiB), so that
// size arithmetic cannot overflow; real files are checked against the bytes
// actually present long before this matters.
const maxIDXBytes = 1 << 40

// idxArray is the payload of one IDX file: its dimensions and its uint8
// elements in row-major order.
type idxArray struct {
	dims []int
	data []byte
}

// readIDX reads the IDX file at path, gzip-compressed or not (detected from
// its first bytes, whatever its name), and checks that it has the magic
// number want.
func readIDX(path string, want uint32) (idxArray, error) {
	f, err := os.Open(path)
	if err != nil {
		return idxArray{}, fmt.Errorf("open IDX file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return idxArray{}, fmt.Errorf("stat %s: %w", path, err)
	}
	return decodeIDX(path, f, st.Size(), want)
}

// decodeIDX parses an IDX stream of size bytes named name. The dimensions
// the header claims are checked against the bytes really there before any
// large allocation: for a plain file against its size, for a gzip stream
// by growing the buffer only as decompressed data arrives.
func decodeIDX(name string, r io.Reader, size int64, want uint32) (idxArray, error) {
	br := bufio.NewReader(r)
	body := io.Reader(br)
	compressed := false
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return idxArray{}, fmt.Errorf("%s: gzip header: %w (re-download the file)", name, err)
		}
		defer zr.Close()
		body, compressed = zr, true
	}

	var word [4]byte
	if _, err := io.ReadFull(body, word[:]); err != nil {
		return idxArray{}, fmt.Errorf("%s: too short for an IDX header: %w (truncated? re-download the file)", name, err)
	}
	magic := binary.BigEndian.Uint32(word[:])
	if magic != want {
		return idxArray{}, fmt.Errorf("%s: IDX magic number 0x%08x, want 0x%08x (%s): not the right kind of IDX file",
			name, magic, want, describeIDXMagic(want))
	}
	ndim := int(magic & 0xff)
	dims := make([]int, ndim)
	total := uint64(1)
	for i := range dims {
		if _, err := io.ReadFull(body, word[:]); err != nil {
			return idxArray{}, fmt.Errorf("%s: IDX header ends inside dimension %d: %w (truncated? re-download the file)", name, i, err)
		}
		d := uint64(binary.BigEndian.Uint32(word[:]))
		if d == 0 {
			return idxArray{}, fmt.Errorf("%s: IDX dimension %d is 0: the file holds no data", name, i)
		}
		hi, lo := bits.Mul64(total, d)
		if hi != 0 || lo > maxIDXBytes {
			return idxArray{}, fmt.Errorf("%s: IDX header claims an impossible size (dimensions overflow): corrupt file", name)
		}
		total = lo
		dims[i] = int(d)
	}

	var data []byte
	var err error
	if compressed {
		data, err = readAtMost(body, int64(total))
	} else {
		have := size - int64(4+4*ndim)
		if have != int64(total) {
			return idxArray{}, sizeMismatch(name, int64(total), have)
		}
		data = make([]byte, total)
		_, err = io.ReadFull(body, data)
	}
	if err != nil {
		return idxArray{}, fmt.Errorf("%s: read IDX data: %w", name, err)
	}
	if int64(len(data)) < int64(total) {
		return idxArray{}, sizeMismatch(name, int64(total), int64(len(data)))
	}
	if compressed {
		var one [1]byte
		if n, _ := io.ReadFull(body, one[:]); n > 0 {
			return idxArray{}, fmt.Errorf("%s: data continues past the %d bytes the IDX header claims: corrupt file", name, total)
		}
	}
	return idxArray{dims: dims, data: data}, nil
}

// readAtMost reads up to limit bytes from r, growing its buffer as data
// arrives so a small stream never causes a large allocation. A short stream
// is not an error: the caller compares lengths.
func readAtMost(r io.Reader, limit int64) ([]byte, error) {
	buf := make([]byte, 0, min(limit, 1<<16))
	for int64(len(buf)) < limit {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(limit, int64(2*cap(buf))))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return buf, nil
}

func sizeMismatch(name string, want, have int64) error {
	if have < want {
		return fmt.Errorf("%s: truncated: the IDX header claims %d bytes of data but only %d are there (re-download the file)", name, want, have)
	}
	return fmt.Errorf("%s: the IDX header claims %d bytes of data but %d are there: corrupt file", name, want, have)
}

func describeIDXMagic(m uint32) string {
	switch m {
	case idxImagesMagic:
		return "uint8 images, 3 dimensions"
	case idxLabelsMagic:
		return "uint8 labels, 1 dimension"
	}
	return "unknown"
}
