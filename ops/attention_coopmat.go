package ops

import (
	"fmt"
	"math"
	"strings"

	"github.com/mae-vk/mae-vk/shaders"
	"github.com/mae-vk/mae-vk/vk"
)

// Cooperative-matrix attention (attention_coopmat_*.comp): the fused
// attention of AttentionAs and AttentionBackwardAs at FP16 (the same
// storage: qkv and O in binary16; dO, lse, D and dqkv in float32) with the
// products S = Q·Kᵀ, P·V (forward), S, dO·Vᵀ, dS·K (query pass) and Sᵀ,
// V·dOᵀ, Pᵀ·dO, dSᵀ·Q (key pass) on tensor cores: dO, P and dS rounded to
// binary16 before their products, float32 accumulation and softmax. It is planned like GemmCoopMat (PlanCoopMat: the
// device's cooperative-matrix shape, or the emulation) and self-checked
// like it (CheckAttentionCoopMat) before use. At BF16 the same kernels
// run on bfloat16 (qkv and O in bfloat16, dO, P and dS rounded to
// bfloat16; the _bf16 variants, planned from PlanCoopMatFor(BF16, ...)).

// AttnCoopMatPlan is how the cooperative-matrix attention runs on a device
// for one head dimension: the fragment shape and kind of its variants, and
// per pass (forward, query pass, key pass) a workgroup of WQ subgroups of
// Lanes invocations, the largest whose shared arrays fit the device.
type AttnCoopMatPlan struct {
	M, N, K    int
	Kind       string // "khr", "nv", "emu" or "emu32"
	Lanes      int
	HD         int
	WQ         [3]int
	Emulated   bool
	halfInputs bool
	bf16       bool // the _bf16 variants: qkv and O in bfloat16
}

// Inputs is the storage of qkv and O the plan's kernels take: FP16, BF16,
// or FP32 (float32 holding binary16 values: the emulation without 16-bit
// storage).
func (p AttnCoopMatPlan) Inputs() Precision { return coopMatInputs(p.bf16, p.halfInputs) }

// HalfInputs reports whether the plan's kernels store qkv and O in 16
// bits (false only for the emulation on devices without 16-bit storage,
// which holds them as float32 values rounded to binary16).
func (p AttnCoopMatPlan) HalfInputs() bool { return p.halfInputs }

func (p AttnCoopMatPlan) String() string {
	return fmt.Sprintf("attention_coopmat_%dx%dx%d_%s d%d, subgroups of %d: fwd %d, bwd_dq %d, bwd_dkv %d",
		p.M, p.N, p.K, p.kindName(), p.HD, p.Lanes, p.WQ[attnForward], p.WQ[attnDQ], p.WQ[attnDKV])
}

// attnCoopMatName is the variant of pass for a fragment shape and kind.
func attnCoopMatName(pass attnPass, shape [3]int, kind string) string {
	return fmt.Sprintf("attention_coopmat_%s_%dx%dx%d_%s", attnPassNames[pass], shape[0], shape[1], shape[2], kind)
}

// kindName is the plan's kind as its variants' names end: Kind, with
// "_bf16" for the bf16 plans.
func (p AttnCoopMatPlan) kindName() string {
	if p.bf16 {
		return p.Kind + "_bf16"
	}
	return p.Kind
}

func (p AttnCoopMatPlan) variant(pass attnPass) string {
	return attnCoopMatName(pass, [3]int{p.M, p.N, p.K}, p.kindName())
}

// attnCoopMatShared is the shared memory of pass for a workgroup owning
// br rows, tiles of bt rows, head dimension d and elem-byte inputs: the
// declarations of attention_coopmat_*.comp.
func attnCoopMatShared(pass attnPass, br, bt, d, elem int) int {
	switch pass {
	case attnForward: // Qs; Ks, Vs; Ps | Ss; Os; Ms, Ls, As
		return elem*(br*d+2*bt*d+br*bt) + 4*(br*bt+br*d+3*br)
	case attnDQ: // Qs, Gs; Ks, Vs; DSs | Ss, DPs; DQs; Lse2s, Ds
		return elem*(2*br*d+2*bt*d+br*bt) + 4*(2*br*bt+br*d+2*br)
	default: // Ks, Vs; Qs, Gs; PTs, DSTs | STs, DPTs; DKs, DVs; Lse2s, Ds
		return elem*(2*br*d+2*bt*d+2*br*bt) + 4*(2*br*bt+2*br*d+2*bt)
	}
}

// PlanAttentionCoopMat chooses the cooperative-matrix attention for head
// dimension d: the fragment shape and kind that PlanCoopMat chooses for the
// GEMM (the device's fp16 × fp16 + fp32 shape, KHR before NV, or the
// emulation when emulate is set), and per pass the largest workgroup of 4,
// 2 or 1 subgroups that fits the device's invocation and shared-memory
// limits. It returns ErrNoCoopMat (wrapped) on a device without a usable
// shape, and an error when d is not a multiple of the fragment's N and K or
// a pass does not fit even with one subgroup: the caller then uses another
// attention family.
func (o *Ops) PlanAttentionCoopMat(d int, emulate bool) (AttnCoopMatPlan, error) {
	return o.PlanAttentionCoopMatFor(FP16, d, emulate)
}

// PlanAttentionCoopMatFor is PlanAttentionCoopMat for qkv of precision
// in: FP16 is PlanAttentionCoopMat; BF16 takes the shape and kind of
// PlanCoopMatFor(BF16, emulate) (the device's bf16 shape, KHR only, or
// the bf16 emulation on a device with 16-bit storage) and runs the _bf16
// variants.
func (o *Ops) PlanAttentionCoopMatFor(in Precision, d int, emulate bool) (AttnCoopMatPlan, error) {
	base, err := o.PlanCoopMatFor(in, emulate)
	if err != nil {
		return AttnCoopMatPlan{}, fmt.Errorf("attention coopmat: %w", err)
	}
	kind := strings.TrimSuffix(base.Variant, "_bf16")
	p := AttnCoopMatPlan{M: base.M, N: base.N, K: base.K, Kind: kind[strings.LastIndex(kind, "_")+1:],
		Lanes: base.Lanes, HD: d, Emulated: base.Emulated, halfInputs: base.halfInputs, bf16: base.bf16}
	if d <= 0 || d%p.K != 0 || d%p.N != 0 {
		return p, fmt.Errorf("ops: cooperative-matrix attention: head dimension %d is not a multiple of the fragment's N=%d and K=%d", d, p.N, p.K)
	}
	return p, p.fitWorkgroups(o.d.Info)
}

// fitWorkgroups sets, per pass, the largest workgroup of 4, 2 or 1
// subgroups that fits info's invocation and shared-memory limits for the
// plan's fragment shape (a workgroup owns WQ·M rows and streams tiles of
// K rows) and head dimension; an error when a pass does not fit even with
// one subgroup. The bf16 emulation stages its 16-bit values as float.
func (p *AttnCoopMatPlan) fitWorkgroups(info vk.DeviceInfo) error {
	elem := 4
	if p.halfInputs && !(p.bf16 && p.Emulated) {
		elem = 2
	}
	for pass := range attnPassNames {
		p.WQ[pass] = 0
		for _, wq := range []int{4, 2, 1} {
			if wq*p.Lanes <= info.MaxInvocations && attnCoopMatShared(attnPass(pass), wq*p.M, p.K, p.HD, elem) <= info.SharedMemoryBytes {
				p.WQ[pass] = wq
				break
			}
		}
		if p.WQ[pass] == 0 {
			return fmt.Errorf("ops: cooperative-matrix attention %s, d=%d: does not fit %s (%d invocations, %d bytes shared)",
				attnPassNames[pass], p.HD, info.Name, info.MaxInvocations, info.SharedMemoryBytes)
		}
	}
	return nil
}

// inputElems is the number of values that binding b holds in the plan's
// storage for qkv and O: 16-bit, or float32 for the emulation without
// 16-bit storage.
func (p AttnCoopMatPlan) inputElems(b vk.Binding) int {
	if p.halfInputs {
		return bindingBytes(b) / 2
	}
	return bindingFloats(b)
}

// needInput panics unless the input binding b holds n values.
func (p AttnCoopMatPlan) needInput(fn, what string, b vk.Binding, n int) {
	if got := p.inputElems(b); got < n {
		panic(fmt.Sprintf("ops: %s: %s holds %d values, want %d", fn, what, got, n))
	}
}

// attnCoopMatDispatch records pass of plan over a B×H×L attention.
func (o *Ops) attnCoopMatDispatch(r *vk.Recording, plan AttnCoopMatPlan, pass attnPass, b, l, h, d int, bindings ...vk.Binding) error {
	if d != plan.HD {
		return fmt.Errorf("ops: cooperative-matrix attention: plan is for d=%d, not %d", plan.HD, d)
	}
	wq := plan.WQ[pass]
	k, err := o.kernelSubgroup(plan.variant(pass), coopMatSubgroupSize(o.d.Info, plan.Lanes, wq*plan.Lanes, plan.Emulated),
		uint32(wq*plan.Lanes), uint32(d), uint32(wq))
	if err != nil {
		return err
	}
	push := vk.PushBytes(shaders.AttentionPush{B: uint32(b), L: uint32(l), H: uint32(h), QScale: float32(math.Log2E / math.Sqrt(float64(d)))})
	r.Dispatch(k, vk.Groups{ceilDiv(l, wq*plan.M), h, min(b, attnMaxBatchGroups, o.d.Info.MaxWorkgroupCount[2])}, push, bindings...)
	return nil
}

// AttentionCoopMat records the attention of AttentionAs at
// plan.Inputs() (FP16 or BF16; same math, same layouts) with the
// cooperative-matrix kernels of plan: qkv [B, L, 3, H, d] read and O
// [B, L, H, d] written in the plan's 16-bit format (float32 holding
// binary16 values when plan.HalfInputs() is false: the emulation without
// 16-bit storage), lse in float32. P is rounded to that format before its
// product with V, and the row sums are those of the rounded P. It panics
// on the shapes Attention panics on or if a binding is too small.
func (o *Ops) AttentionCoopMat(r *vk.Recording, plan AttnCoopMatPlan, qkv, out, lse vk.Binding, b, l, h, d int) error {
	attnCheck("AttentionCoopMat", b, l, h, d)
	plan.needInput("AttentionCoopMat", "qkv", qkv, b*l*3*h*d)
	plan.needInput("AttentionCoopMat", "out", out, b*l*h*d)
	need("AttentionCoopMat", "lse", lse, b*h*l)
	if b == 0 {
		return nil
	}
	if err := o.attnCoopMatDispatch(r, plan, attnForward, b, l, h, d, qkv, out, lse); err != nil {
		return fmt.Errorf("attention coopmat B=%d L=%d H=%d d=%d: %w", b, l, h, d, err)
	}
	o.coopAttns[0]++
	return nil
}

// AttentionBackwardCoopMat records the gradient of AttentionBackwardAs at
// plan.Inputs() with the cooperative-matrix kernels of plan: qkv and out
// (O) in the plan's 16-bit format (float32 when plan.HalfInputs() is
// false), dout (dO) and lse in float32, dqkv and delta (D) written in
// float32. dO, dS and P are rounded to that format before their
// products; D = dO·O uses the float32 dO. Two dispatches, query pass then
// key pass, each output summed by one owner in a fixed order
// (deterministic). It panics on
// the shapes Attention panics on or if a binding is too small.
func (o *Ops) AttentionBackwardCoopMat(r *vk.Recording, plan AttnCoopMatPlan, qkv, out, dout, lse, delta, dqkv vk.Binding, b, l, h, d int) error {
	attnCheck("AttentionBackwardCoopMat", b, l, h, d)
	plan.needInput("AttentionBackwardCoopMat", "qkv", qkv, b*l*3*h*d)
	plan.needInput("AttentionBackwardCoopMat", "out", out, b*l*h*d)
	need("AttentionBackwardCoopMat", "dout", dout, b*l*h*d)
	need("AttentionBackwardCoopMat", "lse", lse, b*h*l)
	need("AttentionBackwardCoopMat", "delta", delta, b*h*l)
	need("AttentionBackwardCoopMat", "dqkv", dqkv, b*l*3*h*d)
	if b == 0 {
		return nil
	}
	if err := o.attnCoopMatDispatch(r, plan, attnDQ, b, l, h, d, qkv, out, dout, lse, dqkv, delta); err != nil {
		return fmt.Errorf("attention coopmat backward B=%d L=%d H=%d d=%d: %w", b, l, h, d, err)
	}
	if err := o.attnCoopMatDispatch(r, plan, attnDKV, b, l, h, d, qkv, dout, lse, delta, dqkv); err != nil {
		return fmt.Errorf("attention coopmat backward B=%d L=%d H=%d d=%d: %w", b, l, h, d, err)
	}
	o.coopAttns[1]++
	return nil
}
