package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/mae-vk/mae-vk/internal/spirv"
	"github.com/mae-vk/mae-vk/shaders"
)

// fp16KHR is testdata/coopmat_fp16.spvasm taken to KHR, the input
// fp16ToBF16 gets in the build.
func fp16KHR(t *testing.T) []byte {
	t.Helper()
	khr, err := nvToKHR(nvModule(t, "coopmat_fp16.spvasm"))
	if err != nil {
		t.Fatal(err)
	}
	return khr
}

func TestBF16FromHalf(t *testing.T) {
	for _, c := range []struct {
		h, want uint16
		exact   bool
	}{
		{0x3c00, 0x3f80, true},  // 1
		{0xc000, 0xc000, true},  // -2
		{0x3800, 0x3f00, true},  // 0.5
		{0x0000, 0x0000, true},  // 0
		{0x8000, 0x8000, true},  // -0
		{0x0001, 0x3380, true},  // 2⁻²⁴, the smallest subnormal
		{0x7bff, 0x477f, false}, // 65504 needs 11 bits
		{0x3c01, 0x3f80, false}, // 1 + 2⁻¹⁰
		{0x7c00, 0x7f80, true},  // +Inf
		{0xfc00, 0xff80, true},  // -Inf
		{0x7e00, 0x7fc0, true},  // NaN
		{0xfe01, 0xffc0, true},  // -NaN with a payload
	} {
		got, exact := bf16FromHalf(c.h)
		if got != c.want || exact != c.exact {
			t.Errorf("bf16FromHalf(%#04x) = %#04x, %v; want %#04x, %v", c.h, got, exact, c.want, c.exact)
		}
	}
}

// TestFP16ToBF16 retypes the test module: the float type gets the
// BFloat16KHR encoding, every 16-bit constant its bfloat16 bits, the
// capabilities and extension appear once, Float16 goes, and every other
// instruction is unchanged.
func TestFP16ToBF16(t *testing.T) {
	in := fp16KHR(t)
	out, err := fp16ToBF16(in)
	if err != nil {
		t.Fatal(err)
	}
	_, before, _ := parseSPIRV(in)
	_, after, err := parseSPIRV(out)
	if err != nil {
		t.Fatal(err)
	}
	var halfType uint32
	for _, x := range before {
		if x.op == opTypeFloat && x.args[1] == 16 {
			halfType = x.args[0]
		}
	}
	count := func(op uint32, pred func([]uint32) bool) int {
		n := 0
		for _, x := range after {
			if x.op == op && pred(x.args) {
				n++
			}
		}
		return n
	}
	capIs := func(c uint32) func([]uint32) bool { return func(a []uint32) bool { return a[0] == c } }
	if n := count(opCapability, capIs(capBF16Type)); n != 1 {
		t.Errorf("%d BFloat16TypeKHR (5116) capabilities, want 1", n)
	}
	if n := count(opCapability, capIs(capBF16CoopMat)); n != 1 {
		t.Errorf("%d BFloat16CooperativeMatrixKHR (5118) capabilities, want 1", n)
	}
	if n := count(opCapability, capIs(capFloat16)); n != 0 {
		t.Errorf("capability Float16 kept (%d)", n)
	}
	if n := count(opExtension, func(a []uint32) bool { return spirv.LiteralString(a) == extBF16 }); n != 1 {
		t.Errorf("%d %s extensions, want 1", n, extBF16)
	}
	if n := count(opTypeFloat, func(a []uint32) bool { return slices.Equal(a, []uint32{halfType, 16, fpEncodingBF16}) }); n != 1 {
		t.Errorf("OpTypeFloat %%%d not retyped to 16 BFloat16KHR", halfType)
	}
	// Every constant of the type, re-encoded: 1, -2, 0.5, 0 and the spec constant 1.
	var consts []uint32
	for _, x := range after {
		if (x.op == opConstant || x.op == opSpecConstant) && x.args[0] == halfType {
			consts = append(consts, x.args[2])
		}
	}
	if want := []uint32{0x3f80, 0xc000, 0x3f00, 0, 0x3f80}; !slices.Equal(consts, want) {
		t.Errorf("16-bit constants %#x, want %#x", consts, want)
	}
	// The rest, word for word: drop what was added and removed, and compare
	// with the input with only the retyped instructions changed back.
	var kept []spvInst
	for _, x := range after {
		switch {
		case x.op == opCapability && (x.args[0] == capBF16Type || x.args[0] == capBF16CoopMat),
			x.op == opExtension && spirv.LiteralString(x.args) == extBF16:
			continue
		}
		kept = append(kept, x)
	}
	var want []spvInst
	for _, x := range before {
		if x.op == opCapability && x.args[0] == capFloat16 {
			continue
		}
		want = append(want, x)
	}
	if len(kept) != len(want) {
		t.Fatalf("%d instructions besides those added and removed, want %d", len(kept), len(want))
	}
	changed := 0
	for i := range want {
		if kept[i].op != want[i].op || !slices.Equal(kept[i].args, want[i].args) {
			changed++
			if r := want[i]; !(r.op == opTypeFloat || (r.op == opConstant || r.op == opSpecConstant) && r.args[0] == halfType) {
				t.Errorf("instruction %d (opcode %d) changed: %v -> %v", i, r.op, r.args, kept[i].args)
			}
		}
	}
	if changed != 4 { // the type and three constants (-2 and 0 keep their bits)
		t.Errorf("%d instructions changed, want 4", changed)
	}
}

// TestFP16ToBF16Rejects: arithmetic on a 16-bit value (result or operand),
// a constant bfloat16 cannot hold, an NV module, and a module without a
// 16-bit float are errors; the arithmetic one names its opcode.
func TestFP16ToBF16Rejects(t *testing.T) {
	in := fp16KHR(t)
	header, insts, _ := parseSPIRV(in)
	edit := func(f func(insts []spvInst) bool) []byte {
		t.Helper()
		c := make([]spvInst, len(insts))
		for i, x := range insts {
			c[i] = spvInst{op: x.op, args: slices.Clone(x.args)}
		}
		if !f(c) {
			t.Fatal("edit found nothing to change")
		}
		return encodeSPIRV(header, c, header[3])
	}
	var halfType uint32
	for _, x := range insts {
		if x.op == opTypeFloat && x.args[1] == 16 {
			halfType = x.args[0]
		}
	}
	cases := []struct {
		name, want string
		module     []byte
	}{
		{"OpFNegate on a half", "OpFNegate", edit(func(c []spvInst) bool {
			for i := range c {
				if c[i].op == opCopyObject { // %h1 = OpCopyObject %half %h0
					c[i].op = opFNegate
					return true
				}
			}
			return false
		})},
		{"OpFAdd of halves into a float", "OpFAdd", edit(func(c []spvInst) bool {
			for i := range c {
				if c[i].op == opFConvert { // %f0 = OpFConvert %float %e0 -> OpFAdd %float %e0 %e0
					c[i].op, c[i].args = opFAdd, append(c[i].args, c[i].args[2])
					return true
				}
			}
			return false
		})},
		{"inexact constant", "no exact bfloat16", edit(func(c []spvInst) bool {
			for i := range c {
				if c[i].op == opConstant && c[i].args[0] == halfType {
					c[i].args[2] = 0x3c01
					return true
				}
			}
			return false
		})},
		{"NV module", "KHR first", nvModule(t, "coopmat_fp16.spvasm")},
		{"no 16-bit float", "no 16-bit float", nvModuleKHR(t, "coopmat_nv.comp")},
	}
	for _, c := range cases {
		_, err := fp16ToBF16(c.module)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one containing %q", c.name, err, c.want)
		}
	}
	if _, err := fp16ToBF16(in); err != nil {
		t.Errorf("the unedited module: %v", err)
	}
}

// nvModuleKHR is a testdata module taken to KHR, with its 16-bit float
// type (if any) made 32-bit, so that it has none.
func nvModuleKHR(t *testing.T, name string) []byte {
	t.Helper()
	khr, err := nvToKHR(nvModule(t, name))
	if err != nil {
		t.Fatal(err)
	}
	h, insts, _ := parseSPIRV(khr)
	for i := range insts {
		if insts[i].op == opTypeFloat && insts[i].args[1] == 16 {
			insts[i].args[1] = 64
		}
	}
	return encodeSPIRV(h, insts, h[3])
}

// TestCommittedBF16Modules checks every committed CoopMatBF16 module: the
// KHR structure of TestCommittedKHRModules (roles of each multiply-add),
// A and B of bfloat16 and the accumulator float32, the bfloat16
// capabilities and extension, no Float16; and that a C-float32 module is
// its fp16 twin (<name> without _bf16) apart from the retyping.
func TestCommittedBF16Modules(t *testing.T) {
	n := 0
	for _, v := range shaders.Variants {
		if !v.CoopMatBF16 {
			continue
		}
		n++
		code, err := shaders.SPIRV(v.Name)
		if err != nil {
			t.Fatal(err)
		}
		f := readKHR(t, code)
		if f.checkRoles(t) == 0 {
			t.Errorf("%s: no multiply-add", v.Name)
		}
		bf16, f32 := map[uint32]bool{}, map[uint32]bool{}
		caps := map[uint32]int{}
		ext := 0
		for _, in := range f.insts {
			switch {
			case in.op == opTypeFloat && slices.Equal(in.args[1:], []uint32{16, fpEncodingBF16}):
				bf16[in.args[0]] = true
			case in.op == opTypeFloat && slices.Equal(in.args[1:], []uint32{32}):
				f32[in.args[0]] = true
			case in.op == opTypeFloat && in.args[1] == 16:
				t.Errorf("%s: IEEE 16-bit float type %%%d left", v.Name, in.args[0])
			case in.op == opCapability:
				caps[in.args[0]]++
			case in.op == opExtension && spirv.LiteralString(in.args) == extBF16:
				ext++
			case in.op == opTypeCoopMatKHR:
				u := f.typeUse[in.args[0]]
				if u == useAccumulator && !f32[in.args[1]] || u != useAccumulator && !bf16[in.args[1]] {
					t.Errorf("%s: %s matrix %%%d of component %%%d", v.Name, useName(u), in.args[0], in.args[1])
				}
			}
		}
		if caps[capBF16Type] != 1 || caps[capBF16CoopMat] != 1 || caps[capFloat16] != 0 || ext != 1 {
			t.Errorf("%s: capabilities %v (want 5116 and 5118 once, no 9), %d %s", v.Name, caps, ext, extBF16)
		}
		twinName, ok := strings.CutSuffix(v.Name, "_bf16")
		if !ok || strings.HasSuffix(twinName, "_c16") {
			continue
		}
		twin, err := shaders.SPIRV(twinName)
		if err != nil {
			t.Fatalf("%s: fp16 twin: %v", v.Name, err)
		}
		if want, err := fp16ToBF16(twin); err != nil || !slices.Equal(want, code) {
			t.Errorf("%s is not %s retyped (%v)", v.Name, twinName, err)
		}
	}
	if n == 0 {
		t.Fatal("no CoopMatBF16 variant in the table")
	}
}
