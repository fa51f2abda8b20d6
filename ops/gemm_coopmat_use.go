package ops

import (
	"errors"
	"fmt"
	"strings"
)

// CoopMatMode says whether Gemm may run fp16 products with the
// cooperative-matrix family (MAEVK_COOPMAT in the CLI).
type CoopMatMode int

const (
	// CoopMatAuto uses the family where the device lists a compiled fp16
	// shape and the variant passed its self-check on this driver.
	CoopMatAuto CoopMatMode = iota
	// CoopMatOff never uses it.
	CoopMatOff
	// CoopMatEmulate uses the plain-code emulation of the family on any
	// device with 16-bit storage: how the software drivers test the wiring.
	CoopMatEmulate
)

var coopMatModeNames = []string{"auto", "off", "emulate"}

func (m CoopMatMode) String() string {
	if int(m) < len(coopMatModeNames) {
		return coopMatModeNames[m]
	}
	return fmt.Sprintf("CoopMatMode(%d)", int(m))
}

// ParseCoopMatMode reads "auto" (or ""), "off" or "emulate".
func ParseCoopMatMode(s string) (CoopMatMode, error) {
	if s == "" {
		return CoopMatAuto, nil
	}
	for i, n := range coopMatModeNames {
		if strings.EqualFold(s, n) {
			return CoopMatMode(i), nil
		}
	}
	return CoopMatAuto, fmt.Errorf("cooperative-matrix mode %q: want auto, off or emulate", s)
}

// coopMatUse is the mode, verdict directory and warn function
// EnableCoopMat was called with.
type coopMatUse struct {
	emulate bool
	dir     string
	warn    func(string)
}

// EnableCoopMat decides whether Gemm runs its fp16 × fp16 and bf16 ×
// bf16 products (the 16-bit model's forward GEMMs) with the
// cooperative-matrix family (and, through AttentionCoopMatFor, whether
// the fp16 attention does): under mode, for each of fp16 and bf16 on its
// own, it plans the variant (PlanCoopMatFor, or the configuration tuned
// by `bench gemm --tune` when it names one), self-checks it once per
// device and driver version (CheckCoopMat, verdicts kept in dir) and, if
// it passes, makes Gemm use it for that precision: one precision's
// failing check does not keep the other off. Every other product keeps
// the reg and tiled families. It reports whether the family is in use for
// either precision; a failed check warns through warn (naming the
// variant) and is not an error.
func (o *Ops) EnableCoopMat(mode CoopMatMode, dir string, warn func(string)) (bool, error) {
	o.coop, o.coopBF, o.coopAttn = nil, nil, nil
	o.coopUse = coopMatUse{emulate: mode == CoopMatEmulate, dir: dir, warn: warn}
	if mode == CoopMatOff || o.gemm.CoopMat == "off" && mode == CoopMatAuto {
		return false, nil
	}
	fp16, err := o.enableCoopMatFor(FP16, mode, dir, warn)
	if err != nil {
		return false, err
	}
	bf16, err := o.enableCoopMatFor(BF16, mode, dir, warn)
	if err != nil {
		return false, err
	}
	o.coop, o.coopBF = fp16, bf16
	return fp16 != nil || bf16 != nil, nil
}

// enableCoopMatFor is EnableCoopMat's plan for inputs of precision in:
// nil where there is none or it failed its self-check.
func (o *Ops) enableCoopMatFor(in Precision, mode CoopMatMode, dir string, warn func(string)) (*CoopMatPlan, error) {
	plan, err := o.PlanCoopMatFor(in, mode == CoopMatEmulate)
	if errors.Is(err, ErrNoCoopMat) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !plan.halfInputs {
		return nil, nil // the float32 emulation: no 16-bit storage, so no 16-bit Gemm either
	}
	if tuned, ok := o.tunedCoopMat(plan); ok {
		plan = tuned
	}
	ok, err := o.CheckCoopMat(plan, dir, warn)
	if err != nil || !ok {
		return nil, err
	}
	return &plan, nil
}

// CoopMatInUse is the plan Gemm runs fp16 × fp16 products with, if any
// (EnableCoopMat).
func (o *Ops) CoopMatInUse() (CoopMatPlan, bool) {
	return o.CoopMatInUseFor(FP16)
}

// CoopMatInUseFor is the plan Gemm runs products of in × in (FP16 or
// BF16) with, if any (EnableCoopMat).
func (o *Ops) CoopMatInUseFor(in Precision) (CoopMatPlan, bool) {
	p := o.coop
	if in == BF16 {
		p = o.coopBF
	} else if in != FP16 {
		p = nil
	}
	if p == nil {
		return CoopMatPlan{}, false
	}
	return *p, true
}

// CoopMatRuns reports whether Gemm runs p × p products (p 16-bit: fp16
// or bf16, each with its own plan) on the cooperative-matrix family: a
// model in precision p then hands its backward products 16-bit output
// gradients so that they run there too.
func (o *Ops) CoopMatRuns(p Precision) bool {
	return p == FP16 && o.coop != nil || p == BF16 && o.coopBF != nil
}

// CoopMatGemms is how many Gemm calls these ops have recorded with the
// cooperative-matrix family.
func (o *Ops) CoopMatGemms() int { return o.coopGemms }

// coopMatFits reports whether Gemm runs s with the cooperative-matrix
// family (coopMatFor).
func (o *Ops) coopMatFits(s GemmSpec) bool { return o.coopMatFor(s) != nil }

// coopMatFor is the plan Gemm runs s with, or nil for its other
// families: a plan is in use for s's inputs, A and B are both fp16 (C
// fp32 or fp16) or both bf16 (C fp32 or bf16), and the grid fits one
// dispatch.
func (o *Ops) coopMatFor(s GemmSpec) *CoopMatPlan {
	var p *CoopMatPlan
	switch {
	case s.AType == FP16 && s.BType == FP16 && (s.CType == FP32 || s.CType == FP16):
		p = o.coop
	case s.AType == BF16 && s.BType == BF16 && (s.CType == FP32 || s.CType == BF16):
		p = o.coopBF
	}
	if p == nil {
		return nil
	}
	bm, bn := p.block()
	c := o.d.Info.MaxWorkgroupCount
	if ceilDiv(s.N, bn) <= c[0] && ceilDiv(s.M, bm) <= c[1] && s.Batch <= c[2] {
		return p
	}
	return nil
}
