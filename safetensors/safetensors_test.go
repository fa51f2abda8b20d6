package safetensors

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// rawFile builds a file from a literal header and data, without
// any checking.
func rawFile(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), data...)
}

func TestSafetensorsRoundTrip(t *testing.T) {
	ents := []Entry{
		{Name: "b", Shape: []int{2, 3}, Data: []float32{1, -2, 3.5, float32(math.Inf(1)), math.Float32frombits(0x7fc00123), -0}},
		{Name: "a", Shape: []int{}, Data: []float32{42}},
		{Name: "empty", Shape: []int{0, 4}, Data: nil},
	}
	var buf bytes.Buffer
	if err := Write(&buf, ents, map[string]string{"format": "pt", "k": "v\"<>"}); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if n := binary.LittleEndian.Uint64(b); n%8 != 0 {
		t.Errorf("header length %d not padded to 8", n)
	}
	f, err := Parse("mem", b)
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{f.Tensors[0].Name, f.Tensors[1].Name, f.Tensors[2].Name}; !slices.Equal(got, []string{"a", "b", "empty"}) {
		t.Errorf("tensor order %v, want sorted", got)
	}
	if f.Metadata["k"] != "v\"<>" || f.Metadata["format"] != "pt" {
		t.Errorf("metadata %v", f.Metadata)
	}
	for _, e := range ents {
		got, err := f.Float32(e.Name)
		if err != nil {
			t.Fatal(err)
		}
		tt, _ := f.Lookup(e.Name)
		if !slices.Equal(tt.Shape, e.Shape) || tt.DType != "F32" || len(got) != len(e.Data) {
			t.Fatalf("%s: shape %v dtype %s len %d", e.Name, tt.Shape, tt.DType, len(got))
		}
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(e.Data[i]) {
				t.Errorf("%s[%d] = %#x, want %#x", e.Name, i, math.Float32bits(got[i]), math.Float32bits(e.Data[i]))
			}
		}
	}
}

func TestSafetensorsHalfFormats(t *testing.T) {
	// F16: 1, -2, 65504 (max), 2⁻²⁴ (smallest subnormal), +Inf; BF16: 1, -0.5.
	f16 := []uint16{0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00}
	bf16 := []uint16{0x3f80, 0xbf00}
	var data []byte
	for _, v := range append(slices.Clone(bf16), f16...) {
		data = binary.LittleEndian.AppendUint16(data, v)
	}
	hdr := `{"h":{"dtype":"F16","shape":[5],"data_offsets":[4,14]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}`
	dir := t.TempDir()
	path := filepath.Join(dir, "half.safetensors")
	if err := os.WriteFile(path, rawFile(hdr, data), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, open := range []func(string) (*File, error){Read, Open} {
		f, err := open(path)
		if err != nil {
			t.Fatal(err)
		}
		h, err := f.Float32("h")
		if err != nil {
			t.Fatal(err)
		}
		if want := []float32{1, -2, 65504, 1.0 / (1 << 24), float32(math.Inf(1))}; !slices.Equal(h, want) {
			t.Errorf("F16 = %v, want %v", h, want)
		}
		b, _ := f.Float32("b")
		if !slices.Equal(b, []float32{1, -0.5}) {
			t.Errorf("BF16 = %v", b)
		}
		f.Close()
	}
}

func TestSafetensorsHostile(t *testing.T) {
	f32 := func(n int) []byte { return make([]byte, 4*n) }
	huge := binary.LittleEndian.AppendUint64(nil, 1<<40)
	cases := []struct {
		name string
		file []byte
		want string
	}{
		{"short", []byte{1, 2, 3}, "too short"},
		{"huge header", append(huge, "{}"...), "exceeds the"},
		{"header past end", append(binary.LittleEndian.AppendUint64(nil, 50), "{}"...), "truncated"},
		{"not object", rawFile(`[1]`, nil), "start with '{'"},
		{"bad json", rawFile(`{"a":`, nil), "invalid JSON"},
		{"trailing", rawFile(`{} {}`, nil), "after the JSON"},
		{"bad utf8", rawFile("{\"\xff\":1}", nil), "UTF-8"},
		{"duplicate", rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, f32(1)), `duplicate entry "a"`},
		{"dtype", rawFile(`{"a":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}`, f32(1)), `"a": unknown dtype`},
		{"null entry", rawFile(`{"a":null}`, nil), `"a": unknown dtype`},
		{"unknown field", rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}`, f32(1)), `unknown field`},
		{"no shape", rawFile(`{"a":{"dtype":"F32","data_offsets":[0,4]}}`, f32(1)), `"a": no shape`},
		{"neg dim", rawFile(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, f32(1)), "negative"},
		{"offsets", rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}}`, f32(1)), "2"},
		{"reversed", rawFile(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}`, f32(1)), "outside"},
		{"past data", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, f32(1)), "outside"},
		{"overflow", rawFile(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}`, nil), "too large"},
		{"overflow zero", rawFile(`{"a":{"dtype":"F32","shape":[0,4294967296,4294967296,4294967296],"data_offsets":[0,0]}}`, nil), "too large"},
		{"length", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, f32(1)), "needs 8 bytes"},
		{"overlap", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32(2)), "overlaps"},
		{"gap", rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32(2)), "gap"},
		{"extra data", rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, f32(2)), "extra data"},
		{"metadata type", rawFile(`{"__metadata__":{"a":1}}`, nil), "strings to strings"},
		{"float offset", rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4.5]}}`, f32(1)), `"a"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("evil.safetensors", c.file)
			if err == nil {
				t.Fatalf("no error")
			}
			if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "evil.safetensors") {
				t.Errorf("error %q, want it to name the file and contain %q", err, c.want)
			}
		})
	}
}

func TestSafetensorsPaddedAndNonFloat(t *testing.T) {
	hdr := `{"__metadata__":null,"i":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}   `
	f, err := Parse("p", rawFile(hdr, make([]byte, 8)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Float32("i"); err == nil || !strings.Contains(err.Error(), `"i" has dtype I64`) {
		t.Errorf("reading I64 as float32: %v", err)
	}
	if _, err := f.Float32("nope"); err == nil || !strings.Contains(err.Error(), `no tensor "nope"`) {
		t.Errorf("missing tensor: %v", err)
	}
}

func TestWriteRejects(t *testing.T) {
	for _, ents := range [][]Entry{
		{{Name: "a", Shape: []int{2}, Data: []float32{1}}},
		{{Name: "a", Shape: []int{1}, Data: []float32{1}}, {Name: "a", Shape: []int{1}, Data: []float32{1}}},
		{{Name: "", Shape: []int{1}, Data: []float32{1}}},
		{{Name: "n", Shape: []int{-1, -1}, Data: []float32{1}}},
	} {
		if err := Write(&bytes.Buffer{}, ents, nil); err == nil {
			t.Errorf("%+v: no error", ents)
		}
	}
}

// FuzzSafetensors checks that the parser never panics, and that whatever
// it accepts reads back and re-encodes to the same values.
func FuzzSafetensors(f *testing.F) {
	var buf bytes.Buffer
	Write(&buf, []Entry{{Name: "w", Shape: []int{2, 2}, Data: []float32{1, 2, 3, 4}}, {Name: "b", Shape: []int{2}, Data: []float32{-1, 0.5}}}, map[string]string{"format": "pt"})
	f.Add(buf.Bytes())
	f.Add(rawFile(`{"h":{"dtype":"F16","shape":[1],"data_offsets":[0,2]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[2,4]}}`, []byte{0, 0x3c, 0x80, 0x3f}))
	f.Add(rawFile(`{}`, nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		sf, err := Parse("fuzz", b)
		if err != nil {
			return
		}
		var ents []Entry
		for _, tt := range sf.Tensors {
			v, err := sf.Float32(tt.Name)
			if err != nil {
				if tt.DType == "F32" || tt.DType == "F16" || tt.DType == "BF16" {
					t.Fatalf("accepted file, but reading %q fails: %v", tt.Name, err)
				}
				continue
			}
			ents = append(ents, Entry{Name: tt.Name, Shape: tt.Shape, Data: v})
		}
		if len(ents) == 0 || slices.ContainsFunc(ents, func(e Entry) bool { return e.Name == "" }) {
			return
		}
		var out bytes.Buffer
		if err := Write(&out, ents, sf.Metadata); err != nil {
			t.Fatalf("re-encoding: %v", err)
		}
		back, err := Parse("back", out.Bytes())
		if err != nil {
			t.Fatalf("re-parsing: %v", err)
		}
		for _, e := range ents {
			v, err := back.Float32(e.Name)
			if err != nil || len(v) != len(e.Data) {
				t.Fatalf("%q after round trip: %v", e.Name, err)
			}
			for i := range v {
				if math.Float32bits(v[i]) != math.Float32bits(e.Data[i]) {
					t.Fatalf("%q[%d] changed in round trip", e.Name, i)
				}
			}
		}
	})
}
