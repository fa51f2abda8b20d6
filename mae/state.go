package mae

import (
	"encoding/json"
	"fmt"
	"log"

	"github.com/mae-vk/mae-vk/loader"
	"github.com/mae-vk/mae-vk/ops"
)

// State is a training run as its hooks see it: the resolved config, the
// plan, the progress, and access to the model between steps.
type State struct {
	Config TrainConfig
	Plan   Plan
	Stats  loader.Stats // the data's normalization (for pictures)
	Ops    *ops.Ops     // the device and GEMM configuration the run uses

	Step        int64 // steps completed
	Epoch       int   // current epoch
	StepInEpoch int   // data batches done within Epoch
	LastLoss    float64
	Skipped     int64 // steps skipped so far for a non-finite gradient

	t *trainer
}

// Warn passes a warning to every hook with a Warn, or to the log when none
// has one.
func (s *State) Warn(msg string) {
	n := 0
	if s.t != nil {
		for _, h := range s.t.hooks {
			if h.Warn != nil {
				h.Warn(msg)
				n++
			}
		}
	}
	if n == 0 {
		log.Print("warning: ", msg)
	}
}

// Params downloads the current weights.
func (s *State) Params() (*Params, error) { return s.t.model.Params() }

// Checkpoint is the state after the last completed step, ready for
// SaveCheckpoint: weights, AdamW moments, progress and the config.
func (s *State) Checkpoint() (Checkpoint, error) {
	t := s.t
	params, err := t.model.Params()
	if err != nil {
		return Checkpoint{}, err
	}
	m1, m2, err := t.model.Moments()
	if err != nil {
		return Checkpoint{}, err
	}
	adamStep, err := t.model.AdamStep()
	if err != nil {
		return Checkpoint{}, err
	}
	raw, err := json.Marshal(t.cfg)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("mae: encoding the config: %w", err)
	}
	return Checkpoint{Params: params, ExpAvg: m1, ExpAvgSq: m2, State: TrainState{
		Step: t.step, AdamStep: &adamStep, Epoch: t.epoch, StepInEpoch: t.stepInEpoch,
		RNG: map[string]uint64{"seed": t.cfg.Seed}, Loss: t.lastLoss, Config: raw,
	}}, nil
}

// ReconBatch reconstructs the run's fixed batch (its first, Config.Batch
// images [N, C, H, W], normalized) with a masking that is the same every
// time, and returns it ready for SaveReconGrid with rows rows; ok is false
// before the first batch was read.
func (s *State) ReconBatch(rows int) (r Recon, ok bool, err error) {
	t := s.t
	if t.recon == nil {
		return Recon{}, false, nil
	}
	if t.reconIn == nil {
		if t.reconIn, err = t.model.NewInputs(); err != nil {
			return Recon{}, false, err
		}
	}
	mk := RandomMasking(t.cfg.Model, t.cfg.Batch, NewRNG(reconMaskSeed))
	pred, _, err := t.model.Reconstruct(t.reconIn, t.recon, mk)
	if err != nil {
		return Recon{}, false, err
	}
	return Recon{N: t.cfg.Batch, Images: t.recon, Pred: pred, Mask: mk.Mask, Rows: rows}, true, nil
}

// ReportEval hands an evaluation made during training to every hook's
// Eval.
func (s *State) ReportEval(r EvalReport) error {
	return s.t.call("eval", func(h Hook) error {
		if h.Eval == nil {
			return nil
		}
		return h.Eval(s, r)
	})
}
