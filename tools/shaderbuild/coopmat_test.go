package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mae-vk/mae-vk/internal/spirv"
	"github.com/mae-vk/mae-vk/shaders"
)

// nvModule assembles or compiles a file of testdata into NV SPIR-V and
// checks that spirv-val accepts it.
func nvModule(t *testing.T, name string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), name+".spv")
	var cmd *exec.Cmd
	src := filepath.Join("testdata", name)
	if strings.HasSuffix(name, ".spvasm") {
		cmd = exec.Command("spirv-as", "--target-env", targetEnv, "-o", out, src)
	} else {
		cmd = exec.Command("glslc", "--target-env="+targetEnv, "-O", "-fshader-stage=compute", "-o", out, src)
	}
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd.Args[0], err, msg)
	}
	spirvVal(t, out)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func spirvVal(t *testing.T, path string) {
	t.Helper()
	if msg, err := exec.Command("spirv-val", "--target-env", targetEnv, path).CombinedOutput(); err != nil {
		t.Fatalf("spirv-val %s: %v\n%s", filepath.Base(path), err, msg)
	}
}

// khrFacts indexes a rewritten module: each KHR matrix type's Use, each
// value's type, and each integer constant's value.
type khrFacts struct {
	insts   []spvInst
	typeUse map[uint32]uint32
	typeOf  map[uint32]uint32
	value   map[uint32]uint32
}

func readKHR(t *testing.T, b []byte) khrFacts {
	t.Helper()
	_, insts, err := parseSPIRV(b)
	if err != nil {
		t.Fatal(err)
	}
	f := khrFacts{insts: insts, typeUse: map[uint32]uint32{}, typeOf: map[uint32]uint32{}, value: map[uint32]uint32{}}
	for _, in := range insts {
		switch in.op {
		case opConstant:
			f.value[in.args[1]] = in.args[2]
		case opTypeCoopMatKHR:
			if len(in.args) != 6 {
				t.Fatalf("OpTypeCooperativeMatrixKHR %%%d has %d operands, want 6", in.args[0], len(in.args))
			}
			u, ok := f.value[in.args[5]]
			if !ok {
				t.Fatalf("Use operand %%%d of %%%d is not a constant declared before it", in.args[5], in.args[0])
			}
			f.typeUse[in.args[0]] = u
		case opCoopMatLoadKHR, opCoopMatMulAddKHR:
			f.typeOf[in.args[1]] = in.args[0]
		}
		if r, ok := resultType(in); ok {
			f.typeOf[in.args[1]] = r
		}
	}
	return f
}

// checkRoles checks every multiply-add's operands and result against the
// Use of their types and that no NV instruction is left.
func (f khrFacts) checkRoles(t *testing.T) (mulAdds int) {
	t.Helper()
	for _, in := range f.insts {
		switch in.op {
		case opTypeCoopMatNV, opCoopMatLoadNV, opCoopMatStoreNV, opCoopMatMulAddNV, opCoopMatLengthNV:
			t.Errorf("NV opcode %d left in the module", in.op)
		case opCapability:
			if in.args[0] == capCoopMatNV {
				t.Error("capability CooperativeMatrixNV left")
			}
		case opExtension:
			if spirv.LiteralString(in.args) == extNV {
				t.Error("extension " + extNV + " left")
			}
		case opCoopMatMulAddKHR:
			mulAdds++
			for i, want := range map[int]uint32{0: useAccumulator, 2: useA, 3: useB, 4: useAccumulator} {
				typ := in.args[0]
				if i > 0 {
					typ = f.typeOf[in.args[i]]
				}
				if u, ok := f.typeUse[typ]; !ok || u != want {
					t.Errorf("MulAdd %%%d operand %d: type %%%d has Use %d (known %v), want %s", in.args[1], i, typ, u, ok, useName(want))
				}
			}
		}
	}
	return mulAdds
}

func has(insts []spvInst, op uint32, pred func([]uint32) bool) bool {
	for _, in := range insts {
		if in.op == op && pred(in.args) {
			return true
		}
	}
	return false
}

func TestNVToKHROpcodeByOpcode(t *testing.T) {
	nv := nvModule(t, "coopmat_nv.spvasm")
	out, err := nvToKHR(nv)
	if err != nil {
		t.Fatal(err)
	}
	f := readKHR(t, out)
	if n := f.checkRoles(t); n != 2 {
		t.Errorf("%d multiply-adds, want 2", n)
	}
	if !has(f.insts, opCapability, func(a []uint32) bool { return a[0] == capCoopMatKHR }) {
		t.Error("no capability CooperativeMatrixKHR (6022)")
	}
	if !has(f.insts, opExtension, func(a []uint32) bool { return spirv.LiteralString(a) == extKHR }) {
		t.Error("no extension " + extKHR)
	}
	// Three loads: (layout, stride) = (row, 16), (col, 8) with Aligned 16, (row, 8).
	var loads [][]uint32
	for _, in := range f.insts {
		if in.op == opCoopMatLoadKHR {
			loads = append(loads, []uint32{f.value[in.args[3]], f.value[in.args[4]], uint32(len(in.args))})
		}
	}
	want := [][]uint32{{layoutRowMajor, 16, 5}, {layoutColMajor, 8, 7}, {layoutRowMajor, 8, 5}}
	if len(loads) != 3 {
		t.Fatalf("%d KHR loads, want 3", len(loads))
	}
	for i := range want {
		for j := range want[i] {
			if loads[i][j] != want[i][j] {
				t.Errorf("load %d: (layout, stride, operands) = %v, want %v", i, loads[i], want[i])
				break
			}
		}
	}
	if !has(f.insts, opCoopMatStoreKHR, func(a []uint32) bool {
		return len(a) == 6 && f.value[a[2]] == layoutColMajor && f.value[a[3]] == 8 && a[4] == 2 /* Aligned */ && a[5] == 16
	}) {
		t.Error("no KHR store with layout ColumnMajor, stride 8, Aligned 16")
	}
	if !has(f.insts, opCoopMatLengthKHR, func(a []uint32) bool { _, ok := f.typeUse[a[2]]; return ok }) {
		t.Error("no OpCooperativeMatrixLengthKHR on a KHR matrix type")
	}
	// One matrix type per role here: nothing to split, three KHR types.
	if len(f.typeUse) != 3 {
		t.Errorf("%d KHR matrix types, want 3", len(f.typeUse))
	}
}

// TestNVToKHRSplitsSharedTypes rewrites glslang's output for a kernel whose
// A and B fragments share one NV type (fp16 16x16) and live in Function
// variables: the type, its pointer type and the variables split by Use.
func TestNVToKHRSplitsSharedTypes(t *testing.T) {
	nv := nvModule(t, "coopmat_nv.comp")
	out, err := nvToKHR(nv)
	if err != nil {
		t.Fatal(err)
	}
	f := readKHR(t, out)
	if n := f.checkRoles(t); n != 1 {
		t.Errorf("%d multiply-adds, want 1", n)
	}
	uses := map[uint32]int{}
	for _, u := range f.typeUse {
		uses[u]++
	}
	if uses[useA] != 1 || uses[useB] != 1 || uses[useAccumulator] != 1 {
		t.Errorf("KHR types per Use = %v, want one each", uses)
	}
	// Every variable of a matrix pointer type points at the Use its values have.
	ptrElem := map[uint32]uint32{}
	for _, in := range f.insts {
		if in.op == opTypePointer {
			ptrElem[in.args[0]] = in.args[2]
		}
	}
	for _, in := range f.insts {
		if in.op == opStore {
			if e, ok := ptrElem[f.typeOf[in.args[0]]]; ok {
				if _, mat := f.typeUse[e]; mat && f.typeOf[in.args[1]] != e {
					t.Errorf("store of %%%d (type %%%d) through pointer to %%%d", in.args[1], f.typeOf[in.args[1]], e)
				}
			}
		}
	}
}

// TestNVToKHRRoundTrip takes both modules to KHR and back: the NV side of
// the result passes spirv-val, so the rewritten structure (types split by
// Use, operands moved) is well formed.
func TestNVToKHRRoundTrip(t *testing.T) {
	for _, name := range []string{"coopmat_nv.spvasm", "coopmat_nv.comp"} {
		t.Run(name, func(t *testing.T) {
			khr, err := nvToKHR(nvModule(t, name))
			if err != nil {
				t.Fatal(err)
			}
			back, err := khrToNV(khr)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "back.spv")
			if err := os.WriteFile(path, back, 0o644); err != nil {
				t.Fatal(err)
			}
			spirvVal(t, path)
		})
	}
}

func TestNVToKHRRejects(t *testing.T) {
	nv := nvModule(t, "coopmat_nv.spvasm")
	_, insts, err := parseSPIRV(nv)
	if err != nil {
		t.Fatal(err)
	}
	// Use the same value as A and as accumulator.
	for i, in := range insts {
		if in.op == opCoopMatMulAddNV {
			insts[i].args[4] = in.args[2]
			break
		}
	}
	h, _, _ := parseSPIRV(nv)
	if _, err := nvToKHR(encodeSPIRV(h, insts, h[3])); err == nil || !strings.Contains(err.Error(), "both") {
		t.Errorf("a value in two roles: err = %v, want one naming both roles", err)
	}
	if _, err := nvToKHR(nv[:len(nv)-2]); err == nil {
		t.Error("a truncated module was accepted")
	}
}

// TestCommittedKHRModules checks every committed CoopMatKHR module: KHR
// opcodes only, each multiply-add's operands typed with their Use, and the
// KHR -> NV round trip accepted by spirv-val.
func TestCommittedKHRModules(t *testing.T) {
	n := 0
	for _, v := range shaders.Variants {
		if !v.CoopMatKHR || v.CoopMatBF16 {
			continue // bf16: spirv-val here knows no bfloat16 (TestCommittedBF16Modules)
		}
		n++
		code, err := shaders.SPIRV(v.Name)
		if err != nil {
			t.Fatal(err)
		}
		if readKHR(t, code).checkRoles(t) == 0 {
			t.Errorf("%s: no multiply-add", v.Name)
		}
		back, err := khrToNV(code)
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		path := filepath.Join(t.TempDir(), v.Name+".spv")
		if err := os.WriteFile(path, back, 0o644); err != nil {
			t.Fatal(err)
		}
		spirvVal(t, path)
	}
	if n == 0 {
		t.Fatal("no CoopMatKHR variant in the table")
	}
}
