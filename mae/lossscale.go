package mae

import (
	"fmt"
	"math"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
)

// fp16 dynamic loss scaling, as PyTorch's torch.cuda.amp.GradScaler does
// it: the backward pass starts from S·d loss/d pred, the gradient is
// unscaled (×1/S) before the norm and the clipping, and a step whose
// gradient norm is Inf or NaN is skipped on the device (AdamW leaves every
// parameter and moment as it was) while the host halves S; after
// GrowthInterval good steps in a row S doubles.
//
// S lives in a host-visible buffer of each step's inputs ({S, 1/S}), so
// the recorded step serves every scale. Steps are pipelined two deep, so
// the result of a step may arrive after the next one was queued with the
// same scale: only a result computed with the current scale changes it.

// Defaults of torch.cuda.amp.GradScaler.
const (
	DefaultInitScale      = 65536
	DefaultGrowthInterval = 2000
)

// LossScaleFloor is the loss scale at and below which an fp16 skip counts
// toward MaxSkippedInARow: a scale of 1 no longer enlarges the gradients,
// so an overflow there is the gradient's own, not the scale's.
const LossScaleFloor = 1

// countsAsDivergence reports whether a skipped step counts toward
// MaxSkippedInARow: always without loss scaling (LossScale 0); under it,
// when the step ran at a scale at or below LossScaleFloor or its loss
// (computed before any scaling) was not finite.
func countsAsDivergence(done StepInfo) bool {
	return done.LossScale <= LossScaleFloor || !finite(float64(done.Loss))
}

// LossScaler is the host side of dynamic loss scaling.
type LossScaler struct {
	Scale          float64 // current scale S
	GrowthInterval int     // good steps in a row before S doubles
	Skipped        int64   // steps skipped so far
	good           int
}

// NewLossScaler starts at GradScaler's defaults.
func NewLossScaler() *LossScaler {
	return &LossScaler{Scale: DefaultInitScale, GrowthInterval: DefaultGrowthInterval}
}

// Update takes the outcome of a step computed with scale used (finite:
// its gradient norm was finite) and reports whether the step was skipped.
func (l *LossScaler) Update(used float64, finite bool) (skipped bool) {
	current := used == l.Scale
	if !finite {
		l.Skipped++
		if current {
			l.Scale /= 2
			l.good = 0
		}
		return true
	}
	if current {
		l.good++
		if l.good >= l.GrowthInterval {
			l.Scale *= 2
			l.good = 0
		}
	}
	return false
}

// lossScaleFloats is the size of Inputs.LossScale: {S, 1/S}.
const lossScaleFloats = 2

// newLossScaleInput allocates in.LossScale, holding {1, 1}, in fp16 only.
func (m *Model) newLossScaleInput(in *Inputs) error {
	if m.prec != ops.FP16 {
		return nil
	}
	b, err := m.d.NewHostBuffer("loss scale", 4*lossScaleFloats)
	if err != nil {
		return err
	}
	in.LossScale = b
	return setLossScale(in, 1)
}

// setLossScale writes S into in (nothing where the model does not scale).
func setLossScale(in *Inputs, s float64) error {
	if in.LossScale == nil {
		return nil
	}
	return in.LossScale.WriteFloat32(0, []float32{float32(s), float32(1 / s)})
}

// recordScaleLoss records d loss/d pred ×= S after the loss (fp16 only).
func (m *Model) recordScaleLoss(r *vk.Recording, in *Inputs) error {
	if in.LossScale == nil {
		return nil
	}
	n := m.seq.n * m.seq.l * m.seq.p
	if err := m.o.ScaleBy(r, m.acts.dpred, in.LossScale, m.acts.dpred, n, 0); err != nil {
		return fmt.Errorf("mae: loss scaling: %w", err)
	}
	return nil
}

// recordUnscale records grads ×= 1/S before the norm (fp16 only).
func (m *Model) recordUnscale(r *vk.Recording, in *Inputs, grads vk.Span) error {
	if in.LossScale == nil {
		return nil
	}
	if err := m.o.ScaleBy(r, grads, in.LossScale, grads, grads.Size/4, 1); err != nil {
		return fmt.Errorf("mae: unscale gradients: %w", err)
	}
	return nil
}

// finiteNorm reports whether a gradient norm is a number.
func finiteNorm(v float32) bool {
	return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0)
}

// LossScaler returns the stepper's loss scaler (nil unless fp16).
func (s *Stepper) LossScaler() *LossScaler { return s.scaler }

// setLossScale writes the scale a step runs with into its inputs.
func (s *Stepper) setLossScale(ins []*Inputs, info StepInfo) error {
	for _, in := range ins {
		if err := setLossScale(in, info.LossScale); err != nil {
			return err
		}
	}
	return nil
}

// account passes a completed step's outcome to the step count and the
// loss scaler.
func (s *Stepper) account(done StepInfo) StepInfo {
	s.countStep(done)
	if s.scaler != nil && done.Step >= 0 {
		done.Skipped = s.scaler.Update(done.LossScale, finiteNorm(done.GradNorm))
	}
	return done
}
