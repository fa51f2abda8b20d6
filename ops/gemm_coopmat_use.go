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

// EnableCoopMat decides whether Gemm runs its fp16 × fp16 products (the
// 16-bit model's forward GEMMs) with the cooperative-matrix family (and,
// through AttentionCoopMatFor, whether the fp16 attention does): under
// mode, it plans the variant (PlanCoopMat, or the configuration tuned by
// `bench gemm --tune` when it names one), self-checks it once per device
// and driver version (CheckCoopMat, verdicts kept in dir) and, if it
// passes, makes Gemm use it. Every other product keeps the reg and tiled
// families. It reports whether the family is in use; a failed check warns
// through warn and is not an error.
func (o *Ops) EnableCoopMat(mode CoopMatMode, dir string, warn func(string)) (bool, error) {
	o.coop, o.coopAttn = nil, nil
	o.coopUse = coopMatUse{emulate: mode == CoopMatEmulate, dir: dir, warn: warn}
	if mode == CoopMatOff || o.gemm.CoopMat == "off" && mode == CoopMatAuto {
		return false, nil
	}
	plan, err := o.PlanCoopMat(mode == CoopMatEmulate)
	if errors.Is(err, ErrNoCoopMat) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !plan.halfInputs {
		return false, nil // the float32 emulation: no 16-bit storage, so no 16-bit Gemm either
	}
	if tuned, ok := o.tunedCoopMat(plan); ok {
		plan = tuned
	}
	ok, err := o.CheckCoopMat(plan, dir, warn)
	if err != nil || !ok {
		return false, err
	}
	o.coop = &plan
	return true, nil
}

// CoopMatInUse is the plan Gemm runs fp16 × fp16 products with, if any
// (EnableCoopMat).
func (o *Ops) CoopMatInUse() (CoopMatPlan, bool) {
	if o.coop == nil {
		return CoopMatPlan{}, false
	}
	return *o.coop, true
}

// CoopMatRuns reports whether Gemm runs p × p products (p 16-bit) on the
// cooperative-matrix family: a model in precision p then hands its
// backward products 16-bit output gradients so that they run there too.
func (o *Ops) CoopMatRuns(p Precision) bool {
	return o.coop != nil && p == FP16
}

// CoopMatGemms is how many Gemm calls these ops have recorded with the
// cooperative-matrix family.
func (o *Ops) CoopMatGemms() int { return o.coopGemms }

// coopMatFits reports whether Gemm runs s with the cooperative-matrix
// family: one is in use, A and B are fp16 (C fp32 or fp16), and the grid
// fits one dispatch.
func (o *Ops) coopMatFits(s GemmSpec) bool {
	if o.coop == nil || s.AType != FP16 || s.BType != FP16 || s.CType == BF16 {
		return false
	}
	bm, bn := o.coop.block()
	c := o.d.Info.MaxWorkgroupCount
	return ceilDiv(s.N, bn) <= c[0] && ceilDiv(s.M, bm) <= c[1] && s.Batch <= c[2]
}
