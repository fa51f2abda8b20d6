package mae

import (
	"fmt"
	"time"

	"github.com/mae-vk/mae-vk/vk"
)

// runner replays a recorded pass of a model in two slots, each with its own
// inputs and recording made once: the host writes the inputs of pass k+1
// while the device runs pass k, and reads a pass's results only when its
// slot comes round again (or at flush), so it never waits for the pass it
// just submitted. Training (Stepper) and evaluation (Evaluate) both run
// through it. It owns the inputs and recordings it makes.
type runner struct {
	m     *Model
	slots [2]runSlot
	next  int // slot of the next submit
	// split, when set, completes each pass with a second recorded half
	// after an exchange on the host (data-parallel training).
	split passSplit
}

// passSplit completes the passes of a runner whose recordings are the
// first halves of their work.
type passSplit interface {
	// exchange runs after slot's first half is submitted: it waits for
	// it, does the host's part and queues the second half, filling info.
	exchange(slot int, first *vk.Recording, info *StepInfo) error
	// wait waits for slot's second half; then its results are read.
	wait(slot int) error
	// loss is the pass's loss, replacing the mean of its inputs'.
	loss(slot int) float32
}

type runSlot struct {
	ins     []*Inputs // the inputs one pass reads; ins[0] also holds hyper and norm
	rec     *vk.Recording
	pending bool
	info    StepInfo
}

// newRunner makes two slots of n input sets each and records each slot's
// pass with record.
func newRunner(m *Model, n int, record func(rec *vk.Recording, ins []*Inputs) error) (r *runner, err error) {
	r = &runner{m: m}
	defer func() {
		if err != nil {
			r.release()
		}
	}()
	for i := range r.slots {
		sl := &r.slots[i]
		for range n {
			in, err := m.NewInputs()
			if err != nil {
				return nil, err
			}
			sl.ins = append(sl.ins, in)
		}
		if sl.rec, err = m.d.NewRecording(); err != nil {
			return nil, err
		}
		if err := record(sl.rec, sl.ins); err != nil {
			return nil, err
		}
		if err := sl.rec.End(); err != nil {
			return nil, fmt.Errorf("mae: recording: %w", err)
		}
	}
	return r, nil
}

// submit queues one pass in the next slot: if that slot still holds an
// unread pass it waits for it first and returns its results in done
// (done.Step < 0 when there was none); then write fills the slot's inputs
// and the pass is submitted with info.
func (r *runner) submit(info StepInfo, write func(ins []*Inputs) error) (done StepInfo, err error) {
	done = StepInfo{Step: -1}
	sl := &r.slots[r.next]
	if sl.pending {
		if done, err = r.wait(sl); err != nil {
			return done, err
		}
	}
	start := time.Now()
	if err := write(sl.ins); err != nil {
		return done, err
	}
	if err := sl.rec.Submit(); err != nil {
		return done, fmt.Errorf("mae: submit pass %d: %w", info.Step, err)
	}
	var waited time.Duration // the first half and the exchange, split passes only
	if r.split != nil {
		t0 := time.Now()
		if err := r.split.exchange(r.next, sl.rec, &info); err != nil {
			return done, err
		}
		waited = time.Since(t0)
	}
	info.Submitted = time.Now()
	info.HostTime = info.Submitted.Sub(start) - waited
	sl.pending, sl.info = true, info
	r.next = 1 - r.next
	return done, nil
}

// flush waits for every submitted pass and returns their results, oldest
// first.
func (r *runner) flush() ([]StepInfo, error) {
	var out []StepInfo
	for k := range 2 {
		sl := &r.slots[(r.next+k)%2]
		if !sl.pending {
			continue
		}
		info, err := r.wait(sl)
		if err != nil {
			return out, err
		}
		out = append(out, info)
	}
	return out, nil
}

// wait waits for the slot's pass and reads its results: the mean loss over
// its input sets and the gradient norm of the first.
func (r *runner) wait(sl *runSlot) (StepInfo, error) {
	sl.pending = false
	if err := sl.rec.Wait(); err != nil {
		return sl.info, fmt.Errorf("mae: pass %d: %w", sl.info.Step, err)
	}
	slot := 0
	if sl == &r.slots[1] {
		slot = 1
	}
	if r.split != nil {
		if err := r.split.wait(slot); err != nil {
			return sl.info, fmt.Errorf("mae: pass %d: %w", sl.info.Step, err)
		}
	}
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
	if r.split != nil {
		sl.info.Loss = r.split.loss(slot)
	}
	return sl.info, nil
}

// release waits for pending passes (recordings wait on release) and frees
// the recordings and inputs.
func (r *runner) release() {
	for i := range r.slots {
		sl := &r.slots[i]
		if sl.rec != nil {
			sl.rec.Release()
		}
		for _, in := range sl.ins {
			in.Release()
		}
		*sl = runSlot{}
	}
}
