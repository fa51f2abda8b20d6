package ops

import "fmt"

// attnCoopMatChoice is AttentionCoopMatFor's cached answer for one precision
// and head dimension.
type attnCoopMatChoice struct {
	plan AttnCoopMatPlan
	ok   bool
}

// attnCoopMatKeyOf is what AttentionCoopMatFor caches its answers by.
type attnCoopMatKeyOf struct {
	in Precision
	d  int
}

// AttentionCoopMatFor reports whether the attention of qkv in precision
// in (AttentionAs and AttentionBackwardAs at FP16 or BF16) with head
// dimension d should be recorded with AttentionCoopMat and
// AttentionBackwardCoopMat instead, and with which plan. Only when
// EnableCoopMat put the cooperative-matrix GEMM family in use for in (so
// never without the extension and a listed shape for in, unless
// MAEVK_COOPMAT=emulate, and never without 16-bit storage): the first
// call for (in, d) plans the family (PlanAttentionCoopMatFor, emulated if
// EnableCoopMat was) and self-checks it (CheckAttentionCoopMat, with
// EnableCoopMat's verdict directory and warn function: a failure warns
// once and answers false), and the answer is kept for the life of the Ops
// or until EnableCoopMat is called again. Any other precision, or a head
// dimension the family cannot plan, answers false. An error means the
// self-check could not run.
func (o *Ops) AttentionCoopMatFor(in Precision, d int) (AttnCoopMatPlan, bool, error) {
	if !o.CoopMatRuns(in) {
		return AttnCoopMatPlan{}, false, nil
	}
	key := attnCoopMatKeyOf{in, d}
	c, known := o.coopAttn[key]
	if !known {
		var err error
		if c, err = o.chooseAttnCoopMat(in, d); err != nil {
			return AttnCoopMatPlan{}, false, err
		}
		if o.coopAttn == nil {
			o.coopAttn = map[attnCoopMatKeyOf]attnCoopMatChoice{}
		}
		o.coopAttn[key] = c
	}
	return c.plan, c.ok, nil
}

// chooseAttnCoopMat plans and self-checks the attention family for qkv in
// precision in and head dimension d under EnableCoopMat's settings.
func (o *Ops) chooseAttnCoopMat(in Precision, d int) (attnCoopMatChoice, error) {
	u := o.coopUse
	plan, err := o.PlanAttentionCoopMatFor(in, d, u.emulate)
	if err != nil || !plan.halfInputs {
		return attnCoopMatChoice{}, nil // not for this head dimension or device: the other families
	}
	ok, err := o.CheckAttentionCoopMat(plan, u.dir, u.warn)
	if err != nil {
		return attnCoopMatChoice{}, fmt.Errorf("cooperative-matrix attention, %v, head dimension %d: %w", in, d, err)
	}
	return attnCoopMatChoice{plan: plan, ok: ok}, nil
}

// CoopMatAttentions is how many forward (AttentionCoopMat) and backward
// (AttentionBackwardCoopMat) attentions these ops have recorded, not
// counting the self-check's.
func (o *Ops) CoopMatAttentions() (forward, backward int) { return o.coopAttns[0], o.coopAttns[1] }
