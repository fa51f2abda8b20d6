package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxHeader is the largest JSON header Read accepts,
// 100 MiB, as the reference safetensors implementation does.
const MaxHeader = 100 << 20

// metadataKey is the header key that holds the string metadata.
const metadataKey = "__metadata__"

// dtypeSize returns the element size in bytes of a safetensors dtype, or 0
// for an unknown one. Only F32, F16 and BF16 can be read as float32; the
// others are known so that a file holding them still parses and the error
// names the tensor.
func dtypeSize(dtype string) int {
	switch dtype {
	case "BOOL", "U8", "I8", "F8_E4M3", "F8_E5M2":
		return 1
	case "U16", "I16", "F16", "BF16":
		return 2
	case "U32", "I32", "F32":
		return 4
	case "U64", "I64", "F64":
		return 8
	}
	return 0
}

// Tensor describes one tensor of a safetensors file.
type Tensor struct {
	Name  string
	DType string // "F32", "F16", "BF16", … as in the file
	Shape []int
	Begin int64 // first byte in the data section
	End   int64 // one past the last byte in the data section
}

// Len returns the number of elements, the product of the shape (1 for a
// scalar).
func (t Tensor) Len() int { return Elements(t.Shape) }

// Elements returns the number of elements of a tensor of the given shape,
// the product of its dimensions (1 for a scalar, shape []).
func Elements(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// File is a parsed and validated safetensors file. The header is
// in memory; tensor data is read on demand. A file from Open
// must be closed; one from Read or Parse need not be.
type File struct {
	Path     string            // the file name used in errors
	Metadata map[string]string // the "__metadata__" entries, never nil
	Tensors  []Tensor
	r        io.ReaderAt
	c        io.Closer
	data     int64 // file offset of the data section
	index    map[string]int
}

// Read reads and validates the whole safetensors file at path
// into memory (see Parse for what is checked).
func Read(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	return Parse(path, b)
}

// Open reads and validates the header of the safetensors file at
// path and keeps the file open to read tensors from it as needed, so that
// a large model is never held twice in memory. Close the result.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("safetensors: %s: %w", path, err)
	}
	sf, err := parse(path, f, st.Size())
	if err != nil {
		f.Close()
		return nil, err
	}
	sf.c = f
	return sf, nil
}

// Parse validates the safetensors file held in b; name is used
// in errors. It checks that the header length is at most
// MaxHeader and fits the file, that the header is valid UTF-8
// JSON with no duplicate names, that every entry has a known dtype, a
// non-negative shape and two offsets, that the byte length of every tensor
// is product(shape)·dtype size (without overflow), and that the tensors
// tile the data section exactly: in offset order, each begins where the
// previous one ends, the first at 0 and the last at the end of the file.
func Parse(name string, b []byte) (*File, error) {
	return parse(name, bytes.NewReader(b), int64(len(b)))
}

// Close releases the file of Open; on other files it does
// nothing.
func (f *File) Close() error {
	if f.c == nil {
		return nil
	}
	err := f.c.Close()
	f.c, f.r = nil, nil
	return err
}

// Lookup returns the named tensor.
func (f *File) Lookup(name string) (Tensor, bool) {
	i, ok := f.index[name]
	if !ok {
		return Tensor{}, false
	}
	return f.Tensors[i], true
}

// Float32 returns the named tensor converted to float32.
func (f *File) Float32(name string) ([]float32, error) {
	t, ok := f.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("safetensors: %s: no tensor %q", f.Path, name)
	}
	dst := make([]float32, t.Len())
	return dst, f.ReadFloat32(name, dst)
}

// ReadFloat32 reads the named tensor into dst, converting F16 and BF16 to
// float32; len(dst) must equal the tensor's element count. Other dtypes are
// an error.
func (f *File) ReadFloat32(name string, dst []float32) error {
	t, ok := f.Lookup(name)
	if !ok {
		return fmt.Errorf("safetensors: %s: no tensor %q", f.Path, name)
	}
	if len(dst) != t.Len() {
		return fmt.Errorf("safetensors: %s: tensor %q has %d elements, destination %d", f.Path, name, t.Len(), len(dst))
	}
	if t.DType != "F32" && t.DType != "F16" && t.DType != "BF16" {
		return fmt.Errorf("safetensors: %s: tensor %q has dtype %s; only F32, F16 and BF16 can be read as float32 (convert it in PyTorch with .float())", f.Path, name, t.DType)
	}
	if f.r == nil {
		return fmt.Errorf("safetensors: %s: file is closed", f.Path)
	}
	size := int64(dtypeSize(t.DType))
	const chunk = 1 << 20 // elements per read
	buf := make([]byte, min(int64(len(dst)), chunk)*size)
	for done := 0; done < len(dst); {
		n := min(len(dst)-done, chunk)
		raw := buf[:int64(n)*size]
		if _, err := f.r.ReadAt(raw, f.data+t.Begin+int64(done)*size); err != nil {
			return fmt.Errorf("safetensors: %s: reading tensor %q: %w (the file may have been truncated; save it again)", f.Path, name, err)
		}
		decodeFloats(t.DType, raw, dst[done:done+n])
		done += n
	}
	return nil
}

// decodeFloats converts little-endian raw values of dtype to float32.
func decodeFloats(dtype string, raw []byte, dst []float32) {
	switch dtype {
	case "F32":
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	case "F16":
		for i := range dst {
			dst[i] = halfToFloat32(binary.LittleEndian.Uint16(raw[2*i:]))
		}
	case "BF16":
		for i := range dst {
			dst[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(raw[2*i:])) << 16)
		}
	}
}

// halfToFloat32 converts an IEEE 754 binary16 value exactly.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN, payload kept
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	case exp != 0: // normal
		return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
	case mant == 0: // ±0
		return math.Float32frombits(sign)
	default: // subnormal: mant·2⁻²⁴
		v := float32(mant) / (1 << 24)
		if sign != 0 {
			v = -v
		}
		return v
	}
}

// headerEntry is one tensor entry of the JSON header.
type headerEntry struct {
	DType       string  `json:"dtype"`
	Shape       []int64 `json:"shape"`
	DataOffsets []int64 `json:"data_offsets"`
}

func parse(name string, r io.ReaderAt, size int64) (*File, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("safetensors: %s: "+format, append([]any{name}, args...)...)
	}
	if size < 8 {
		return nil, bad("%d bytes, too short for a safetensors file (need an 8-byte header length); is it a safetensors file?", size)
	}
	var lenBuf [8]byte
	if _, err := r.ReadAt(lenBuf[:], 0); err != nil {
		return nil, bad("reading the header length: %w", err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > MaxHeader {
		return nil, bad("header length %d exceeds the %d-byte limit; not a safetensors file, or a corrupt one", n, MaxHeader)
	}
	if n > uint64(size-8) {
		return nil, bad("header length %d exceeds the %d bytes after it; the file is truncated or not safetensors", n, size-8)
	}
	header := make([]byte, n)
	if _, err := r.ReadAt(header, 8); err != nil {
		return nil, bad("reading the header: %w", err)
	}
	if len(header) == 0 || header[0] != '{' {
		return nil, bad("header does not start with '{'; not a safetensors file")
	}
	if !utf8.Valid(header) {
		return nil, bad("header is not valid UTF-8")
	}
	entries, meta, err := decodeHeader(header)
	if err != nil {
		return nil, bad("header: %w", err)
	}
	f := &File{Path: name, Metadata: meta, r: r, data: 8 + int64(n), index: map[string]int{}}
	dataLen := size - f.data
	for _, e := range entries {
		t, err := checkEntry(e.name, e.entry, dataLen)
		if err != nil {
			return nil, bad("%w", err)
		}
		f.index[t.Name] = len(f.Tensors)
		f.Tensors = append(f.Tensors, t)
	}
	if err := checkTiling(f.Tensors, dataLen); err != nil {
		return nil, bad("%w", err)
	}
	return f, nil
}

type namedEntry struct {
	name  string
	entry headerEntry
}

// decodeHeader walks the top-level JSON object, rejecting duplicate keys
// (encoding/json would silently keep the last) and trailing data.
func decodeHeader(header []byte) ([]namedEntry, map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(header))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, fmt.Errorf("not a JSON object")
	}
	meta := map[string]string{}
	var entries []namedEntry
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, fmt.Errorf("invalid JSON: %w", err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, nil, fmt.Errorf("invalid JSON key %v", tok)
		}
		if seen[key] {
			return nil, nil, fmt.Errorf("duplicate entry %q", key)
		}
		seen[key] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, fmt.Errorf("entry %q: invalid JSON: %w", key, err)
		}
		if key == metadataKey {
			if err := json.Unmarshal(raw, &meta); err != nil {
				return nil, nil, fmt.Errorf("%s must map strings to strings: %w", key, err)
			}
			if meta == nil { // "__metadata__": null
				meta = map[string]string{}
			}
			continue
		}
		var e headerEntry
		ed := json.NewDecoder(bytes.NewReader(raw))
		ed.DisallowUnknownFields()
		if err := ed.Decode(&e); err != nil {
			return nil, nil, fmt.Errorf("tensor %q: %w", key, err)
		}
		entries = append(entries, namedEntry{key, e})
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, fmt.Errorf("data after the JSON object")
	}
	return entries, meta, nil
}

// checkEntry validates one tensor entry against a data section of dataLen
// bytes.
func checkEntry(name string, e headerEntry, dataLen int64) (Tensor, error) {
	size := dtypeSize(e.DType)
	if size == 0 {
		return Tensor{}, fmt.Errorf("tensor %q: unknown dtype %q", name, e.DType)
	}
	if e.Shape == nil {
		return Tensor{}, fmt.Errorf("tensor %q: no shape", name)
	}
	if len(e.DataOffsets) != 2 {
		return Tensor{}, fmt.Errorf("tensor %q: data_offsets has %d values, want 2", name, len(e.DataOffsets))
	}
	begin, end := e.DataOffsets[0], e.DataOffsets[1]
	if begin < 0 || end < begin || end > dataLen {
		return Tensor{}, fmt.Errorf("tensor %q: data_offsets [%d, %d] outside the %d-byte data section (truncated file?)", name, begin, end, dataLen)
	}
	shape := make([]int, len(e.Shape))
	count, nonzero := int64(1), int64(1) // nonzero: product of the non-zero dims
	for i, d := range e.Shape {
		if d < 0 {
			return Tensor{}, fmt.Errorf("tensor %q: negative dimension in shape %v", name, e.Shape)
		}
		if d != 0 && nonzero > math.MaxInt/8/d { // keeps count·size and every int in range
			return Tensor{}, fmt.Errorf("tensor %q: shape %v is too large", name, e.Shape)
		}
		if d != 0 {
			nonzero *= d
		}
		count *= d
		shape[i] = int(d)
	}
	if count*int64(size) != end-begin {
		return Tensor{}, fmt.Errorf("tensor %q: %s shape %v needs %d bytes, data_offsets give %d", name, e.DType, e.Shape, count*int64(size), end-begin)
	}
	return Tensor{Name: name, DType: e.DType, Shape: shape, Begin: begin, End: end}, nil
}

// checkTiling checks that the tensors cover [0, dataLen) without gaps or
// overlaps.
func checkTiling(ts []Tensor, dataLen int64) error {
	order := slices.Clone(ts)
	slices.SortStableFunc(order, func(a, b Tensor) int {
		if a.Begin != b.Begin {
			return cmpInt64(a.Begin, b.Begin)
		}
		return cmpInt64(a.End, b.End)
	})
	var at int64
	prev := "the start of the data"
	for _, t := range order {
		switch {
		case t.Begin < at:
			return fmt.Errorf("tensor %q (bytes %d–%d) overlaps %s", t.Name, t.Begin, t.End, prev)
		case t.Begin > at:
			return fmt.Errorf("gap of %d bytes before tensor %q, after %s", t.Begin-at, t.Name, prev)
		}
		at = t.End
		prev = fmt.Sprintf("tensor %q", t.Name)
	}
	if at != dataLen {
		return fmt.Errorf("tensors end at byte %d of a %d-byte data section (extra data after %s)", at, dataLen, prev)
	}
	return nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Entry is one float32 tensor to write.
type Entry struct {
	Name  string
	Shape []int
	Data  []float32 // product(Shape) values, row-major
}

// Write writes entries as F32 tensors, sorted by name, with
// metadata (may be nil), to w. The header is padded with spaces to a
// multiple of 8 bytes. It fails on an empty or duplicate name or a shape
// that does not match the data length.
func Write(w io.Writer, entries []Entry, metadata map[string]string) error {
	sorted := slices.Clone(entries)
	slices.SortFunc(sorted, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	header := make(map[string]any, len(sorted)+1)
	var off int64
	for i, e := range sorted {
		switch {
		case e.Name == "" || e.Name == metadataKey:
			return fmt.Errorf("safetensors: invalid tensor name %q", e.Name)
		case i > 0 && sorted[i-1].Name == e.Name:
			return fmt.Errorf("safetensors: duplicate tensor %q", e.Name)
		case (Tensor{Shape: e.Shape}).Len() != len(e.Data) || slices.ContainsFunc(e.Shape, func(d int) bool { return d < 0 }):
			return fmt.Errorf("safetensors: tensor %q: shape %v does not hold %d values", e.Name, e.Shape, len(e.Data))
		}
		end := off + 4*int64(len(e.Data))
		header[e.Name] = headerEntry{DType: "F32", Shape: toInt64s(e.Shape), DataOffsets: []int64{off, end}}
		off = end
	}
	if len(metadata) > 0 {
		header[metadataKey] = metadata
	}
	js, err := json.Marshal(header) // map keys come out sorted
	if err != nil {
		return fmt.Errorf("safetensors: encoding the header: %w", err)
	}
	if pad := (8 - len(js)%8) % 8; pad > 0 {
		js = append(js, bytes.Repeat([]byte{' '}, pad)...)
	}
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(js)))
	if _, err := w.Write(lenBuf[:]); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	if _, err := w.Write(js); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	buf := make([]byte, 0, 1<<16)
	for _, e := range sorted {
		for _, v := range e.Data {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			if len(buf) == cap(buf) {
				if _, err := w.Write(buf); err != nil {
					return fmt.Errorf("safetensors: %w", err)
				}
				buf = buf[:0]
			}
		}
	}
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	return nil
}

func toInt64s(s []int) []int64 {
	out := make([]int64, len(s))
	for i, v := range s {
		out[i] = int64(v)
	}
	return out
}
