package mae

import ()

// reconMaskSeed fixes the masking of the reconstruction pictures, so that
// successive epochs show the same patches hidden.
const reconMaskSeed = 0x7265636f6e // "recon"

// Reconstruct runs the forward pass on images [N, C, H, W] (normalized,
// N the model's batch size) with the masking mk, and returns the
// predictions [N, L, P] and the loss. in must be a set of inputs of m that
// no pending recording uses.
func (m *Model) Reconstruct(in *Inputs, images []float32, mk Masking) (pred []float32, loss float32, err error) {
	if err := m.SetBatch(in, images, mk); err != nil {
		return nil, 0, err
	}
	r, err := m.d.NewRecording()
	if err != nil {
		return nil, 0, err
	}
	defer r.Release()
	if err := m.RecordForward(r, in); err != nil {
		return nil, 0, err
	}
	if err := r.Run(); err != nil {
		return nil, 0, err
	}
	if pred, err = m.Pred(); err != nil {
		return nil, 0, err
	}
	loss, _, err = ReadLoss(in)
	return pred, loss, err
}

// drawRecon saves the reconstruction grid of the fixed batch after epoch.
func (t *trainer) drawRecon(epoch int) (string, error) {
	return t.drawReconTo(t.rd.ReconPath(epoch))
}

// drawReconTo draws the fixed batch's reconstructions into path. No step
// may be pending (the forward pass reuses the step's activations).
func (t *trainer) drawReconTo(path string) (string, error) {
	if t.recon == nil || t.cfg.ReconImages <= 0 {
		return "", nil
	}
	if t.reconIn == nil {
		in, err := t.model.NewInputs()
		if err != nil {
			return "", err
		}
		t.reconIn = in
	}
	mk := RandomMasking(t.cfg.Model, t.cfg.Batch, NewRNG(reconMaskSeed))
	pred, _, err := t.model.Reconstruct(t.reconIn, t.recon, mk)
	if err != nil {
		return "", err
	}
	err = SaveReconGrid(path, t.cfg.Model, t.stats, Recon{
		N: t.cfg.Batch, Images: t.recon, Pred: pred, Mask: mk.Mask, Rows: t.cfg.ReconImages,
	})
	return path, err
}
