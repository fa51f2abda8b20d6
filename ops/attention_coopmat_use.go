package ops

import "fmt"

// attnCoopMatChoice is AttentionCoopMatFor's cached answer for one head
// dimension.
type attnCoopMatChoice struct {
	plan AttnCoopMatPlan
	ok   bool
}

// AttentionCoopMatFor reports whether the fp16 attention (AttentionAs and
// AttentionBackwardAs at FP16) with head dimension d should be recorded
// with AttentionCoopMat and AttentionBackwardCoopMat instead, and with
// which plan. Only when EnableCoopMat put the cooperative-matrix family in
// use (so never without the extension unless MAEVK_COOPMAT=emulate, and
// never without 16-bit storage): the first call for d plans the family
// (PlanAttentionCoopMat, emulated if EnableCoopMat was) and self-checks it
// (CheckAttentionCoopMat, with EnableCoopMat's verdict directory and warn
// function: a failure warns once and answers false), and the answer is
// kept for the life of the Ops or until EnableCoopMat is called again. A
// head dimension the family cannot plan answers false. An error means the
// self-check could not run.
func (o *Ops) AttentionCoopMatFor(d int) (AttnCoopMatPlan, bool, error) {
	if o.coop == nil {
		return AttnCoopMatPlan{}, false, nil
	}
	c, known := o.coopAttn[d]
	if !known {
		var err error
		if c, err = o.chooseAttnCoopMat(d); err != nil {
			return AttnCoopMatPlan{}, false, err
		}
		if o.coopAttn == nil {
			o.coopAttn = map[int]attnCoopMatChoice{}
		}
		o.coopAttn[d] = c
	}
	return c.plan, c.ok, nil
}

// chooseAttnCoopMat plans and self-checks the attention family for head
// dimension d under EnableCoopMat's settings.
func (o *Ops) chooseAttnCoopMat(d int) (attnCoopMatChoice, error) {
	u := o.coopUse
	plan, err := o.PlanAttentionCoopMat(d, u.emulate)
	if err != nil || !plan.halfInputs {
		return attnCoopMatChoice{}, nil // not for this head dimension or device: the other families
	}
	ok, err := o.CheckAttentionCoopMat(plan, u.dir, u.warn)
	if err != nil {
		return attnCoopMatChoice{}, fmt.Errorf("cooperative-matrix attention, head dimension %d: %w", d, err)
	}
	return attnCoopMatChoice{plan: plan, ok: ok}, nil
}

// CoopMatAttentions is how many forward (AttentionCoopMat) and backward
// (AttentionBackwardCoopMat) attentions these ops have recorded, not
// counting the self-check's.
func (o *Ops) CoopMatAttentions() (forward, backward int) { return o.coopAttns[0], o.coopAttns[1] }
