package mae

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/mae-vk/mae-vk/loader"
)

// DefaultCheckEvery is how often (in steps) a data-parallel run checks
// that every process holds the same parameters, besides at each
// checkpoint.
const DefaultCheckEvery = 200

// AdoptGroupSize makes a saved run's config fit a group of world
// processes (resuming with another number of processes): the global batch
// World · Batch is kept and the per-process Batch changes. It is an error
// when world does not divide the global batch.
func AdoptGroupSize(saved *TrainConfig, world int) error {
	world, was := max(world, 1), max(saved.World, 1)
	if world == was {
		saved.World = world
		return nil
	}
	global := was * saved.Batch
	if global%world != 0 {
		return configErrorf("World", world, "the run was trained with a global batch of %d (%d processes × batch %d), which %d processes cannot share evenly: resume with a number of processes that divides %d",
			global, was, saved.Batch, world, global)
	}
	saved.Batch, saved.World = global/world, world
	return nil
}

// agreeStart refuses to start unless every process of the group has the
// same training config and the same data set (name, size, normalization).
func (t *trainer) agreeStart(src loader.Source) error {
	if t.group == nil {
		return nil
	}
	cfg := t.cfg
	cfg.Workers = 0 // decoding threads may differ per machine
	cfg.Out = ""    // rank 0 alone has the run directory
	c, h, w := src.Shape()
	raw, err := json.Marshal(struct {
		Config TrainConfig `json:"config"`
		Data   any         `json:"data"`
	}{cfg, []any{src.Name(), src.Len(), c, h, w, src.Stats()}})
	if err != nil {
		return err
	}
	if err := t.group.Agree("training config and data set", raw); err != nil {
		return fmt.Errorf("%w: start every rank with the same flags and the same data", err)
	}
	return nil
}

// checkParams stops the run unless every process holds the same
// parameters: at every checkpoint and every CheckEvery steps. No step may
// be pending.
func (t *trainer) checkParams(when string) error {
	if t.group == nil {
		return nil
	}
	p, err := t.model.Params()
	if err != nil {
		return err
	}
	if err := t.group.Agree("parameter checksum "+when, paramsChecksum(p)); err != nil {
		return fmt.Errorf("%w: the processes' weights have diverged (a bug, or a faulty device); stopping", err)
	}
	return nil
}

// paramsChecksum is a SHA-256 over the bits of every parameter (all
// processes share the layout, their configs having been checked).
func paramsChecksum(p *Params) []byte {
	h := sha256.New()
	buf := make([]byte, 0, 4096)
	for _, v := range p.Data {
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		if len(buf) == cap(buf) {
			h.Write(buf)
			buf = buf[:0]
		}
	}
	h.Write(buf)
	return h.Sum(nil)
}

// stopRequested reports whether the run should stop before the next step.
// In a group the processes agree on it, and on whether a save interval
// has passed (saveIntervalPassed), so that all stop and save at the same
// step.
func (t *trainer) stopRequested(ctx context.Context) (bool, error) {
	stop := ctx.Err() != nil
	if t.group == nil {
		return stop, nil
	}
	flags := []float64{0, 0}
	if stop {
		flags[0] = 1
	}
	if t.cfg.SaveInterval > 0 && time.Since(t.lastSave) >= time.Duration(t.cfg.SaveInterval) {
		flags[1] = 1
	}
	if err := t.group.SumFloat64(fmt.Sprintf("stop and save check before step %d", t.step+1), flags); err != nil {
		return false, err
	}
	t.saveDue = flags[1] > 0
	return flags[0] > 0, nil
}

// saveIntervalPassed reports whether SaveInterval has passed since the
// last save: in a group, on any process, as agreed before this step.
func (t *trainer) saveIntervalPassed() bool {
	if t.group != nil {
		return t.saveDue
	}
	return t.cfg.SaveInterval > 0 && time.Since(t.lastSave) >= time.Duration(t.cfg.SaveInterval)
}

// periodicCheck checks the parameters every CheckEvery steps (group only).
func (t *trainer) periodicCheck() error {
	if err := t.plantDivergence(); err != nil {
		return err
	}
	every := t.cfg.CheckEvery
	if every <= 0 {
		every = DefaultCheckEvery
	}
	if t.group == nil || t.step%every != 0 {
		return nil
	}
	if err := t.flush(); err != nil {
		return err
	}
	return t.checkParams(fmt.Sprintf("at step %d", t.step))
}
