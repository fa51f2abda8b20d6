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
type Stepper struct {
	m     *Model
	accum int
	acc   *vk.Buffer // Σ micro-batch gradients (Accum > 1 only)
	slots [2]stepSlot
	next  int // slot of the next Submit
}

type stepSlot struct {
	ins     []*Inputs // one per micro-batch; ins[0] also holds the step's hyper, norm
	rec     *vk.Recording
	pending bool
	info    StepInfo
}

// StepInfo describes a submitted step; Wait fills in its results.
type StepInfo struct {
	Step      int64
	LR        float64
	Submitted time.Time     // when the host queued the step
	HostTime  time.Duration // host work to queue it: writing inputs, submitting
	Loss      float32       // mean over the micro-batches
	GradNorm  float32
}

// NewStepper records the training step of m twice (one per slot) with the
// fixed AdamW hyper-parameters adam, accumulating accum micro-batches of
// m.Batch images per step.
func NewStepper(m *Model, adam ops.AdamWConfig, accum int) (*Stepper, error) {
	if accum < 1 {
		return nil, fmt.Errorf("mae: --accum %d: must be at least 1", accum)
	}
	s := &Stepper{m: m, accum: accum}
	if accum > 1 {
		var err error
		if s.acc, err = m.alloc("accumulated grads", m.Layout.TrainableLen); err != nil {
			return nil, err
		}
	}
	for i := range s.slots {
		if err := s.record(&s.slots[i], adam); err != nil {
			s.Release()
			return nil, err
		}
	}
	return s, nil
}

func (s *Stepper) record(sl *stepSlot, adam ops.AdamWConfig) error {
	m := s.m
	for k := 0; k < s.accum; k++ {
		in, err := m.NewInputs()
		if err != nil {
			return err
		}
		sl.ins = append(sl.ins, in)
	}
	rec, err := m.d.NewRecording()
	if err != nil {
		return err
	}
	sl.rec = rec
	n := m.Layout.TrainableLen
	grads := m.grads.Span(0, 4*n)
	for k, in := range sl.ins {
		if err := m.RecordForward(rec, in); err != nil {
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
	if err := m.recordUpdate(rec, sl.ins[0], adam, grads); err != nil {
		return err
	}
	if err := rec.End(); err != nil {
		return fmt.Errorf("mae: record training step: %w", err)
	}
	return nil
}

// Accum is the number of micro-batches per step.
func (s *Stepper) Accum() int { return s.accum }

// Recording returns the recorded step of slot 0 (for timings).
func (s *Stepper) Recording() *vk.Recording { return s.slots[0].rec }

// Submit writes the micro-batches (Accum of them, each m.Batch images
// [N, C, H, W] with its masking) and the optimizer values of one step into
// the next free slot and queues the step. If that slot still holds an
// unread step, it waits for it first and returns its results in done
// (done.Step < 0 when there was none).
func (s *Stepper) Submit(images [][]float32, masks []Masking, info StepInfo, beta1, beta2, maxNorm float64) (done StepInfo, err error) {
	done = StepInfo{Step: -1}
	if len(images) != s.accum || len(masks) != s.accum {
		return done, fmt.Errorf("mae: step of %d batches and %d maskings, the stepper accumulates %d", len(images), len(masks), s.accum)
	}
	sl := &s.slots[s.next]
	if sl.pending {
		if done, err = s.wait(sl); err != nil {
			return done, err
		}
	}
	start := time.Now()
	for k, in := range sl.ins {
		if err := s.m.SetBatch(in, images[k], masks[k]); err != nil {
			return done, err
		}
	}
	if err := SetHyper(sl.ins[0], info.LR, beta1, beta2, int(info.Step), maxNorm); err != nil {
		return done, err
	}
	if err := sl.rec.Submit(); err != nil {
		return done, fmt.Errorf("mae: submit step %d: %w", info.Step, err)
	}
	info.Submitted = time.Now()
	info.HostTime = info.Submitted.Sub(start)
	sl.pending, sl.info = true, info
	s.next = 1 - s.next
	return done, nil
}

// Flush waits for every submitted step and returns their results, oldest
// first.
func (s *Stepper) Flush() ([]StepInfo, error) {
	var out []StepInfo
	for k := 0; k < 2; k++ {
		sl := &s.slots[(s.next+k)%2]
		if !sl.pending {
			continue
		}
		info, err := s.wait(sl)
		if err != nil {
			return out, err
		}
		out = append(out, info)
	}
	return out, nil
}

func (s *Stepper) wait(sl *stepSlot) (StepInfo, error) {
	if err := sl.rec.Wait(); err != nil {
		return sl.info, fmt.Errorf("mae: step %d: %w", sl.info.Step, err)
	}
	sl.pending = false
	var sum float32
	for k, in := range sl.ins {
		loss, norm, err := ReadLoss(in)
		if err != nil {
			return sl.info, err
		}
		sum += loss
		if k == 0 {
			sl.info.GradNorm = norm
		}
	}
	sl.info.Loss = sum / float32(len(sl.ins))
	return sl.info, nil
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

// Release waits for pending steps and frees the recordings (the model
// keeps and frees the input and accumulation buffers).
func (s *Stepper) Release() {
	for i := range s.slots {
		s.slots[i].rec.Release()
		s.slots[i] = stepSlot{}
	}
}
