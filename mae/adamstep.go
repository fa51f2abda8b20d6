package mae

import "fmt"

// AdamW's step count lives on the device: the update kernel advances it
// only when it applies the step, so a skipped step (a non-finite gradient,
// an fp16 overflow) does not advance the bias corrections' t even with two
// steps in flight, as PyTorch's optimizer state "step" does not. The host
// only guesses t (Stepper.hyperStep); the device corrects a wrong guess.

// AdamStep reads the number of AdamW updates applied so far. No step may
// be pending.
func (m *Model) AdamStep() (int64, error) {
	v := make([]uint32, 1)
	if err := m.adamStep.ReadUint32(0, v); err != nil {
		return 0, fmt.Errorf("mae: read the AdamW step count: %w", err)
	}
	return int64(v[0]), nil
}

// SetAdamStep sets the number of AdamW updates applied so far (when
// resuming). No step may be pending.
func (m *Model) SetAdamStep(n int64) error {
	if n < 0 || n > 1<<32-2 {
		return fmt.Errorf("mae: AdamW step count %d: want 0 … %d", n, int64(1<<32-2))
	}
	if err := m.adamStep.WriteUint32(0, []uint32{uint32(n)}); err != nil {
		return fmt.Errorf("mae: write the AdamW step count: %w", err)
	}
	return nil
}

// AdamStepOf is the AdamW step count to resume from state st: the saved
// count, or, in a checkpoint written before the count was saved, the
// step (those runs advanced t on every step, skipped or not).
func AdamStepOf(st TrainState) int64 {
	if st.AdamStep != nil {
		return *st.AdamStep
	}
	return st.Step
}

// hyperStep is the host's guess of the t of the step it is about to
// submit: the updates applied so far as far as it knows, plus every step
// still unread, assumed applied. The update kernel uses the host's bias
// corrections when the guess is right and computes its own otherwise.
func (s *Stepper) hyperStep() (int, error) {
	if s.applied < 0 {
		n, err := s.m.AdamStep()
		if err != nil {
			return 0, err
		}
		s.applied = n
	}
	return int(s.applied + s.unread + 1), nil
}

// countStep notes that a submitted step was read back, applied or not.
func (s *Stepper) countStep(done StepInfo) {
	if done.Step < 0 {
		return
	}
	s.unread--
	if finiteNorm(done.GradNorm) && s.applied >= 0 {
		s.applied++
	}
}
