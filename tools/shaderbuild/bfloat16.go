package main

import (
	"errors"
	"fmt"
	"math"

	"github.com/mae-vk/mae-vk/internal/spirv"
)

// Debian 12's glslc has no GL_EXT_bfloat16 and its spirv-tools do not know
// SPV_KHR_bfloat16, so a bfloat16 cooperative-matrix kernel is the fp16
// one with its 16-bit float type retyped: fp16ToBF16 rewrites the KHR
// module that nvToKHR derived. Numbers from the SPIR-V registry
// (SPV_KHR_bfloat16): FP Encoding BFloat16KHR 0, capabilities
// BFloat16TypeKHR 5116 and BFloat16CooperativeMatrixKHR 5118.
const (
	opTypeFloat      = 22
	opSpecConstant   = 50
	opExtInst        = 12
	opSelectionMerge = 247
	opLoopMerge      = 246
	opBranchCond     = 250
	opSwitch         = 251

	capFloat16       = 9
	capBF16Type      = 5116
	capBF16CoopMat   = 5118
	fpEncodingBF16   = 0
	extBF16          = "SPV_KHR_bfloat16"
	opTypeVector     = 23
	opTypeMatrix     = 24
	opFConvert       = 115
	opCompositeConst = 80
)

// bf16Allowed are the instructions SPV_KHR_bfloat16 lets take or produce
// bfloat16 values (its Validation Rules): constant creation, memory,
// function, conversion and composite instructions, OpDot,
// OpCooperativeMatrixMulAddKHR and LengthKHR, OpSelect, OpPhi,
// OpReturnValue, OpLifetimeStart/Stop. Cooperative-matrix load and store
// are memory instructions.
var bf16Allowed = func() map[uint32]bool {
	m := map[uint32]bool{
		148 /* OpDot */ : true, opSelect: true, opPhi: true, 254 /* OpReturnValue */ : true,
		256 /* OpLifetimeStart */ : true, 257 /* OpLifetimeStop */ : true,
		opCoopMatMulAddKHR: true, opCoopMatLengthKHR: true, opCoopMatLoadKHR: true, opCoopMatStoreKHR: true,
		1 /* OpUndef */ : true,
	}
	for op := uint32(41); op <= 52; op++ { // OpConstantTrue .. OpSpecConstantOp
		m[op] = true
	}
	for op := uint32(54); op <= 57; op++ { // OpFunction .. OpFunctionCall
		m[op] = true
	}
	for op := uint32(59); op <= 70; op++ { // OpVariable .. OpInBoundsPtrAccessChain
		m[op] = true
	}
	for _, op := range []uint32{400 /* OpCopyLogical */, 401, 402, 403 /* OpPtrEqual, NotEqual, Diff */} {
		m[op] = true
	}
	for op := uint32(109); op <= 124; op++ { // OpConvertFToU .. OpBitcast
		m[op] = true
	}
	for op := uint32(77); op <= 84; op++ { // OpVectorExtractDynamic .. OpTranspose
		m[op] = true
	}
	return m
}()

// opNames names the instructions a kernel edit is likely to put on 16-bit
// floats, for fp16ToBF16's error.
var opNames = map[uint32]string{
	opFNegate: "OpFNegate", opFAdd: "OpFAdd", opFSub: "OpFSub", opFMul: "OpFMul", opFDiv: "OpFDiv",
	140: "OpFRem", 141: "OpFMod", 142: "OpVectorTimesScalar", opMatrixTimesScalar: "OpMatrixTimesScalar",
	opExtInst: "OpExtInst", 180: "OpFOrdEqual", 184: "OpFOrdLessThan", 186: "OpFOrdGreaterThan",
	188: "OpFOrdLessThanEqual", 190: "OpFOrdGreaterThanEqual", 156: "OpIsNan", 157: "OpIsInf",
	opCoopMatMulAddNV: "OpCooperativeMatrixMulAddNV",
}

func opName(op uint32) string {
	if n, ok := opNames[op]; ok {
		return n
	}
	return fmt.Sprintf("opcode %d", op)
}

// preambleOps are the instructions before the types (capabilities,
// extensions, entry points, modes, debug and annotations): they name ids
// but use no values.
var preambleOps = map[uint32]bool{
	0: true, 2: true, 3: true, 4: true, 5: true, 6: true, 7: true, 8: true, opExtension: true, 11: true,
	14: true, 15: true, 16: true, opCapability: true, 71: true, 72: true, 73: true, 74: true, 75: true,
	317: true, 330: true, 331: true, 332: true, 5632: true, 5633: true,
}

// idOperands are the operands of in that may be ids of values: every
// operand but the literals of the few instructions a compute kernel uses
// that mix literals in after their ids.
func idOperands(in spvInst) []uint32 {
	switch in.op {
	case opExtInst: // type, result, set, instruction (literal), operands
		if len(in.args) > 4 {
			return in.args[4:]
		}
		return nil
	case opSelectionMerge, opLoopMerge: // labels and literal controls
		return nil
	case opBranchCond: // condition, labels, literal weights
		return in.args[:1]
	case opSwitch: // selector, default, literal/label pairs
		return in.args[:1]
	}
	return in.args
}

// fp16ToBF16 rewrites a SPV_KHR_cooperative_matrix module whose 16-bit
// float type is IEEE binary16 into one where it is bfloat16
// (SPV_KHR_bfloat16):
//
//   - every OpTypeFloat 16 gets the FP Encoding operand BFloat16KHR;
//   - every OpConstant and OpSpecConstant of that type is re-encoded from
//     binary16 bits to the bfloat16 bits of the same value (0x3C00 ->
//     0x3F80); a value bfloat16 cannot hold exactly is an error, not a
//     silent rounding;
//   - capabilities BFloat16TypeKHR and BFloat16CooperativeMatrixKHR and the
//     extension are declared once, and Float16 is dropped (no IEEE 16-bit
//     type is left);
//   - everything else is copied word for word.
//
// SPV_KHR_bfloat16 allows bfloat16 values only in conversions, memory,
// constant, composite and function instructions, the cooperative-matrix
// multiply-add and length, OpDot, OpSelect, OpPhi and a few others
// (bf16Allowed): an instruction outside that list with a 16-bit float
// result or operand is an error naming its opcode, so a kernel edit that
// computes on the 16-bit values (not on their fp32 widening) fails here.
// A module with NV cooperative matrices is an error (derive the KHR one
// first).
func fp16ToBF16(module []byte) ([]byte, error) {
	header, insts, err := parseSPIRV(module)
	if err != nil {
		return nil, err
	}
	// The 16-bit float types, and every type built on one.
	half := map[uint32]bool{}
	bfTypes := map[uint32]bool{}
	for _, in := range insts {
		switch in.op {
		case opTypeFloat:
			if in.args[1] == 16 {
				if len(in.args) > 2 {
					return nil, fmt.Errorf("bfloat16: OpTypeFloat %%%d already has an encoding", in.args[0])
				}
				half[in.args[0]] = true
				bfTypes[in.args[0]] = true
			}
		case opTypeVector, opTypeMatrix, opTypeArray, opTypeRuntimeArray, opTypeCoopMatKHR:
			if bfTypes[in.args[1]] {
				bfTypes[in.args[0]] = true
			}
		case opTypePointer:
			if bfTypes[in.args[2]] {
				bfTypes[in.args[0]] = true
			}
		case opTypeStruct:
			for _, m := range in.args[1:] {
				if bfTypes[m] {
					bfTypes[in.args[0]] = true
				}
			}
		case opTypeCoopMatNV:
			return nil, errors.New("bfloat16: module has NV cooperative matrices: rewrite it to KHR first")
		}
	}
	if len(half) == 0 {
		return nil, errors.New("bfloat16: module declares no 16-bit float type")
	}
	isType := func(op uint32) bool { return op >= 19 && op <= 39 || op == opTypeCoopMatKHR }
	// Values of a 16-bit float type (or one built on it): in every
	// instruction past the preamble and the type declarations, an id
	// operand in first place that is a type is the result type.
	bfValues := map[uint32]bool{}
	for _, in := range insts {
		if !preambleOps[in.op] && !isType(in.op) && len(in.args) >= 2 && bfTypes[in.args[0]] {
			bfValues[in.args[1]] = true
		}
	}
	coopBF := false
	for _, in := range insts {
		if in.op == opTypeCoopMatKHR && half[in.args[1]] {
			coopBF = true
		}
		if preambleOps[in.op] || isType(in.op) || bf16Allowed[in.op] {
			continue
		}
		if len(in.args) >= 2 && bfTypes[in.args[0]] {
			return nil, fmt.Errorf("bfloat16: %s %%%d has a 16-bit float result, which SPV_KHR_bfloat16 does not allow (compute in fp32)", opName(in.op), in.args[1])
		}
		for _, a := range idOperands(in) {
			if bfValues[a] {
				return nil, fmt.Errorf("bfloat16: %s takes 16-bit float %%%d, which SPV_KHR_bfloat16 does not allow (compute in fp32)", opName(in.op), a)
			}
		}
	}

	hasCap := map[uint32]bool{}
	hasBFExt := false
	lastCap, lastExt := -1, -1
	for i, in := range insts {
		switch in.op {
		case opCapability:
			hasCap[in.args[0]] = true
			lastCap = i
		case opExtension:
			lastExt = i
			if spirv.LiteralString(in.args) == extBF16 {
				hasBFExt = true
			}
		}
	}
	var caps []spvInst
	for _, c := range []uint32{capBF16Type, capBF16CoopMat} {
		if !hasCap[c] && (c == capBF16Type || coopBF) {
			caps = append(caps, spvInst{op: opCapability, args: []uint32{c}})
		}
	}
	if lastExt < 0 {
		lastExt = lastCap
	}
	var out []spvInst
	if lastCap < 0 {
		out = append(out, caps...)
	}
	for i, in := range insts {
		args, drop := in.args, false
		switch in.op {
		case opCapability:
			drop = args[0] == capFloat16 // no IEEE 16-bit float is left
		case opTypeFloat:
			if half[args[0]] {
				args = []uint32{args[0], 16, fpEncodingBF16}
			}
		case opConstant, opSpecConstant:
			if half[args[0]] {
				b, ok := bf16FromHalf(uint16(args[2]))
				if !ok || args[2] > 0xffff {
					return nil, fmt.Errorf("bfloat16: constant %%%d (binary16 %#04x) has no exact bfloat16 value", args[1], args[2])
				}
				args = []uint32{args[0], args[1], uint32(b)}
			}
		}
		if !drop {
			out = append(out, spvInst{op: in.op, args: args})
		}
		if i == lastCap {
			out = append(out, caps...)
		}
		if i == lastExt && !hasBFExt {
			out = append(out, spvInst{op: opExtension, args: spvWords(extBF16)})
		}
	}
	return encodeSPIRV(header, out, header[3]), nil
}

// bf16FromHalf is the bfloat16 of binary16 h's value and whether it is
// exact (a NaN becomes the quiet NaN of its sign).
func bf16FromHalf(h uint16) (uint16, bool) {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	var f uint32
	switch {
	case exp == 0x1f && frac != 0:
		return uint16(sign>>16) | 0x7fc0, true
	case exp == 0x1f:
		f = sign | 0x7f800000
	case exp == 0: // zero or subnormal: frac·2⁻²⁴, exact in float32
		f = sign | math.Float32bits(float32(frac)*0x1p-24)
	default:
		f = sign | (exp+112)<<23 | frac<<13
	}
	return uint16(f >> 16), f&0xffff == 0
}
