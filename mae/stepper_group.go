package mae

import (
	"fmt"
	"time"

	"github.com/mae-vk/mae-vk/vk"
)

// groupSplit is a Stepper's data-parallel half: each slot's step is
// recorded in two halves. The first (the runner's recording) ends with the
// process's mean gradient and its micro-batch losses copied into a
// host-visible staging buffer; the host sums the buffer over the group
// (allreduce); the second copies the sum back, divides it by the group's
// size and runs the gradient norm, clipping and AdamW on that average, so
// that every process makes the same update as one process with the whole
// batch would.
type groupSplit struct {
	g      Group
	m      *Model
	accum  int
	halves []groupHalf // one per runner slot, in recording order
}

type groupHalf struct {
	stage  *vk.Buffer    // [gradient (TrainableLen), loss per micro-batch]
	update *vk.Recording // copy back, average, update
	loss   float32       // the group's mean loss of the last exchange
}

// record ends the first half, rec, with the copies into a new staging
// buffer, and starts the second half with the copy back into grads and the
// division by the group's size; it returns the second half, for the update
// to be recorded into.
func (gs *groupSplit) record(rec *vk.Recording, ins []*Inputs, grads vk.Span) (*vk.Recording, error) {
	m := gs.m
	n := m.Layout.TrainableLen
	stage, err := m.d.NewHostBuffer("gradient staging", 4*(n+gs.accum))
	if err != nil {
		return nil, fmt.Errorf("mae: %w", err)
	}
	gs.halves = append(gs.halves, groupHalf{stage: stage})
	h := &gs.halves[len(gs.halves)-1]
	rec.Copy(stage.Span(0, 4*n), grads)
	for k, in := range ins {
		rec.Copy(stage.Span(4*(n+k), 4), in.Loss.Span(0, 4))
	}
	if h.update, err = m.d.NewRecording(); err != nil {
		return nil, err
	}
	h.update.Copy(grads, stage.Span(0, 4*n))
	if err := m.o.Scale(h.update, grads, grads, n, float32(1/float64(gs.g.Size()))); err != nil {
		return nil, fmt.Errorf("mae: average gradients over the group: %w", err)
	}
	return h.update, nil
}

// exchange waits for slot's first half, sums its staging buffer over the
// group, keeps the group's mean loss and queues the second half.
func (gs *groupSplit) exchange(slot int, first *vk.Recording, info *StepInfo) error {
	h := &gs.halves[slot]
	if err := first.Wait(); err != nil {
		return fmt.Errorf("mae: step %d: %w", info.Step, err)
	}
	buf := h.stage.MappedFloat32()
	if buf == nil {
		return fmt.Errorf("mae: gradient staging is not host-visible")
	}
	start := time.Now()
	if err := gs.g.SumFloat32(fmt.Sprintf("gradient allreduce of step %d", info.Step), buf); err != nil {
		return err
	}
	info.Allreduce = time.Since(start)
	var sum float32
	for _, l := range buf[gs.m.Layout.TrainableLen:] {
		sum += l
	}
	h.loss = sum / float32(gs.accum*gs.g.Size())
	if err := h.update.Submit(); err != nil {
		return fmt.Errorf("mae: submit the update of step %d: %w", info.Step, err)
	}
	return nil
}

// wait waits for slot's second half.
func (gs *groupSplit) wait(slot int) error { return gs.halves[slot].update.Wait() }

// loss is the group's mean loss of slot's last step.
func (gs *groupSplit) loss(slot int) float32 { return gs.halves[slot].loss }

// release frees the second halves and the staging buffers.
func (gs *groupSplit) release() {
	for i := range gs.halves {
		gs.halves[i].update.Release()
		gs.halves[i].stage.Release()
	}
	gs.halves = nil
}
