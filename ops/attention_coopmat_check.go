package ops

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mae-vk/mae-vk/vk"
)

// attnCoopMatCheckTol is the relative error the attention self-check
// allows: dO, P and dS are rounded to binary16 before their products
// (2⁻¹¹ relative each), so the emulated kernels differ from the float64
// reference by at most 4.5e-4 (TestAttentionCoopMatEmulated); the check's
// shape is short so that one wrong key or row weighs more than that.
const attnCoopMatCheckTol = 2e-3

// attnCoopMatCheckTolBF16 is attnCoopMatCheckTol for the bf16 plans: the
// same roundings in bfloat16 are 2⁻⁸ relative each instead of 2⁻¹¹, so
// the kernels' error grows eightfold (TestAttentionCoopMatEmulatedBF16
// measures it); eight times the fp16 tolerance, still below the weight
// of one wrong key or row of the short check (one in M+3).
const attnCoopMatCheckTolBF16 = 8 * attnCoopMatCheckTol

// checkTol is the self-check tolerance of plan's precision.
func (p AttnCoopMatPlan) checkTol() float64 {
	if p.bf16 {
		return attnCoopMatCheckTolBF16
	}
	return attnCoopMatCheckTol
}

// attnCoopMatKey is the self-check verdict's name for plan: the three
// passes at one fragment shape, kind and head dimension.
func attnCoopMatKey(plan AttnCoopMatPlan) string {
	return fmt.Sprintf("attention_coopmat_%dx%dx%d_%s_d%d", plan.M, plan.N, plan.K, plan.kindName(), plan.HD)
}

// CheckAttentionCoopMat reports whether plan's kernels may be used on this
// device: it runs the forward and the backward once on a small awkward
// shape against AttentionRef and AttentionBackwardRef, once per device,
// driver version and head dimension, keeping the verdict in dir beside the
// GEMM's (coopMatVerdict; no file when dir is ""). On a failure warn is
// called once per Ops with a message naming the variant, and the caller
// uses another attention family. An error means the check could not run.
func (o *Ops) CheckAttentionCoopMat(plan AttnCoopMatPlan, dir string, warn func(string)) (bool, error) {
	return o.checkAttentionCoopMat(plan, dir, warn, AttentionRef)
}

// checkAttentionCoopMat is CheckAttentionCoopMat with the forward
// reference as a parameter, so that a test can force a wrong answer.
func (o *Ops) checkAttentionCoopMat(plan AttnCoopMatPlan, dir string, warn func(string),
	ref func(qkv []float64, b, l, h, d int) (o, lse []float64)) (bool, error) {
	key := attnCoopMatKey(plan)
	return o.coopMatVerdict(key, dir, plan.checkTol(), warn,
		func() (float64, error) { return o.runAttnCoopMatCheck(plan, ref) },
		func(relErr float64) string {
			return fmt.Sprintf("cooperative-matrix attention %s failed its self-check on %s (relative error %.3g): using the %s attention family instead",
				key, o.d.Info.Name, relErr, o.attn.Family)
		})
}

// runAttnCoopMatCheck runs the check on the device and returns the largest
// relative error of O, lse, D and dqkv against the references (+Inf on a
// NaN). The inputs and the reference O that the backward reads are
// rounded to the plan's 16-bit format (binary16 for the float32
// emulation), lse to float32, so that each pass is judged on its own.
func (o *Ops) runAttnCoopMatCheck(plan AttnCoopMatPlan, ref func(qkv []float64, b, l, h, d int) (o, lse []float64)) (float64, error) {
	b, l, h, d := 2, plan.M+3, 2, plan.HD // short: a wrong key or row weighs more
	// The check's attentions are not the caller's (CoopMatAttentions).
	saved := o.coopAttns
	defer func() { o.coopAttns = saved }()
	prec := FP16
	if plan.bf16 {
		prec = BF16
	}
	round := func(x float64) float64 { return float64(HalfValue(prec, HalfBits(prec, float32(x)))) }
	rng := rand.New(rand.NewPCG(14, 15))
	fill := func(n int, scale float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = round(scale * (rng.Float64()*2 - 1))
		}
		return v
	}
	qkv, dO := fill(b*l*3*h*d, 2.5), fill(b*l*h*d, 1)
	wantO, wantLse := ref(qkv, b, l, h, d)
	o16 := make([]float64, len(wantO))
	for i, x := range wantO {
		o16[i] = round(x)
	}
	lse32 := make([]float64, len(wantLse))
	for i, x := range wantLse {
		lse32[i] = float64(float32(x))
	}
	wantDQKV := AttentionBackwardRef(qkv, o16, dO, lse32, b, l, h, d)
	wantD := attnDeltaRef(dO, o16, b, l, h, d)

	in := newAttnCoopMatInputs(o, plan)
	defer in.release()
	out, err := in.stored("coopmat attention check O", b*l*h*d)
	if err != nil {
		return 0, err
	}
	var outs [3]*vk.Buffer // lse, D, dqkv
	for i, n := range []int{b * h * l, b * h * l, b * l * 3 * h * d} {
		if outs[i], err = in.scratch("coopmat attention check output", n); err != nil {
			return 0, err
		}
	}
	dIn, err := in.float32s("dO", dO)
	if err != nil {
		return 0, err
	}
	lseIn, err := in.float32s("lse", lse32)
	if err != nil {
		return 0, err
	}
	r, err := o.d.NewRecording()
	if err != nil {
		return 0, err
	}
	defer r.Release()
	qkvIn, err := in.input(r, "qkv", qkv)
	if err != nil {
		return 0, err
	}
	oIn, err := in.input(r, "o", o16)
	if err != nil {
		return 0, err
	}
	if err := o.AttentionCoopMat(r, plan, qkvIn, out, outs[0], b, l, h, d); err != nil {
		return 0, err
	}
	if err := o.AttentionBackwardCoopMat(r, plan, qkvIn, oIn, dIn, lseIn, outs[1], outs[2], b, l, h, d); err != nil {
		return 0, err
	}
	if err := r.Run(); err != nil {
		return 0, err
	}
	gotO, err := in.read(out, b*l*h*d)
	if err != nil {
		return 0, err
	}
	// O is stored in 16 bits: its rounding (2⁻¹² relative at most in
	// binary16, 2⁻⁹ in bfloat16) is not the kernel's error.
	storeUlp := math.Pow(2, -12)
	if plan.bf16 {
		storeUlp = math.Pow(2, -9)
	}
	worst := relErrF32(gotO, wantO) - storeUlp
	for i, want := range [][]float64{wantLse, wantD, wantDQKV} {
		got := make([]float32, len(want))
		if err := outs[i].ReadFloat32(0, got); err != nil {
			return 0, err
		}
		worst = math.Max(worst, relErrF32(got, want))
	}
	return worst, nil
}

// attnDeltaRef is D = rowsum(dO ∘ O) [B, H, L] of dO and O [B, L, H, d].
func attnDeltaRef(dO, o []float64, b, l, h, d int) []float64 {
	s := newAttnShape("attnDeltaRef", b, l, h, d)
	delta := make([]float64, b*h*l)
	for n := 0; n < b; n++ {
		for hd := 0; hd < h; hd++ {
			for t := 0; t < l; t++ {
				delta[s.lse(n, hd, t)] = dot(dO[s.o(n, t, hd):][:d], o[s.o(n, t, hd):][:d])
			}
		}
	}
	return delta
}
