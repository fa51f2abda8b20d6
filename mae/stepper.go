package mae

import (
	"fmt"
	"time"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
)

// Stepper runs training steps on a model: the whole optimizer step (for
// each of Accum micro-batches forward and backward, then the gradient
// norm and AdamW) is recorded once per input slot and replayed. Two slots
// let the host write step k+1's batches while the device runs step k;
// each step's loss is read back only once its slot comes round again, so
// the host never waits for the step it just submitted.
//
// With Accum > 1 the gradients of the micro-batches are summed into an
// accumulation buffer and averaged, as the reference does by dividing the
// loss by accum_iter: the update sees the mean gradient.
//
// In a data-parallel Group each step is recorded in two halves, with the
// gradient averaged over the group between them (see groupSplit).
type Stepper struct {
	m     *Model
	accum int
	acc   *vk.Buffer // Σ micro-batch gradients (Accum > 1 only); the Stepper owns it
	run   *runner
	split *groupSplit // nil: one process
	// scaler is fp16's dynamic loss scaling (lossscale.go); nil otherwise.
	scaler *LossScaler
	// applied counts the AdamW updates known to be applied (−1 until
	// read from the model), unread the steps submitted and not yet read
	// back: the host's guess of t (adamstep.go).
	applied, unread int64
}

// StepInfo describes a submitted step; Wait fills in its results.
type StepInfo struct {
	Step      int64
	LR        float64
	Submitted time.Time     // when the host queued the step
	HostTime  time.Duration // host work to queue it: writing inputs, submitting
	// Allreduce is the time the host spent summing the gradient over the
	// group (0 for one process); the device idles meanwhile.
	Allreduce time.Duration
	Loss      float32 // mean over the micro-batches (and the group's processes)
	GradNorm  float32
	LossScale float64 // fp16: the loss scale the step ran with (0 otherwise)
	Skipped   bool    // fp16: the gradient overflowed, the update was skipped
}

// NewStepper records the training step of m twice (one per slot) with the
// fixed AdamW hyper-parameters adam, accumulating accum micro-batches of
// m.Batch images per step. The Stepper owns the buffers it makes (inputs,
// accumulated gradients); Release frees them.
func NewStepper(m *Model, adam ops.AdamWConfig, accum int) (s *Stepper, err error) {
	return NewGroupStepper(m, adam, accum, nil)
}

// NewGroupStepper is NewStepper for one process of the data-parallel group
// g (nil: one process): every update uses the gradient averaged over g.
func NewGroupStepper(m *Model, adam ops.AdamWConfig, accum int, g Group) (s *Stepper, err error) {
	if accum < 1 {
		return nil, fmt.Errorf("mae: accumulating %d micro-batches: must be at least 1", accum)
	}
	s = &Stepper{m: m, accum: accum, applied: -1}
	if g != nil {
		s.split = &groupSplit{g: g, m: m, accum: accum}
	}
	if m.prec == ops.FP16 {
		s.scaler = NewLossScaler()
	}
	if accum > 1 {
		if s.acc, err = m.d.NewBuffer("accumulated grads", 4*m.Layout.TrainableLen); err != nil {
			return nil, fmt.Errorf("mae: %w", err)
		}
	}
	if s.run, err = newRunner(m, accum, func(rec *vk.Recording, ins []*Inputs) error { return s.record(rec, ins, adam) }); err != nil {
		s.Release()
		return nil, err
	}
	if s.split != nil {
		s.run.split = s.split
	}
	return s, nil
}

func (s *Stepper) record(rec *vk.Recording, ins []*Inputs, adam ops.AdamWConfig) error {
	m := s.m
	n := m.Layout.TrainableLen
	grads := m.grads.Span(0, 4*n)
	for k, in := range ins {
		if err := m.recordStepForward(rec, in, k == 0); err != nil {
			return err
		}
		if err := m.RecordBackward(rec, in); err != nil {
			return err
		}
		if s.acc == nil {
			continue
		}
		if k == 0 {
			rec.Copy(s.acc.Span(0, 4*n), grads)
		} else if err := m.o.Add(rec, s.acc, grads, s.acc, n); err != nil {
			return fmt.Errorf("mae: accumulate gradients: %w", err)
		}
	}
	if s.acc != nil {
		if err := m.o.Scale(rec, s.acc, s.acc, n, float32(1/float64(s.accum))); err != nil {
			return fmt.Errorf("mae: average gradients: %w", err)
		}
		grads = s.acc.Span(0, 4*n)
	}
	if s.split != nil {
		var err error
		if rec, err = s.split.record(rec, ins, grads); err != nil {
			return err
		}
	}
	if err := m.recordUpdate(rec, ins[0], adam, grads); err != nil {
		return err
	}
	if s.split != nil {
		if err := rec.End(); err != nil {
			return fmt.Errorf("mae: record the update: %w", err)
		}
	}
	return nil
}

// Accum is the number of micro-batches per step.
func (s *Stepper) Accum() int { return s.accum }

// Recording returns the recorded step of slot 0 (for timings).
func (s *Stepper) Recording() *vk.Recording { return s.run.slots[0].rec }

// Submit writes the micro-batches (Accum of them, each m.Batch images
// [N, C, H, W] with its masking) and the optimizer values of one step into
// the next free slot and queues the step. If that slot still holds an
// unread step, it waits for it first and returns its results in done
// (done.Step < 0 when there was none).
func (s *Stepper) Submit(images [][]float32, masks []Masking, info StepInfo, beta1, beta2, maxNorm float64) (done StepInfo, err error) {
	if len(images) != s.accum || len(masks) != s.accum {
		return StepInfo{Step: -1}, fmt.Errorf("mae: step of %d batches and %d maskings, the stepper accumulates %d", len(images), len(masks), s.accum)
	}
	if s.scaler != nil {
		info.LossScale = s.scaler.Scale
	}
	done, err = s.run.submit(info, func(ins []*Inputs) error {
		for k, in := range ins {
			if err := s.m.SetBatch(in, images[k], masks[k]); err != nil {
				return err
			}
		}
		if err := s.setLossScale(ins, info); err != nil {
			return err
		}
		t, err := s.hyperStep()
		if err != nil {
			return err
		}
		return SetHyper(ins[0], info.LR, beta1, beta2, t, maxNorm)
	})
	if err == nil {
		s.unread++
	}
	return s.account(done), err
}

// Flush waits for every submitted step and returns their results, oldest
// first.
func (s *Stepper) Flush() ([]StepInfo, error) {
	done, err := s.run.flush()
	for i := range done {
		done[i] = s.account(done[i])
	}
	return done, err
}

// UpdateGradient downloads the gradient the last update used (the mean
// over the micro-batches), over the trainable parameters. No step may be
// pending.
func (s *Stepper) UpdateGradient() ([]float32, error) {
	g := make([]float32, s.m.Layout.TrainableLen)
	src := s.m.grads
	if s.acc != nil {
		src = s.acc
	}
	return g, src.ReadFloat32(0, g)
}

// Release waits for pending steps and frees what the Stepper made: the
// recordings, the inputs and the accumulation buffer.
func (s *Stepper) Release() {
	if s.run != nil {
		s.run.release()
		s.run = nil
	}
	if s.split != nil {
		s.split.release()
	}
	if s.acc != nil {
		s.acc.Release()
		s.acc = nil
	}
}
