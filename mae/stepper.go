package mae

import (
	"fmt"
	"time"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
)

// Stepper runs training steps on a model: the whole step (forward,
// backward, gradient norm, AdamW) is recorded once per input slot and
// replayed. Two slots let the host write step k+1's batch while the device
// runs step k; each step's loss is read back only once its slot comes
// round again, so the host never waits for the step it just submitted.
type Stepper struct {
	m     *Model
	slots [2]stepSlot
	next  int // slot of the next Submit
	steps int // submitted so far
}

type stepSlot struct {
	in      *Inputs
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
	Loss      float32
	GradNorm  float32
}

// NewStepper records the training step of m twice (one per slot) with the
// fixed AdamW hyper-parameters adam.
func NewStepper(m *Model, adam ops.AdamWConfig) (*Stepper, error) {
	s := &Stepper{m: m}
	for i := range s.slots {
		in, err := m.NewInputs()
		if err != nil {
			s.Release()
			return nil, err
		}
		rec, err := m.d.NewRecording()
		if err != nil {
			s.Release()
			return nil, err
		}
		s.slots[i] = stepSlot{in: in, rec: rec}
		if err := m.RecordForward(rec, in); err != nil {
			s.Release()
			return nil, err
		}
		if err := m.RecordBackward(rec, in); err != nil {
			s.Release()
			return nil, err
		}
		if err := m.RecordUpdate(rec, in, adam); err != nil {
			s.Release()
			return nil, err
		}
		if err := rec.End(); err != nil {
			s.Release()
			return nil, fmt.Errorf("mae: record training step: %w", err)
		}
	}
	return s, nil
}

// Recording returns the recorded step of slot 0 (for timings).
func (s *Stepper) Recording() *vk.Recording { return s.slots[0].rec }

// Submit writes the batch, the masking and the optimizer values of one
// step into the next free slot and queues the step. If that slot still
// holds an unread step, it waits for it first and returns its results in
// done (done.Step < 0 when there was none).
func (s *Stepper) Submit(images []float32, mk Masking, info StepInfo, beta1, beta2, maxNorm float64) (done StepInfo, err error) {
	done = StepInfo{Step: -1}
	sl := &s.slots[s.next]
	if sl.pending {
		if done, err = s.wait(sl); err != nil {
			return done, err
		}
	}
	start := time.Now()
	if err := s.m.SetBatch(sl.in, images, mk); err != nil {
		return done, err
	}
	if err := SetHyper(sl.in, info.LR, beta1, beta2, int(info.Step), maxNorm); err != nil {
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
	loss, norm, err := ReadLoss(sl.in)
	if err != nil {
		return sl.info, err
	}
	sl.info.Loss, sl.info.GradNorm = loss, norm
	return sl.info, nil
}

// Release waits for pending steps and frees the recordings (the model
// keeps and frees the input buffers).
func (s *Stepper) Release() {
	for i := range s.slots {
		s.slots[i].rec.Release()
		s.slots[i] = stepSlot{}
	}
}
