package ops

import (
	"fmt"
	"strings"
	"time"

	"github.com/mae-vk/mae-vk/vk"
)

// coopMatBlockings are the blockings tuning tries, each {WM, WN, FM, FN,
// KSteps}: workgroups of WM×WN subgroups with FM×FN fragments each and K
// staged KSteps fragments at a time. Blocks of 64×64 to 128×128 (with
// 16×16 fragments) and K by 32 or 64 are the shapes tensor-core GEMMs are
// known to run well at, the small ones for devices with little shared
// memory; which wins is the device's to say. The emulation (a test of the
// machinery, slow to compile on CPU drivers) tries a few within its
// FRAG_MAX and KSTEP_MAX.
var (
	coopMatBlockings = [][5]int{
		{2, 2, 2, 2, 2}, {2, 2, 2, 2, 4}, {2, 2, 4, 2, 2}, {2, 2, 2, 4, 2}, {4, 2, 2, 2, 2}, {2, 4, 2, 2, 2},
		{2, 2, 4, 4, 2}, {2, 2, 4, 4, 4}, {4, 2, 2, 4, 2}, {2, 4, 4, 2, 2}, {4, 4, 2, 2, 2},
		{2, 2, 1, 1, 2}, {2, 1, 1, 1, 1}, {1, 1, 1, 1, 1},
	}
	coopMatEmuBlockings = [][5]int{{2, 2, 1, 1, 1}, {1, 2, 2, 2, 2}, {2, 2, 2, 2, 2}}
)

// coopMatShared is the shared memory gemm_coopmat.comp declares for p:
// the A and B slices of KSteps·K and one fragment of C per subgroup.
func coopMatShared(p CoopMatPlan) int {
	elem := 4 // float32 inputs, and the bf16 emulation's float staging
	if p.halfInputs && !(p.bf16 && p.Emulated) {
		elem = 2
	}
	bm, bn := p.block()
	bk := p.kSteps() * p.K
	return elem*(bm*bk+bk*bn) + 4*p.WM*p.WN*p.M*p.N
}

// coopMatPlanFits reports whether p's workgroup fits the device's
// invocation and shared-memory limits.
func coopMatPlanFits(p CoopMatPlan, info vk.DeviceInfo) bool {
	return p.WM*p.WN*p.Lanes <= info.MaxInvocations && coopMatShared(p) <= info.SharedMemoryBytes
}

// CoopMatCandidates lists the plans `bench gemm --tune` times: every
// compiled fragment shape the device lists for fp16 × fp16 + fp32 (every
// compiled shape emulated, with emulate), each with every blocking of
// coopMatBlockings that fits the device. None on a device without
// cooperative matrices unless emulate is set.
func (o *Ops) CoopMatCandidates(emulate bool) []CoopMatPlan {
	info := o.d.Info
	var out []CoopMatPlan
	add := func(p CoopMatPlan) {
		blockings := coopMatBlockings
		if p.Emulated {
			blockings = coopMatEmuBlockings
		}
		for _, b := range blockings {
			p.WM, p.WN, p.FM, p.FN, p.KSteps = b[0], b[1], b[2], b[3], b[4]
			if coopMatPlanFits(p, info) {
				out = append(out, p)
			}
		}
	}
	for _, sh := range coopMatShapes {
		if emulate {
			kind := "emu32"
			if info.Storage16 && info.Float16 {
				kind = "emu"
			}
			add(CoopMatPlan{Variant: coopMatName(sh, kind), M: sh[0], N: sh[1], K: sh[2], Lanes: coopMatLanes,
				Emulated: true, halfInputs: kind == "emu"})
			continue
		}
		if !info.VulkanMemoryModel {
			break
		}
		for _, s := range info.CoopMatShapes {
			if s.M != sh[0] || s.N != sh[1] || s.K != sh[2] || !s.Subgroup || s.Saturating ||
				s.A != vk.ComponentFloat16 || s.B != vk.ComponentFloat16 || s.C != vk.ComponentFloat32 || s.Result != vk.ComponentFloat32 {
				continue
			}
			if s.KHR && info.CooperativeMatrix || !s.KHR && info.CooperativeMatrixNV && !info.CooperativeMatrix {
				kind := map[bool]string{true: "khr", false: "nv"}[s.KHR]
				add(CoopMatPlan{Variant: coopMatName(sh, kind), M: sh[0], N: sh[1], K: sh[2], Lanes: info.SubgroupSize, halfInputs: true})
				break
			}
		}
	}
	return out
}

// tunedCoopMat is the candidate the tuning stored (GemmConfig.CoopMat), if
// it is one of this device's candidates of plan's kind. Tuning times fp16
// products; a bf16 plan takes the workgroup tuned for its fp16 twin (the
// same kernel, retyped) when that fits.
func (o *Ops) tunedCoopMat(plan CoopMatPlan) (CoopMatPlan, bool) {
	if o.gemm.CoopMat == "" || o.gemm.CoopMat == "off" {
		return plan, false
	}
	if plan.bf16 {
		p := plan
		p.WM, p.WN, p.FM, p.FN, p.KSteps = o.gemm.CoopWM, o.gemm.CoopWN, o.gemm.CoopFM, o.gemm.CoopFN, o.gemm.CoopKSteps
		twin := strings.TrimSuffix(plan.Variant, "_bf16")
		if o.gemm.CoopMat == twin && p.WM > 0 && p.WN > 0 && coopMatPlanFits(p, o.d.Info) {
			return p, true
		}
		return plan, false
	}
	for _, p := range o.CoopMatCandidates(plan.Emulated) {
		if p.Variant == o.gemm.CoopMat && p.WM == o.gemm.CoopWM && p.WN == o.gemm.CoopWN && p.FM == o.gemm.CoopFM && p.FN == o.gemm.CoopFN &&
			p.kSteps() == max(o.gemm.CoopKSteps, 1) {
			return p, true
		}
	}
	return plan, false
}

// BenchGemmCoopMat times s (A and B of the plan's inputs, fp16 or bf16)
// with plan.
func (o *Ops) BenchGemmCoopMat(s GemmSpec, plan CoopMatPlan, budget time.Duration) (BenchResult, error) {
	saved, savedBF, savedN := o.coop, o.coopBF, o.coopGemms
	defer func() { o.coop, o.coopBF, o.coopGemms = saved, savedBF, savedN }()
	if plan.bf16 {
		o.coopBF = &plan
		s.AType, s.BType = BF16, BF16
	} else {
		o.coop = &plan
		s.AType, s.BType = FP16, FP16
	}
	if !o.coopMatFits(s) {
		return BenchResult{}, fmt.Errorf("ops: bench coopmat: batch %d above the device's z limit", s.Batch)
	}
	r, err := o.BenchGemm(s, budget)
	r.Variant = "coopmat " + plan.String()
	return r, err
}

// TuneCoopMat times every cooperative-matrix candidate on s (A and B
// fp16) against the best fp16 product of the configuration in use, and
// records the choice in the configuration (GemmConfig.CoopMat: a variant,
// or "off" when none is faster). Candidates are timed only after they
// pass the self-check (verdicts in dir); a failed one is skipped with a
// warning.
func (o *Ops) TuneCoopMat(s GemmSpec, emulate bool, dir string, budget time.Duration, warn func(string), report func(BenchResult)) (GemmConfig, error) {
	cfg := o.gemm
	cfg.CoopMat, cfg.CoopWM, cfg.CoopWN, cfg.CoopFM, cfg.CoopFN, cfg.CoopKSteps = "off", 0, 0, 0, 0, 0
	saved := o.coop
	o.coop = nil
	s.AType, s.BType = FP16, FP16
	plain, err := o.BenchGemm(s, budget)
	o.coop = saved
	if err != nil {
		return o.gemm, fmt.Errorf("tune coopmat: fp16 baseline: %w", err)
	}
	if report != nil {
		report(plain)
	}
	bestMs := plain.MedianMs
	for _, p := range o.CoopMatCandidates(emulate) {
		if !p.halfInputs {
			break // float32 emulation: Gemm never hands it fp16 operands
		}
		ok, err := o.CheckCoopMat(p, dir, warn)
		if err != nil {
			return o.gemm, err
		}
		if !ok {
			continue
		}
		r, err := o.BenchGemmCoopMat(s, p, budget)
		if err != nil {
			return o.gemm, fmt.Errorf("tune %v: %w", p, err)
		}
		if report != nil {
			report(r)
		}
		if r.MedianMs < bestMs {
			bestMs, cfg.CoopMat, cfg.CoopWM, cfg.CoopWN, cfg.CoopFM, cfg.CoopFN, cfg.CoopKSteps = r.MedianMs, p.Variant, p.WM, p.WN, p.FM, p.FN, p.kSteps()
		}
	}
	o.gemm = cfg
	return cfg, nil
}
