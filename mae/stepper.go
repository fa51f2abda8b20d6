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
// In a data-parallel Group the backward pass is recorded in segments whose
// gradients are summed over the group while the next segment runs, and
// the update in a piece of its own that uses the average (see groupSplit).
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
	// group (0 for one process), bucket by bucket while the device runs
	// the rest of the backward pass.
	Allreduce time.Duration
	// Exchange is the host's wall time from queueing the backward's
	// segments after the first to queueing the update: the wait for the
	// segments and the allreduces of their buckets, which overlap (0 for
	// one process).
	Exchange  time.Duration
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
	src := grads // the mean gradient over the micro-batches
	if s.acc != nil {
		src = s.acc.Span(0, 4*n)
	}
	for k, in := range ins {
		if err := m.recordStepForward(rec, in, k == 0); err != nil {
			return err
		}
		if s.split != nil && k == len(ins)-1 {
			break // the split records the last backward in segments
		}
		if err := m.RecordBackward(rec, in); err != nil {
			return err
		}
		if err := s.accumulate(rec, k, 0, n); err != nil {
			return err
		}
	}
	if s.split != nil {
		last := len(ins) - 1
		var err error
		rec, err = s.split.recordBackward(rec, ins, src, func(r *vk.Recording, lo, hi int) error { return s.accumulate(r, last, lo, hi) })
		if err != nil {
			return err
		}
	}
	if err := m.recordUpdate(rec, ins[0], adam, src); err != nil {
		return err
	}
	if s.split != nil {
		if err := rec.End(); err != nil {
			return fmt.Errorf("mae: record the update: %w", err)
		}
	}
	return nil
}

// accumulate records, with Accum > 1, micro-batch k's gradient over the
// elements [lo, hi) into the accumulation buffer, and after the last
// micro-batch the division by Accum.
func (s *Stepper) accumulate(rec *vk.Recording, k, lo, hi int) error {
	if s.acc == nil || lo == hi {
		return nil
	}
	m := s.m
	acc, grads := s.acc.Span(4*lo, 4*(hi-lo)), m.grads.Span(4*lo, 4*(hi-lo))
	if k == 0 {
		rec.Copy(acc, grads)
	} else if err := m.o.Add(rec, acc, grads, acc, hi-lo); err != nil {
		return fmt.Errorf("mae: accumulate gradients: %w", err)
	}
	if k < s.accum-1 {
		return nil
	}
	if err := m.o.Scale(rec, acc, acc, hi-lo, float32(1/float64(s.accum))); err != nil {
		return fmt.Errorf("mae: average gradients: %w", err)
	}
	return nil
}

// Accum is the number of micro-batches per step.
func (s *Stepper) Accum() int { return s.accum }

// Recording returns the recorded step of slot 0 (for timings); in a group,
// its first piece only.
func (s *Stepper) Recording() *vk.Recording { return s.run.slots[0].rec }

// Dispatches is the number of dispatches of one step, over all its pieces.
func (s *Stepper) Dispatches() int {
	n := s.run.slots[0].rec.Dispatches
	if s.split != nil {
		n += s.split.dispatches()
	}
	return n
}

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
