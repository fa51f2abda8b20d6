package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/mae-vk/mae-vk/internal/spirv"
)

// Debian 12's glslc compiles GL_NV_cooperative_matrix but not
// GL_KHR_cooperative_matrix, so each cooperative-matrix kernel is written
// once against the NV extension and its KHR module is derived from the NV
// SPIR-V by nvToKHR. The opcode and enum numbers below are those of the
// SPIR-V registry (spirv.core.grammar.json, SPV_NV_cooperative_matrix and
// SPV_KHR_cooperative_matrix).
const (
	opExtension           = 10
	opCapability          = 17
	opTypeInt             = 21
	opTypeArray           = 28
	opTypeRuntimeArray    = 29
	opTypeStruct          = 30
	opTypePointer         = 32
	opTypeFunction        = 33
	opConstantTrue        = 41
	opConstantFalse       = 42
	opConstant            = 43
	opCompositeInsert     = 82
	opCopyObject          = 83
	opSNegate             = 126
	opFNegate             = 127
	opIAdd                = 128
	opFAdd                = 129
	opISub                = 130
	opFSub                = 131
	opIMul                = 132
	opFMul                = 133
	opFDiv                = 136
	opMatrixTimesScalar   = 143
	opSelect              = 169
	opPhi                 = 245
	opVariable            = 59
	opLoad                = 61
	opStore               = 62
	opAccessChain         = 65
	opInBoundsAccessChain = 66

	opTypeCoopMatNV   = 5358
	opCoopMatLoadNV   = 5359
	opCoopMatStoreNV  = 5360
	opCoopMatMulAddNV = 5361
	opCoopMatLengthNV = 5362
	capCoopMatNV      = 5357

	opTypeCoopMatKHR   = 4456
	opCoopMatLoadKHR   = 4457
	opCoopMatStoreKHR  = 4458
	opCoopMatMulAddKHR = 4459
	opCoopMatLengthKHR = 4460
	capCoopMatKHR      = 6022
)

// A cooperative matrix's Use (SPIR-V CooperativeMatrixUse) and memory
// layout (CooperativeMatrixLayout) in the KHR extension.
const (
	useA           = 0
	useB           = 1
	useAccumulator = 2
	layoutRowMajor = 0
	layoutColMajor = 1
)

const (
	extNV  = "SPV_NV_cooperative_matrix"
	extKHR = "SPV_KHR_cooperative_matrix"
)

// spvInst is one SPIR-V instruction: its opcode and its operand words.
type spvInst struct {
	op   uint32
	args []uint32
}

// parseSPIRV splits a module into its five header words and instructions.
func parseSPIRV(b []byte) (header []uint32, insts []spvInst, err error) {
	if len(b)%4 != 0 || len(b) < 20 {
		return nil, nil, errors.New("spirv: not a whole number of words or too short")
	}
	words := make([]uint32, len(b)/4)
	for i := range words {
		words[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	if words[0] != 0x07230203 {
		return nil, nil, fmt.Errorf("spirv: bad magic %#x", words[0])
	}
	header = words[:5]
	for i := 5; i < len(words); {
		n := int(words[i] >> 16)
		if n == 0 || i+n > len(words) {
			return nil, nil, fmt.Errorf("spirv: bad instruction length %d at word %d", n, i)
		}
		insts = append(insts, spvInst{op: words[i] & 0xffff, args: append([]uint32(nil), words[i+1:i+n]...)})
		i += n
	}
	return header, insts, nil
}

// encodeSPIRV joins a header and instructions into a module, with the
// header's id bound set to bound.
func encodeSPIRV(header []uint32, insts []spvInst, bound uint32) []byte {
	var words []uint32
	words = append(words, header...)
	words[3] = bound
	for _, in := range insts {
		words = append(words, uint32(len(in.args)+1)<<16|in.op)
		words = append(words, in.args...)
	}
	out := make([]byte, 4*len(words))
	for i, w := range words {
		binary.LittleEndian.PutUint32(out[4*i:], w)
	}
	return out
}

// spvWords encodes a literal string operand.
func spvWords(s string) []uint32 {
	b := append([]byte(s), 0)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	w := make([]uint32, len(b)/4)
	for i := range w {
		w[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return w
}

// flowOps are the instructions whose matrix-typed result holds the same
// matrix role as their matrix-typed operands (values passing through).
var flowOps = map[uint32]bool{
	opPhi: true, opCopyObject: true, opSelect: true, opFNegate: true, opSNegate: true,
	opFAdd: true, opFSub: true, opFMul: true, opFDiv: true, opIAdd: true, opISub: true,
	opIMul: true, opMatrixTimesScalar: true, opCompositeInsert: true,
}

// nvToKHR rewrites a module that uses SPV_NV_cooperative_matrix into one
// that uses SPV_KHR_cooperative_matrix:
//
//   - capability CooperativeMatrixNV and the extension name become the KHR ones;
//   - each OpTypeCooperativeMatrixNV becomes one OpTypeCooperativeMatrixKHR
//     per Use its values have (MatrixA, MatrixB or Accumulator), and so do
//     the pointer and array types built on it (glslang keeps matrices in
//     Function variables). A value's Use is found by following it to
//     OpCooperativeMatrixMulAddNV through loads, stores, access chains and
//     the instructions in flowOps; a value that never reaches a
//     multiply-add is an accumulator;
//   - load and store take a layout id (RowMajor 0, ColumnMajor 1) in place
//     of the column-major bool, before the stride; MulAdd and Length get
//     their KHR opcodes.
//
// A struct, runtime array or function type holding a matrix is an error,
// as is one value (or variable) needed in two roles.
func nvToKHR(module []byte) ([]byte, error) {
	header, insts, err := parseSPIRV(module)
	if err != nil {
		return nil, err
	}
	bound := header[3]
	newID := func() uint32 { bound++; return bound - 1 }

	// elem maps each matrix type (to itself) and each pointer or array
	// type built on one (to its element type).
	elem := map[uint32]uint32{}
	firstType := -1
	typeOf := map[uint32]uint32{} // value id -> matrix-derived type id
	boolConst := map[uint32]uint32{}
	intTypes := map[uint32]bool{}
	var int32Type uint32
	consts := map[[2]uint32]uint32{} // (int type, value) -> constant id
	for i, in := range insts {
		switch in.op {
		case opTypeInt:
			if in.args[1] == 32 {
				intTypes[in.args[0]] = true
			}
		case opConstant:
			if firstType < 0 && intTypes[in.args[0]] && len(in.args) == 3 { // usable by the matrix types
				key := [2]uint32{in.args[0], in.args[2]}
				if _, ok := consts[key]; !ok {
					consts[key] = in.args[1]
				}
			}
		case opConstantTrue:
			boolConst[in.args[1]] = layoutColMajor
		case opConstantFalse:
			boolConst[in.args[1]] = layoutRowMajor
		case opTypeCoopMatNV:
			elem[in.args[0]] = in.args[0]
			if firstType < 0 {
				firstType = i
				for j := 0; j < i; j++ { // the type of the Rows constant
					if insts[j].op == opConstant && insts[j].args[1] == in.args[3] && intTypes[insts[j].args[0]] {
						int32Type = insts[j].args[0]
					}
				}
			}
		case opTypePointer:
			if _, ok := elem[in.args[2]]; ok {
				elem[in.args[0]] = in.args[2]
			}
		case opTypeArray:
			if _, ok := elem[in.args[1]]; ok {
				elem[in.args[0]] = in.args[1]
			}
		case opTypeRuntimeArray, opTypeStruct, opTypeFunction:
			for _, a := range in.args[1:] {
				if _, ok := elem[a]; ok {
					return nil, fmt.Errorf("coopmat: type %%%d holds matrix type %%%d: keep matrices in values, variables and arrays", in.args[0], a)
				}
			}
		}
		if r, ok := resultType(in); ok {
			if _, isMat := elem[r]; isMat {
				typeOf[in.args[1]] = r
			}
		}
	}
	if firstType < 0 {
		return nil, errors.New("coopmat: module declares no OpTypeCooperativeMatrixNV")
	}
	if int32Type == 0 {
		return nil, errors.New("coopmat: no 32-bit integer type for the Use and layout constants")
	}

	// Union values (and variables) that carry the same matrix, then give
	// each class a Use.
	parent := map[uint32]uint32{}
	var find func(uint32) uint32
	find = func(x uint32) uint32 {
		p, ok := parent[x]
		if !ok || p == x {
			return x
		}
		r := find(p)
		parent[x] = r
		return r
	}
	union := func(a, b uint32) { parent[find(a)] = find(b) }
	want := map[uint32]uint32{}
	for _, in := range insts {
		switch {
		case in.op == opCoopMatMulAddNV:
			for v, u := range map[uint32]uint32{in.args[2]: useA, in.args[3]: useB, in.args[4]: useAccumulator, in.args[1]: useAccumulator} {
				if old, ok := want[v]; ok && old != u {
					return nil, fmt.Errorf("coopmat: value %%%d is used both as %s and %s", v, useName(old), useName(u))
				}
				want[v] = u
			}
			union(in.args[4], in.args[1])
		case in.op == opLoad || in.op == opAccessChain || in.op == opInBoundsAccessChain || in.op == opVariable && len(in.args) > 3:
			if _, ok := typeOf[in.args[1]]; ok {
				if in.op == opVariable {
					union(in.args[3], in.args[1])
				} else {
					union(in.args[2], in.args[1])
				}
			}
		case in.op == opStore:
			if _, ok := typeOf[in.args[0]]; ok {
				union(in.args[1], in.args[0])
			}
		case flowOps[in.op]:
			res := in.args[1]
			t, ok := typeOf[res]
			if !ok {
				continue
			}
			for _, a := range in.args[2:] {
				if typeOf[a] == t {
					union(a, res)
				}
			}
		}
	}
	use := map[uint32]uint32{} // class root -> Use
	for v, u := range want {
		r := find(v)
		if old, ok := use[r]; ok && old != u {
			return nil, fmt.Errorf("coopmat: value %%%d is used both as %s and %s", v, useName(old), useName(u))
		}
		use[r] = u
	}
	useOf := func(v uint32) uint32 {
		if u, ok := use[find(v)]; ok {
			return u
		}
		return useAccumulator
	}

	// The KHR types needed: (type, Use) for each value, and the element
	// types those are built on.
	needed := map[[2]uint32]bool{}
	var need func(t, u uint32)
	need = func(t, u uint32) {
		k := [2]uint32{t, u}
		if needed[k] {
			return
		}
		needed[k] = true
		if e := elem[t]; e != t {
			need(e, u)
		}
	}
	for v, t := range typeOf {
		need(t, useOf(v))
	}
	for t, e := range elem {
		if e == t && !needed[[2]uint32{t, useA}] && !needed[[2]uint32{t, useB}] {
			need(t, useAccumulator) // keep every matrix type declared
		}
	}
	khr := map[[2]uint32]uint32{}
	// New ids are handed out in type-id order, so the module is the same on
	// every run (the committed SPIR-V is checked for freshness).
	types := make([]uint32, 0, len(elem))
	for t := range elem {
		types = append(types, t)
	}
	slices.Sort(types)
	for _, t := range types {
		first := true
		for _, u := range []uint32{useA, useB, useAccumulator} {
			if !needed[[2]uint32{t, u}] {
				continue
			}
			if first {
				khr[[2]uint32{t, u}] = t // the first Use keeps the NV id
				first = false
			} else {
				khr[[2]uint32{t, u}] = newID()
			}
		}
	}

	// Constants for Use and layout, declared before the first matrix type.
	var extra []spvInst
	constant := func(v uint32) uint32 {
		key := [2]uint32{int32Type, v}
		if id, ok := consts[key]; ok {
			return id
		}
		id := newID()
		consts[key] = id
		extra = append(extra, spvInst{op: opConstant, args: []uint32{int32Type, id, v}})
		return id
	}
	for _, u := range []uint32{useA, useB, useAccumulator} {
		constant(u)
	}

	var out []spvInst
	for i, in := range insts {
		if i == firstType {
			out = append(out, extra...)
		}
		args := append([]uint32(nil), in.args...)
		if r, ok := resultType(in); ok && in.op != opCoopMatLengthNV {
			if _, isMat := elem[r]; isMat {
				args[0] = khr[[2]uint32{r, useOf(args[1])}]
			}
		}
		switch in.op {
		case opCapability:
			if args[0] == capCoopMatNV {
				args[0] = capCoopMatKHR
			}
		case opExtension:
			if spirv.LiteralString(args) == extNV {
				args = spvWords(extKHR)
			}
		case opTypeCoopMatNV, opTypePointer, opTypeArray:
			t := args[0]
			e, ok := elem[t]
			if !ok {
				break
			}
			for _, u := range []uint32{useA, useB, useAccumulator} {
				id, ok := khr[[2]uint32{t, u}]
				if !ok {
					continue
				}
				c := append([]uint32(nil), args...)
				c[0] = id
				op := in.op
				switch in.op {
				case opTypeCoopMatNV:
					op = opTypeCoopMatKHR
					c = append(c, constant(u))
				case opTypePointer:
					c[2] = khr[[2]uint32{e, u}]
				case opTypeArray:
					c[1] = khr[[2]uint32{e, u}]
				}
				out = append(out, spvInst{op: op, args: c})
			}
			continue
		case opCoopMatLoadNV: // type, result, pointer, stride, colMajor, [access...]
			l, ok := boolConst[args[4]]
			if !ok {
				return nil, fmt.Errorf("coopmat: load %%%d: column-major operand %%%d is not a constant bool", args[1], args[4])
			}
			args = append([]uint32{args[0], args[1], args[2], constant(l), args[3]}, args[5:]...)
			in.op = opCoopMatLoadKHR
		case opCoopMatStoreNV: // pointer, object, stride, colMajor, [access...]
			l, ok := boolConst[args[3]]
			if !ok {
				return nil, fmt.Errorf("coopmat: store: column-major operand %%%d is not a constant bool", args[3])
			}
			args = append([]uint32{args[0], args[1], constant(l), args[2]}, args[4:]...)
			in.op = opCoopMatStoreKHR
		case opCoopMatMulAddNV:
			in.op = opCoopMatMulAddKHR
		case opCoopMatLengthNV:
			in.op = opCoopMatLengthKHR
			for _, u := range []uint32{useA, useB, useAccumulator} {
				if id, ok := khr[[2]uint32{args[2], u}]; ok {
					args[2] = id
					break
				}
			}
		}
		out = append(out, spvInst{op: in.op, args: args})
	}
	return encodeSPIRV(header, out, bound), nil
}

func useName(u uint32) string {
	return [...]string{"MatrixA", "MatrixB", "Accumulator"}[u]
}

// resultType returns the result-type operand of the instructions that have
// one and may produce a matrix. It knows the opcodes a compute kernel's
// matrix code uses; an instruction outside the list is treated as having
// no matrix result.
func resultType(in spvInst) (uint32, bool) {
	switch in.op {
	case opConstant, 44 /* OpConstantComposite */, 46 /* OpConstantNull */, 1, /* OpUndef */
		opLoad, opVariable, opAccessChain, opInBoundsAccessChain, 80 /* OpCompositeConstruct */, 81 /* OpCompositeExtract */, opCompositeInsert, opCopyObject,
		opSNegate, opFNegate, opIAdd, opFAdd, opISub, opFSub, opIMul, opFMul, opFDiv, opMatrixTimesScalar,
		opSelect, opPhi, 109 /* OpConvertFToU */, 110 /* OpConvertFToS */, 111 /* OpConvertSToF */, 112, /* OpConvertUToF */
		113 /* OpUConvert */, 114 /* OpSConvert */, 115 /* OpFConvert */, 124, /* OpBitcast */
		opCoopMatLoadNV, opCoopMatMulAddNV, opCoopMatLengthNV:
		if len(in.args) >= 2 {
			return in.args[0], true
		}
	}
	return 0, false
}

// khrToNV undoes nvToKHR for tests: it drops each matrix type's Use,
// turns layout ids back into the column-major bools the module declares,
// and gives the opcodes, capability and extension their NV names. Types
// nvToKHR split by Use stay split. spirv-val knows only the NV side, so
// this is how the rewritten module's structure gets validated here.
func khrToNV(module []byte) ([]byte, error) {
	header, insts, err := parseSPIRV(module)
	if err != nil {
		return nil, err
	}
	value := map[uint32]uint32{}
	var trueID, falseID uint32
	for _, in := range insts {
		switch in.op {
		case opConstant:
			if len(in.args) == 3 {
				value[in.args[1]] = in.args[2]
			}
		case opConstantTrue:
			trueID = in.args[1]
		case opConstantFalse:
			falseID = in.args[1]
		}
	}
	colMajor := func(layout uint32) (uint32, error) {
		switch v, ok := value[layout]; {
		case ok && v == layoutColMajor && trueID != 0:
			return trueID, nil
		case ok && v == layoutRowMajor && falseID != 0:
			return falseID, nil
		}
		return 0, fmt.Errorf("coopmat: layout %%%d has no bool constant to become", layout)
	}
	// Types split by Use become duplicates, which NV forbids: keep the first.
	same := map[[4]uint32]uint32{}
	rename := map[uint32]uint32{}
	for _, in := range insts {
		if in.op == opTypeCoopMatKHR {
			k := [4]uint32{in.args[1], in.args[2], in.args[3], in.args[4]}
			if first, ok := same[k]; ok {
				rename[in.args[0]] = first
			} else {
				same[k] = in.args[0]
			}
		}
	}
	ren := func(args []uint32, i int) {
		if r, ok := rename[args[i]]; ok {
			args[i] = r
		}
	}
	var out []spvInst
	for _, in := range insts {
		args := append([]uint32(nil), in.args...)
		if _, ok := resultType(in); ok {
			ren(args, 0)
		}
		switch in.op {
		case opTypePointer:
			ren(args, 2)
		case opTypeArray:
			ren(args, 1)
		case opCoopMatLoadKHR, opCoopMatMulAddKHR:
			ren(args, 0)
		}
		switch in.op {
		case opCapability:
			if args[0] == capCoopMatKHR {
				args[0] = capCoopMatNV
			}
		case opExtension:
			if spirv.LiteralString(args) == extKHR {
				args = spvWords(extNV)
			}
		case opTypeCoopMatKHR:
			if _, dup := rename[args[0]]; dup {
				continue
			}
			in.op, args = opTypeCoopMatNV, args[:5]
		case opCoopMatLoadKHR:
			b, err := colMajor(args[3])
			if err != nil {
				return nil, err
			}
			in.op = opCoopMatLoadNV
			args = append([]uint32{args[0], args[1], args[2], args[4], b}, args[5:]...)
		case opCoopMatStoreKHR:
			b, err := colMajor(args[2])
			if err != nil {
				return nil, err
			}
			in.op = opCoopMatStoreNV
			args = append([]uint32{args[0], args[1], args[3], b}, args[4:]...)
		case opCoopMatMulAddKHR:
			in.op, args = opCoopMatMulAddNV, args[:5]
		case opCoopMatLengthKHR:
			in.op = opCoopMatLengthNV
			ren(args, 2)
		}
		out = append(out, spvInst{op: in.op, args: args})
	}
	return encodeSPIRV(header, out, header[3]), nil
}
