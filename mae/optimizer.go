package mae

import (
	"fmt"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
)

// recordUpdate records, after the backward pass, the global norm of grads
// (into in.Norm) and one AdamW step over every trainable parameter: weight
// decay on the tensors that take it, clipping to the max norm in in.Hyper
// when that is positive, and the learning rate and bias corrections the
// host wrote into in.Hyper for this step, at the t of the model's device
// count of applied updates (adamstep.go). With fp16 loss scaling the
// gradient is first unscaled; a non-finite norm skips the step and leaves
// the count as it was.
func (m *Model) recordUpdate(r *vk.Recording, in *Inputs, cfg ops.AdamWConfig, grads vk.Span) error {
	n := m.Layout.TrainableLen
	if err := m.recordUnscale(r, in, grads); err != nil {
		return err
	}
	if err := m.o.GradNorm(r, grads, in.Norm, m.acts.normWork, n); err != nil {
		return fmt.Errorf("mae update: %w", err)
	}
	err := m.o.AdamW(r, cfg, ops.AdamWBuffers{
		Param: m.params.Span(0, 4*n), Grad: grads, M: m.m, V: m.v,
		Hyper: in.Hyper, Norm: in.Norm, Decay: m.decay, DecayRanges: m.decayRanges, Step: m.adamStep,
	}, n)
	if err != nil {
		return fmt.Errorf("mae update: %w", err)
	}
	return nil
}

// SetHyper writes the per-step optimizer values of step t (1-based) into in.
func SetHyper(in *Inputs, lr, beta1, beta2 float64, t int, maxNorm float64) error {
	return in.Hyper.WriteFloat32(0, ops.AdamWHyperValues(lr, beta1, beta2, t, maxNorm))
}
