package ops

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mae-vk/mae-vk/shaders"
	"github.com/mae-vk/mae-vk/vk"
)

// ErrNoCoopMat is returned by GemmCoopMat on a device that lists no
// cooperative-matrix shape the kernels are compiled for (and emulation is
// off): the caller uses another GEMM family.
var ErrNoCoopMat = errors.New("ops: no usable cooperative-matrix shape on this device")

// CoopMatInput is an A or B operand of GemmCoopMat: a binding of IEEE
// binary16 values (2 bytes each), of bfloat16 values when BF16 is set
// (for a bf16 plan), or of float32 when F32 is set (accepted only by the
// emulation, for devices without 16-bit storage).
type CoopMatInput struct {
	Data vk.Binding
	F32  bool
	BF16 bool
}

func (in CoopMatInput) elems() int {
	if in.F32 {
		return bindingFloats(in.Data)
	}
	return 2 * bindingFloats(in.Data)
}

// coopMatShapes are the fragment shapes (M, N, K) the variant table is
// compiled for: gemm_coopmat_<M>x<N>x<K>_{khr,nv,emu,emu32}, in order of
// preference. 16x16x16 and 16x8x16 are what NVIDIA and AMD RDNA3 list;
// Intel Xe2 (Arc B570/B580, Lunar Lake) lists only 8x16x16 for fp16 ×
// fp16 + fp32, the last choice.
var coopMatShapes = [][3]int{{16, 16, 16}, {16, 8, 16}, {8, 16, 16}}

// coopMatLanes is COOP_LANES of shaders/include/coopmat.glsl: invocations
// per emulated subgroup.
const coopMatLanes = 32

// CoopMatPlan is how GemmCoopMat runs on a device: the variant, its
// fragment shape, a workgroup of WM×WN subgroups of Lanes invocations,
// FM×FN fragments per subgroup and K staged KSteps fragments (KSteps·K
// values) at a time (0 counts as 1; at most coopMatMax of the plan each).
type CoopMatPlan struct {
	Variant    string
	M, N, K    int
	Lanes      int
	WM, WN     int
	FM, FN     int
	KSteps     int
	Emulated   bool
	halfInputs bool
	// bf16: A and B are bfloat16 (PlanCoopMatFor(BF16, ...)).
	bf16 bool
}

// Inputs is the precision of A and B the plan takes: FP16, BF16, or FP32
// for the float32 emulation.
func (p CoopMatPlan) Inputs() Precision { return coopMatInputs(p.bf16, p.halfInputs) }

// coopMatInputs is the storage a cooperative-matrix kernel reads: BF16,
// FP16, or FP32 (the emulation without 16-bit storage).
func coopMatInputs(bf16, halfInputs bool) Precision {
	switch {
	case bf16:
		return BF16
	case halfInputs:
		return FP16
	}
	return FP32
}

// coopMatMax is FRAG_MAX and KSTEP_MAX of gemm_coopmat.comp: smaller in
// the emulation, whose unrolled fragments llvmpipe compiles slowly.
func (p CoopMatPlan) coopMatMax() (frags, ksteps int) {
	if p.Emulated {
		return 2, 2
	}
	return 4, 4
}

// frags is FM, FN with 0 read as 1.
func (p CoopMatPlan) frags() (int, int) { return max(p.FM, 1), max(p.FN, 1) }

// kSteps is KSteps with 0 read as 1.
func (p CoopMatPlan) kSteps() int { return max(p.KSteps, 1) }

// block is the BM×BN block of C one workgroup computes.
func (p CoopMatPlan) block() (int, int) {
	fm, fn := p.frags()
	return p.WM * fm * p.M, p.WN * fn * p.N
}

func (p CoopMatPlan) String() string {
	fm, fn := p.frags()
	return fmt.Sprintf("%s, %dx%d subgroups of %d, %dx%d fragments each, K by %d", p.Variant, p.WM, p.WN, p.Lanes, fm, fn, p.kSteps()*p.K)
}

// coopMatName is the variant for a fragment shape and a kind ("khr", "nv",
// "emu", "emu32").
func coopMatName(shape [3]int, kind string) string {
	return fmt.Sprintf("gemm_coopmat_%dx%dx%d_%s", shape[0], shape[1], shape[2], kind)
}

// coopMatBF16Name is the bf16 variant of coopMatName (kinds "khr" and
// "emu"): gemm_coopmat_<M>x<N>x<K>_<kind>_bf16.
func coopMatBF16Name(shape [3]int, kind string) string { return coopMatName(shape, kind) + "_bf16" }

// listedCoopMat is the device's shape for inputs of type in and fp32
// accumulation that the kernels are compiled for: the first of
// coopMatShapes (the order of preference) that the device lists, whatever
// order it lists them in.
func listedCoopMat(info vk.DeviceInfo, in vk.ComponentType) (vk.CoopMatShape, bool) {
	listed := info.UsableCoopMats(in, vk.ComponentFloat32)
	for _, sh := range coopMatShapes {
		for _, s := range listed {
			if sh == [3]int{s.M, s.N, s.K} {
				return s, true
			}
		}
	}
	return vk.CoopMatShape{}, false
}

// listedCoopMatFor is listedCoopMat for inputs of precision p: fp16, or
// bf16 on a device with VK_KHR_shader_bfloat16's type and cooperative
// matrices (KHR shapes only: the NV extension has no bfloat16).
func listedCoopMatFor(info vk.DeviceInfo, p Precision) (vk.CoopMatShape, bool) {
	switch p {
	case FP16:
		return listedCoopMat(info, vk.ComponentFloat16)
	case BF16:
		if !info.BFloat16 || !info.BFloat16CoopMat || !info.CooperativeMatrix {
			return vk.CoopMatShape{}, false
		}
		s, ok := listedCoopMat(info, vk.ComponentBFloat16)
		return s, ok && s.KHR
	}
	return vk.CoopMatShape{}, false
}

// CoopMatListed reports whether the device lists a cooperative-matrix
// shape the kernels are compiled for with p inputs (fp16, or bf16 with
// VK_KHR_shader_bfloat16) and fp32 accumulation. The variant still has to
// pass its self-check (EnableCoopMat) before Gemm uses it.
func CoopMatListed(info vk.DeviceInfo, p Precision) bool {
	_, ok := listedCoopMatFor(info, p)
	return ok
}

// PlanCoopMat chooses the cooperative-matrix variant for the device: the
// preferred compiled shape the device lists for fp16 inputs and fp32
// accumulation (listedCoopMat; KHR before NV), or, when emulate is set, the emulation of
// the first compiled shape (fp16 inputs where the device has 16-bit
// storage, float32 otherwise). The workgroup is the largest of 2×2
// subgroups of 2×2 fragments, 2×2, 2×1 and 1×1 subgroups of one fragment
// that fits the device's invocation and shared-memory limits.
func (o *Ops) PlanCoopMat(emulate bool) (CoopMatPlan, error) {
	return o.PlanCoopMatFor(FP16, emulate)
}

// PlanCoopMatFor is PlanCoopMat for inputs of precision in: FP16 is
// PlanCoopMat; BF16 takes the preferred compiled shape the device lists
// for bf16 inputs (listedCoopMatFor: the _khr_bf16 variant), or, when
// emulate is set, the bf16 emulation of the first compiled shape
// (_emu_bf16), on a device with 16-bit storage only (bf16 has no float32
// emulation: without 16-bit storage there are no bf16 products).
func (o *Ops) PlanCoopMatFor(in Precision, emulate bool) (CoopMatPlan, error) {
	switch in {
	case FP16:
	case BF16:
		return o.planCoopMatBF16(emulate)
	default:
		return CoopMatPlan{}, fmt.Errorf("ops: cooperative-matrix GEMM for %v inputs: want fp16 or bf16", in)
	}
	info := o.d.Info
	var p CoopMatPlan
	if s, ok := listedCoopMat(info, vk.ComponentFloat16); ok && !emulate {
		sh := [3]int{s.M, s.N, s.K}
		kind := "nv"
		if s.KHR {
			kind = "khr"
		}
		p = CoopMatPlan{Variant: coopMatName(sh, kind), M: sh[0], N: sh[1], K: sh[2], Lanes: info.SubgroupSize, halfInputs: true}
	}
	if p.Variant == "" {
		if !emulate {
			return p, ErrNoCoopMat
		}
		sh := coopMatShapes[0]
		kind := "emu32"
		if info.Storage16 && info.Float16 {
			kind = "emu"
		}
		p = CoopMatPlan{Variant: coopMatName(sh, kind), M: sh[0], N: sh[1], K: sh[2], Lanes: coopMatLanes,
			Emulated: true, halfInputs: kind == "emu"}
	}
	return o.sizeCoopMat(p)
}

// planCoopMatBF16 is PlanCoopMatFor(BF16, emulate).
func (o *Ops) planCoopMatBF16(emulate bool) (CoopMatPlan, error) {
	info := o.d.Info
	var p CoopMatPlan
	if s, ok := listedCoopMatFor(info, BF16); ok && !emulate {
		sh := [3]int{s.M, s.N, s.K}
		p = CoopMatPlan{Variant: coopMatBF16Name(sh, "khr"), M: sh[0], N: sh[1], K: sh[2], Lanes: info.SubgroupSize, halfInputs: true, bf16: true}
	}
	if p.Variant == "" {
		if !emulate || !info.Storage16 {
			return p, ErrNoCoopMat
		}
		sh := coopMatShapes[0]
		p = CoopMatPlan{Variant: coopMatBF16Name(sh, "emu"), M: sh[0], N: sh[1], K: sh[2], Lanes: coopMatLanes,
			Emulated: true, halfInputs: true, bf16: true}
	}
	return o.sizeCoopMat(p)
}

// sizeCoopMat gives p the largest workgroup of PlanCoopMat's list that
// fits the device.
func (o *Ops) sizeCoopMat(p CoopMatPlan) (CoopMatPlan, error) {
	info := o.d.Info
	// The emulation takes the same blocks as real devices: its lanes keep
	// their data in fixed positions, so 2×2 fragments per subgroup hold
	// over long K loops on llvmpipe too (TestCoopMatEmulationLongLoopFragments).
	// K is staged two fragments at a time: half the barriers of one.
	for _, w := range [][5]int{{2, 2, 2, 2, 2}, {2, 2, 2, 2, 1}, {2, 2, 1, 1, 1}, {2, 1, 1, 1, 1}, {1, 1, 1, 1, 1}} {
		p.WM, p.WN, p.FM, p.FN, p.KSteps = w[0], w[1], w[2], w[3], w[4]
		if coopMatPlanFits(p, info) {
			return p, nil
		}
	}
	return p, fmt.Errorf("ops: %s does not fit the device (%d invocations, %d bytes shared)", p.Variant, info.MaxInvocations, info.SharedMemoryBytes)
}

// GemmCoopMat records the strided batched product that s describes (the
// math of GemmRef, every transpose and epilogue) with the
// cooperative-matrix kernel that plan names:
//
//	C_b = epilogue(Alpha·op(A_b)·op(B_b) + Beta·C_b)
//
// A and B hold 16-bit values, fp16 or bf16 as the plan takes (plan from
// PlanCoopMatFor; Inputs says, and whether the emulation takes float32
// instead); C is float32, or the inputs' 16-bit format when s.CType is
// FP16 or BF16 (16-bit inputs only); bias and residual are float32 as for
// Gemm. Gemm calls it for fp16 and bf16 products once EnableCoopMat has
// chosen a plan for them.
func (o *Ops) GemmCoopMat(r *vk.Recording, plan CoopMatPlan, s GemmSpec, a, b CoopMatInput, c, bias, residual vk.Binding) error {
	s.check("GemmCoopMat", a.elems(), b.elems(), bindingElems(c, s.CType), lenIf(s.Bias, bias), lenIf(s.Residual, residual))
	if a.F32 == plan.halfInputs || b.F32 == plan.halfInputs || a.BF16 != plan.bf16 || b.BF16 != plan.bf16 {
		return fmt.Errorf("ops: GemmCoopMat: %s wants %v inputs", plan.Variant, plan.Inputs())
	}
	return o.dispatchCoopMat(r, plan, s, a.Data, b.Data, c, bias, residual)
}

// coopMatVariant is the variant of plan that stores C as s.CType.
func coopMatVariant(plan CoopMatPlan, s GemmSpec) (string, error) {
	switch {
	case s.CType == FP32:
		return plan.Variant, nil
	case s.CType == FP16 && plan.halfInputs && !plan.bf16:
		return plan.Variant + "_c16_fp16", nil
	case s.CType == BF16 && plan.bf16:
		return strings.TrimSuffix(plan.Variant, "_bf16") + "_c16_bf16", nil
	}
	return "", fmt.Errorf("ops: GemmCoopMat: %s cannot store C as %v", plan.Variant, s.CType)
}

// dispatchCoopMat records s under plan; the operands are checked.
func (o *Ops) dispatchCoopMat(r *vk.Recording, plan CoopMatPlan, s GemmSpec, a, b, c, bias, residual vk.Binding) error {
	if s.M == 0 || s.N == 0 {
		return nil
	}
	bm, bn := plan.block()
	groups := vk.Groups{ceilDiv(s.N, bn), ceilDiv(s.M, bm), s.Batch}
	if c := o.d.Info.MaxWorkgroupCount; groups[0] > c[0] || groups[1] > c[1] || groups[2] > c[2] {
		// Gemm keeps such products on its other families (grid folding, batchChunk).
		return fmt.Errorf("ops: GemmCoopMat: %dx%dx%d batch %d needs %v workgroups, above the device's %v",
			s.M, s.N, s.K, s.Batch, groups, c)
	}
	name, err := coopMatVariant(plan, s)
	if err != nil {
		return err
	}
	if _, err := shaders.Lookup(name); err != nil {
		return fmt.Errorf("ops: GemmCoopMat: %w", err)
	}
	push, bias, residual := gemmPushFlags(s, coopMatVecFlags(plan, s, a, b), c, bias, residual)
	fm, fn := plan.frags()
	if fmax, kmax := plan.coopMatMax(); fm > fmax || fn > fmax || plan.kSteps() > kmax {
		return fmt.Errorf("ops: GemmCoopMat: %v: at most %d fragments per subgroup each way and K staged %d fragments at a time", plan, fmax, kmax)
	}
	threads := plan.WM * plan.WN * plan.Lanes
	k, err := o.kernelSubgroup(name, coopMatSubgroupSize(o.d.Info, plan.Lanes, threads, plan.Emulated),
		uint32(threads), uint32(plan.WM), uint32(plan.WN), uint32(fm), uint32(fn), uint32(plan.kSteps()))
	if err != nil {
		return fmt.Errorf("gemm coopmat %dx%dx%d: %w", s.M, s.N, s.K, err)
	}
	r.Dispatch(k, groups, push, a, b, c, bias, residual)
	return nil
}

// coopMatVecFlags are the operands gemm_coopmat may read eight 16-bit
// values at a time (gemmVecA, gemmVecB): with 16-bit inputs, an operand
// whose binding starts on a 16-byte boundary and whose stored contiguous
// dimension (K for A, M for Aᵀ; N for B, K for Bᵀ) and batch stride are
// multiples of 8, so that every group of eight is one aligned uvec4 and
// lies wholly inside or outside the matrix.
func coopMatVecFlags(plan CoopMatPlan, s GemmSpec, a, b vk.Binding) uint32 {
	if !plan.halfInputs {
		return 0
	}
	by8 := func(bind vk.Binding, contiguous, stride int) bool {
		return byteOffset(bind)%16 == 0 && contiguous%8 == 0 && (s.Batch == 1 || stride%8 == 0)
	}
	contA, contB := s.K, s.N
	if s.TransA {
		contA = s.M
	}
	if s.TransB {
		contB = s.K
	}
	var f uint32
	if by8(a, contA, s.StrideA) {
		f |= gemmVecA
	}
	if by8(b, contB, s.StrideB) {
		f |= gemmVecB
	}
	return f
}
