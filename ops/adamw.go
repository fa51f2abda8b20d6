package ops

import (
	"fmt"
	"math"

	"github.com/mae-vk/mae-vk/shaders"
	"github.com/mae-vk/mae-vk/vk"
)

// AdamWConfig holds the AdamW hyper-parameters that stay fixed for a
// recording (they become push constants).
type AdamWConfig struct {
	Beta1       float32
	Beta2       float32
	Eps         float32
	WeightDecay float32
}

// Layout of the per-step hyper buffer that AdamW reads: AdamWHyperFloats
// float32s, written by the host before each submission of the recorded step
// (use a host buffer, vk.Device.NewHostBuffer, so the write is a plain
// memory copy). See AdamWHyperValues.
const (
	AdamWHyperLR      = 0 // learning rate
	AdamWHyperBC1     = 1 // 1 − β1^t
	AdamWHyperBC2     = 2 // 1 − β2^t
	AdamWHyperMaxNorm = 3 // gradient clipping threshold; ≤ 0: no clipping
	AdamWHyperStep    = 4 // t of BC1 and BC2, as uint32 bits (read with AdamWBuffers.Step)
	AdamWHyperFloats  = 5
)

// AdamWHyperValues returns the hyper buffer contents for step t (1-based, as
// PyTorch's state "step" after increment), with the bias corrections
// computed in float64.
func AdamWHyperValues(lr, beta1, beta2 float64, t int, maxNorm float64) []float32 {
	if t < 1 {
		panic(fmt.Sprintf("ops: AdamWHyperValues: step %d, want ≥ 1", t))
	}
	return []float32{
		AdamWHyperLR:      float32(lr),
		AdamWHyperBC1:     float32(1 - math.Pow(beta1, float64(t))),
		AdamWHyperBC2:     float32(1 - math.Pow(beta2, float64(t))),
		AdamWHyperMaxNorm: float32(maxNorm),
		AdamWHyperStep:    math.Float32frombits(uint32(t)),
	}
}

// AdamWBuffers are the bindings of one AdamW update over n parameters.
type AdamWBuffers struct {
	Param, Grad, M, V vk.Binding // n float32s each; Grad is only read
	// Hyper holds AdamWHyperFloats float32s (see AdamWHyperLR).
	Hyper vk.Binding
	// Norm holds the gradient norm written by GradNorm earlier in the
	// recording; nil turns clipping off whatever the max norm.
	Norm vk.Binding
	// Decay holds 2·DecayRanges uint32s: [start, end) element ranges,
	// sorted and non-overlapping, of the parameters that take weight decay
	// (see PackDecayRanges). Elements outside every range are not decayed;
	// DecayRanges == 0 (Decay nil) decays nothing.
	Decay       vk.Binding
	DecayRanges int
	// Step, when bound, holds one uint32: the updates applied so far
	// (PyTorch's state "step" before this one). The update then takes t =
	// Step+1: Hyper's bias corrections when Hyper's step is that t, else
	// 1 − β^t computed on the device (fp32, by squaring); and it adds 1 to
	// Step unless it skips the step, so a skipped step does not advance t.
	Step vk.Binding
}

// AdamW records one fused torch.optim.AdamW step (amsgrad and maximize off;
// see AdamWRef) over n parameters, with the gradient clipped as
// torch.nn.utils.clip_grad_norm_ would have done it, without changing Grad.
// With lr, bc1, bc2, maxNorm read from b.Hyper on the device and norm from
// b.Norm:
//
//	scale = maxNorm / (norm + 1e-6)  if b.Norm != nil, maxNorm > 0 and that is < 1; else 1
//	g = scale·grad
//	p = p·(1 − lr·wd)               (elements in a decay range)
//	m = β1·m + (1 − β1)·g
//	v = β2·v + (1 − β2)·g²
//	p = p − (lr/bc1) · m / (√v/√bc2 + eps)
//
// When b.Norm is bound and holds NaN or ±Inf, the step is skipped: Param,
// M and V are left unchanged. Nothing that changes from step to step is
// baked into the recording. It
// panics on n < 1, a negative range count or a binding that is too small.
func (o *Ops) AdamW(r *vk.Recording, cfg AdamWConfig, b AdamWBuffers, n int) error {
	const op = "AdamW"
	if n < 1 || b.DecayRanges < 0 {
		panic(fmt.Sprintf("ops: %s: n = %d, DecayRanges = %d", op, n, b.DecayRanges))
	}
	for _, s := range []struct {
		name string
		b    vk.Binding
	}{{"Param", b.Param}, {"Grad", b.Grad}, {"M", b.M}, {"V", b.V}} {
		need(op, s.name, s.b, n)
	}
	need(op, "Hyper", b.Hyper, AdamWHyperFloats)
	norm, clip := b.Norm, uint32(1)
	if norm == nil {
		norm, clip = b.Hyper, 0 // bound but never read
	} else {
		need(op, "Norm", norm, 1)
	}
	decay := b.Decay
	if b.DecayRanges == 0 {
		decay = b.Hyper // bound but never read
	} else {
		need(op, "Decay", decay, 2*b.DecayRanges)
	}
	push := vk.PushBytes(shaders.AdamWPush{
		N: fitU32(op, n), Beta1: cfg.Beta1, Beta2: cfg.Beta2, Eps: cfg.Eps, WD: cfg.WeightDecay,
		NRanges: fitU32(op, b.DecayRanges), Clip: clip,
	})
	if b.Step != nil {
		return o.adamwCounted(r, b, n, push, norm, decay, clip)
	}
	k, err := o.kernel("adamw", uint32(o.local))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	r.Dispatch(k, o.groups1D(n), push, b.Param, b.Grad, b.M, b.V, b.Hyper, norm, decay)
	return nil
}

// PackDecayRanges checks [start, end) element ranges of a flat buffer of n
// parameters and returns them as the uint32 words of AdamWBuffers.Decay,
// sorted by start. Empty ranges are dropped, adjacent ones kept apart.
func PackDecayRanges(ranges [][2]int, n int) ([]uint32, error) {
	sorted := make([][2]int, 0, len(ranges))
	for _, rg := range ranges {
		if rg[0] < 0 || rg[1] > n || rg[0] > rg[1] {
			return nil, fmt.Errorf("ops: decay range [%d, %d) outside [0, %d)", rg[0], rg[1], n)
		}
		if rg[0] < rg[1] {
			sorted = append(sorted, rg)
		}
	}
	for i := 1; i < len(sorted); i++ { // insertion sort: lists are short and mostly sorted
		for j := i; j > 0 && sorted[j][0] < sorted[j-1][0]; j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
	}
	words := make([]uint32, 0, 2*len(sorted))
	for i, rg := range sorted {
		if i > 0 && rg[0] < sorted[i-1][1] {
			return nil, fmt.Errorf("ops: decay ranges [%d, %d) and [%d, %d) overlap",
				sorted[i-1][0], sorted[i-1][1], rg[0], rg[1])
		}
		words = append(words, uint32(rg[0]), uint32(rg[1]))
	}
	return words, nil
}

// GradNormWorkFloats is how many float32s the work buffer of GradNorm holds.
const GradNormWorkFloats = 1024

// GradNorm records the global L2 norm of a flat gradient grad [n] into
// norm [1], on the device, for AdamW's clipping and for logging (make norm
// a host buffer, or copy it to one, to read it after the submission):
//
//	norm = √(Σ_i grad[i]²)
//
// Two passes: up to GradNormWorkFloats workgroups each write the sum of
// squares of their grid-stride share into work, then one workgroup sums
// those. No atomics: the result is the same on every run on a device. It
// panics on n < 1 or a binding that is too small.
func (o *Ops) GradNorm(r *vk.Recording, grad, norm, work vk.Binding, n int) error {
	const op = "GradNorm"
	needReduction(op, "grad", "norm", grad, norm, work, n, 1, GradNormWorkFloats)
	local := o.sumLocal()
	groups := min(ceilDiv(n, local), GradNormWorkFloats, o.maxGroups)
	push1 := vk.PushBytes(shaders.GradNormPush{N: fitU32(op, n)})
	push2 := vk.PushBytes(shaders.GradNormPush{N: uint32(groups)})
	partial, err := o.kernel("gradnorm_partial", uint32(local))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	final, err := o.kernel("gradnorm_final", uint32(local))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	r.Dispatch(partial, vk.Groups{groups, 1, 1}, push1, grad, work)
	r.Dispatch(final, vk.Groups{1, 1, 1}, push2, work, norm)
	return nil
}
