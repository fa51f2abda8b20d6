package mae

import (
	"fmt"
	"time"

	"github.com/mae-vk/mae-vk/vk"
)

// groupSplit is a Stepper's data-parallel half. Each slot's step is
// recorded in pieces: the backward pass of the last micro-batch is cut at
// block boundaries into segments (the first one is the runner's
// recording, which also holds the forward passes and the earlier
// micro-batches). Each segment ends by copying the gradients it finished,
// a contiguous bucket of the flat gradient, into a host-visible staging
// buffer. The host waits for segment k and sums its bucket over the group
// (allreduce) while the device runs segment k+1. The last piece, the
// update, copies the sum back, divides it by the group's size and runs the
// gradient norm, clipping and AdamW on that average, so that every process
// makes the same update as one process with the whole batch would.
type groupSplit struct {
	g      Group
	m      *Model
	accum  int
	halves []groupHalf // one per runner slot, in recording order
	// serial makes exchange wait for the whole backward before the first
	// allreduce, as without overlap (the bench measures both).
	serial bool
}

type groupHalf struct {
	stage   *vk.Buffer      // [gradient (TrainableLen), loss per micro-batch]
	segs    []*vk.Recording // the backward's segments; segs[0] is the runner's recording
	buckets []bucket        // buckets[k]: the staging elements segs[k] finishes
	update  *vk.Recording   // copy back, average, update
	loss    float32         // the group's mean loss of the last exchange
}

// bucket is a range [lo, hi) of staging elements.
type bucket struct{ lo, hi int }

// maxBuckets bounds the number of segments of the backward pass: more
// buckets start the exchange earlier, each costs a submission, a fence
// wait and an allreduce's latency.
const maxBuckets = 8

// recordBackward records the last micro-batch's backward into rec and the
// segments after it, each ending with its bucket's copy into a new
// staging buffer. finish(r, lo, hi) records what makes the gradient
// elements [lo, hi) final (the accumulation with Accum > 1); src holds
// them then. It returns the update's recording, begun with the copy back
// into src and the division by the group's size.
func (gs *groupSplit) recordBackward(rec *vk.Recording, ins []*Inputs, src vk.Span, finish func(r *vk.Recording, lo, hi int) error) (*vk.Recording, error) {
	m := gs.m
	n := m.Layout.TrainableLen
	stage, err := m.d.NewHostBuffer("gradient staging", 4*(n+gs.accum))
	if err != nil {
		return nil, fmt.Errorf("mae: %w", err)
	}
	gs.halves = append(gs.halves, groupHalf{stage: stage, segs: []*vk.Recording{rec}})
	h := &gs.halves[len(gs.halves)-1]
	blocks := m.Cfg.EncDepth + m.Cfg.DecDepth
	every := (blocks + maxBuckets - 2) / (maxBuckets - 1) // blocks per segment; the last bucket comes after the blocks
	seen, hi := 0, n
	cut := func(r *vk.Recording, done int) (*vk.Recording, error) {
		seen++
		if seen%every != 0 && seen != blocks {
			return r, nil
		}
		if err := gs.closeBucket(h, r, ins, src, done, hi, finish); err != nil {
			return nil, err
		}
		hi = done
		next, err := m.d.NewRecording()
		if err != nil {
			return nil, err
		}
		h.segs = append(h.segs, next)
		return next, nil
	}
	if err := m.recordBackward(rec, ins[len(ins)-1], cut); err != nil {
		return nil, fmt.Errorf("mae backward: %w", err)
	}
	last := h.segs[len(h.segs)-1]
	if err := gs.closeBucket(h, last, ins, src, 0, hi, finish); err != nil {
		return nil, err
	}
	if err := last.End(); err != nil {
		return nil, fmt.Errorf("mae: record the backward: %w", err)
	}
	if h.update, err = m.d.NewRecording(); err != nil {
		return nil, err
	}
	h.update.Copy(src, stage.Span(0, 4*n))
	if err := m.o.Scale(h.update, src, src, n, float32(1/float64(gs.g.Size()))); err != nil {
		return nil, fmt.Errorf("mae: average gradients over the group: %w", err)
	}
	return h.update, nil
}

// closeBucket ends a segment, r: it makes the gradient elements [lo, hi)
// final and copies them into staging; the first bucket also takes the
// micro-batch losses (the forward passes have all run by then).
func (gs *groupSplit) closeBucket(h *groupHalf, r *vk.Recording, ins []*Inputs, src vk.Span, lo, hi int, finish func(r *vk.Recording, lo, hi int) error) error {
	if err := finish(r, lo, hi); err != nil {
		return err
	}
	r.Copy(h.stage.Span(4*lo, 4*(hi-lo)), src.Buf.Span(src.Offset+4*lo, 4*(hi-lo)))
	b := bucket{lo, hi}
	if len(h.buckets) == 0 {
		n := gs.m.Layout.TrainableLen
		for k, in := range ins {
			r.Copy(h.stage.Span(4*(n+k), 4), in.Loss.Span(0, 4))
		}
		b.hi = n + gs.accum
	}
	h.buckets = append(h.buckets, b)
	return nil
}

// exchange queues slot's remaining segments (the first is queued), sums
// each bucket over the group as soon as its segment has run, keeps the
// group's mean loss and queues the update.
func (gs *groupSplit) exchange(slot int, first *vk.Recording, info *StepInfo) error {
	h := &gs.halves[slot]
	start := time.Now()
	for _, s := range h.segs[1:] {
		if err := s.Submit(); err != nil {
			return fmt.Errorf("mae: submit the backward of step %d: %w", info.Step, err)
		}
	}
	buf := h.stage.MappedFloat32()
	if buf == nil {
		return fmt.Errorf("mae: gradient staging is not host-visible")
	}
	if gs.serial {
		if err := h.segs[len(h.segs)-1].Wait(); err != nil {
			return fmt.Errorf("mae: step %d: %w", info.Step, err)
		}
	}
	what := fmt.Sprintf("gradient allreduce of step %d", info.Step)
	var comm time.Duration
	for k, b := range h.buckets {
		if err := h.segs[k].Wait(); err != nil {
			return fmt.Errorf("mae: step %d: %w", info.Step, err)
		}
		t := time.Now()
		if err := gs.g.SumFloat32(what, buf[b.lo:b.hi]); err != nil {
			return err
		}
		comm += time.Since(t)
	}
	info.Allreduce, info.Exchange = comm, time.Since(start)
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

// wait waits for slot's update.
func (gs *groupSplit) wait(slot int) error { return gs.halves[slot].update.Wait() }

// loss is the group's mean loss of slot's last step.
func (gs *groupSplit) loss(slot int) float32 { return gs.halves[slot].loss }

// dispatches is the number of dispatches of slot 0's pieces after the
// first.
func (gs *groupSplit) dispatches() int {
	if len(gs.halves) == 0 {
		return 0
	}
	h := gs.halves[0]
	n := h.update.Dispatches
	for _, s := range h.segs[1:] {
		n += s.Dispatches
	}
	return n
}

// release frees the segments after the first (the runner owns it), the
// updates and the staging buffers.
func (gs *groupSplit) release() {
	for i := range gs.halves {
		for _, s := range gs.halves[i].segs[1:] {
			s.Release()
		}
		gs.halves[i].update.Release()
		gs.halves[i].stage.Release()
	}
	gs.halves = nil
}
