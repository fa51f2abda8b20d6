package mae

import (
	"fmt"
	"strings"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
)

// StorageBytes is how many bytes the run stores per element, the memory
// plan's inputs for mixed precision: the activations a model stores in the
// compute type (allocAct: h1, qkv, the attention output, h2, the MLP
// pre-activation and activation, the latent), and a compute-type copy of
// the weights beside the fp32 master weights (0: no copy). Every other
// activation, the gradients, statistics (LayerNorm mean and rstd,
// log-sum-exp), reductions and the optimizer stay fp32.
type StorageBytes struct {
	Activation int
	WeightCopy int
	// LossScale: each set of step inputs holds the fp16 loss scale
	// (lossscale.go).
	LossScale bool
	// GradCopy: bytes per element of the 16-bit copy of a linear layer's
	// output gradient that the backward products read when they run on
	// the cooperative-matrix family (0: none; activations.dy16).
	GradCopy int
}

// FP32Bytes is mae-vk's full-precision run: everything in float32.
var FP32Bytes = StorageBytes{Activation: 4}

// StorageBytesOf is the storage of a run in precision p: a 16-bit run
// keeps its compute-type activations and a copy of the weights at 2 bytes.
func StorageBytesOf(p ops.Precision) StorageBytes {
	if !p.Half() {
		return FP32Bytes
	}
	return StorageBytes{Activation: p.Bytes(), WeightCopy: p.Bytes(), LossScale: p == ops.FP16}
}

// StorageBytesFor is StorageBytesOf(p) for a run on o: with the
// 16-bit gradient copy when o runs p's products on the cooperative-matrix
// family (ops.Ops.CoopMatRuns).
func StorageBytesFor(o *ops.Ops, p ops.Precision) StorageBytes {
	b := StorageBytesOf(p)
	if p.Half() && o.CoopMatRuns(p) {
		b.GradCopy = p.Bytes()
	}
	return b
}

// bytesOf is the size allocAct gives n elements of b bytes each: 16-bit
// elements two to a 32-bit word.
func bytesOf(b, n int) int {
	if b == 2 {
		return 4 * max((n+1)/2, 1)
	}
	return 4 * max(n, 1)
}

// RunShape is what a run's device memory depends on besides the model.
type RunShape struct {
	Batch int          // images per micro-batch
	Accum int          // micro-batches per step (≥ 1)
	Slots int          // recorded steps in flight (Stepper keeps 2); 0: the model alone
	Bytes StorageBytes // zero value: FP32Bytes
	// ImagesOnDevice: device memory is not host-visible, so the model
	// keeps a device copy of each batch (a discrete GPU).
	ImagesOnDevice bool
}

// MemoryPlan is a run's device memory, computed before anything is
// allocated: every buffer the model, the stepper and the step inputs make,
// at its footprint (vk.BufferFootprint), by category.
type MemoryPlan struct {
	Parameters  uint64 `json:"parameters"`  // fp32 master weights (and a compute-type copy)
	Gradients   uint64 `json:"gradients"`   // parameter gradients, accumulation buffer
	Optimizer   uint64 `json:"optimizer"`   // AdamW moments, weight-decay ranges
	Activations uint64 `json:"activations"` // what the forward pass saves for the backward
	Workspace   uint64 `json:"workspace"`   // backward scratch and reduction work
	Inputs      uint64 `json:"inputs"`      // host-visible step inputs, all slots
	PerSlot     uint64 `json:"per_slot"`    // inputs of one slot (Accum micro-batches)
	Slots       int    `json:"slots"`
	Buffers     int    `json:"buffers"`
	Largest     uint64 `json:"largest_buffer"` // bytes of the largest single buffer
	Total       uint64 `json:"total"`
}

// PlanMemory computes the device memory of training cfg as run says,
// mirroring NewModel, NewStepper and NewInputs buffer by buffer.
func PlanMemory(cfg Config, run RunShape) (MemoryPlan, error) {
	var p MemoryPlan
	if run.Batch < 1 {
		return p, fmt.Errorf("mae: --batch %d: must be at least 1", run.Batch)
	}
	if run.Accum < 1 && run.Slots > 0 {
		return p, fmt.Errorf("mae: --accum %d: must be at least 1", run.Accum)
	}
	accum := max(run.Accum, 1)
	prec := run.Bytes
	if prec.Activation == 0 {
		prec = FP32Bytes
	}
	lay, err := NewLayout(cfg)
	if err != nil {
		return p, err
	}
	add := func(dst *uint64, bytes int) {
		f := vk.BufferFootprint(bytes)
		*dst += f
		p.Buffers++
		p.Largest = max(p.Largest, uint64(max(bytes, 1)))
	}
	f32 := func(dst *uint64, n int) { add(dst, 4*max(n, 1)) }
	act := func(dst *uint64, n int) { add(dst, bytesOf(prec.Activation, n)) }

	// NewModel: parameters, gradients, moments, decay ranges.
	f32(&p.Parameters, lay.Len)
	if prec.WeightCopy > 0 {
		add(&p.Parameters, bytesOf(prec.WeightCopy, lay.Len))
	}
	f32(&p.Gradients, lay.Len)
	f32(&p.Optimizer, lay.TrainableLen)
	f32(&p.Optimizer, lay.TrainableLen)
	f32(&p.Optimizer, 1) // step count
	f32(&p.Optimizer, len(decayWords(lay)))

	// allocActivations.
	n, l, lk, pd := run.Batch, cfg.NumPatches(), cfg.KeepCount(), cfg.PatchDim()
	encT, decT := n*(1+lk), n*(1+l)
	dd := cfg.DecDim
	for _, sh := range []stackShape{
		{"blocks", n, 1 + lk, encT, cfg.EncDim, cfg.EncHeads, cfg.EncMLPDim(), cfg.EncDepth},
		{"decoder_blocks", n, 1 + l, decT, dd, cfg.DecHeads, cfg.DecMLPDim(), cfg.DecDepth},
	} {
		t, d, f, nhs := sh.t, sh.d, sh.f, sh.n*sh.h*sh.s
		f32(&p.Activations, t*d) // stack input
		for i := 0; i < sh.depth; i++ {
			for _, e := range []int{t * d, t * 3 * d, t * d, t * d, t * f, t * f} { // h1 qkv o h2 u a
				act(&p.Activations, e)
			}
			for _, e := range []int{t, t, nhs, t * d, t, t, t * d} { // mean1 rstd1 lse x2 mean2 rstd2 out
				f32(&p.Activations, e)
			}
		}
		for _, e := range []int{t * d, t * d, t * d, t * d, t * d, t * f, t * f, t * 3 * d} { // gx gx2 dh dln dout da du dqkv
			f32(&p.Workspace, e)
		}
		f32(&p.Workspace, nhs) // attention delta
	}
	act(&p.Activations, encT*cfg.EncDim) // latent
	for _, e := range []int{n * l * pd, n * l * pd, n * lk * pd, n * lk * cfg.EncDim, encT * dd, decT * dd, n * l * dd, n * l * pd} {
		// target, conv patches, visible patches, embedding, decoder embed, decoder norm, decoder tokens, pred
		f32(&p.Activations, e)
	}
	for _, e := range []int{encT, encT, decT, decT} { // latent and decoder-norm statistics
		f32(&p.Activations, e)
	}
	for _, e := range []int{n * l * pd, n * l * dd, decT * dd, encT * dd, encT * cfg.EncDim, n * lk * cfg.EncDim} {
		// grad pred, grad decoder tokens, grad decoder norm, grad decoder embed, grad latent, grad embedding
		f32(&p.Workspace, e)
	}
	if prec.GradCopy > 0 {
		add(&p.Workspace, bytesOf(prec.GradCopy, gradCopyElems(cfg, n, l, lk, pd)))
	}
	cw, lw := workFloats(cfg, n, l, lk, pd, encT, decT)
	for _, e := range []int{ops.LossWorkFloats(n, l), cw, lw, ops.GradNormWorkFloats} {
		f32(&p.Workspace, e)
	}
	image := n * cfg.Channels * cfg.ImageSize * cfg.ImageSize
	if run.ImagesOnDevice {
		f32(&p.Activations, image)
	}

	// NewStepper: accumulation buffer, then per slot Accum sets of inputs.
	if run.Slots > 0 && accum > 1 {
		f32(&p.Gradients, lay.TrainableLen)
	}
	inputs := []int{image, n * lk, n * l, n * l, ops.AdamWHyperFloats, 1, 1}
	if prec.LossScale {
		inputs = append(inputs, lossScaleFloats)
	}
	for _, e := range inputs {
		for k := 0; k < accum; k++ {
			f32(&p.PerSlot, e)
		}
	}
	p.Buffers += (run.Slots - 1) * len(inputs) * accum
	p.Slots = run.Slots
	p.Inputs = uint64(run.Slots) * p.PerSlot
	p.Total = p.Parameters + p.Gradients + p.Optimizer + p.Activations + p.Workspace + p.Inputs
	return p, nil
}

// decayRanges are the parameter ranges that AdamW decays.
func decayRanges(lay *Layout) [][2]int {
	var ranges [][2]int
	for _, t := range lay.Tensors {
		if t.Trainable && t.WeightDecay {
			ranges = append(ranges, [2]int{t.Offset, t.Offset + t.Len()})
		}
	}
	return ranges
}

// decayWords is the packed weight-decay table NewModel uploads.
func decayWords(lay *Layout) []uint32 {
	ranges := decayRanges(lay)
	packed, err := ops.PackDecayRanges(ranges, lay.TrainableLen)
	if err != nil {
		return make([]uint32, 2*len(ranges)+1) // NewModel reports the error
	}
	return packed
}

// workFloats are the column-sum and LayerNorm-backward work buffers'
// sizes, for the largest use (as allocActivations sizes them).
func workFloats(cfg Config, n, l, lk, pd, encT, decT int) (col, ln int) {
	dd := cfg.DecDim
	rows := []int{decT, encT, n * l, n * lk, n}
	cols := []int{3 * max(cfg.EncDim, dd), max(cfg.EncMLPDim(), cfg.DecMLPDim()), pd}
	for _, r := range rows {
		for _, c := range cols {
			col = max(col, ops.ColumnSumsWorkFloats(r, c))
		}
		ln = max(ln, ops.LayerNormBackwardWorkFloats(r, max(cfg.EncDim, dd)))
	}
	return col, ln
}

// gradCopyElems is the size of the 16-bit output-gradient copy
// (activations.dy16) for batches of n images: the largest rows × outputs
// of the linear layers whose backward products read it: every block's
// (qkv, proj, fc1, fc2), decoder_embed and decoder_pred. patch_embed's
// are not among them: its input stays fp32 and it has no input gradient.
func gradCopyElems(cfg Config, n, l, lk, pd int) int {
	encT, decT := n*(1+lk), n*(1+l)
	return max(encT*max(3*cfg.EncDim, cfg.EncMLPDim()), decT*max(3*cfg.DecDim, cfg.DecMLPDim()),
		encT*cfg.DecDim, n*l*pd)
}

// Fits reports, as one line fit for a user, why the plan cannot run on a
// device with info's heaps and limits (nil when it can): what it needs,
// what the heaps hold, and which flags lower it.
func (p MemoryPlan) Fits(info vk.DeviceInfo) error {
	var heaps uint64
	for _, h := range info.Heaps {
		heaps += h.Bytes
	}
	lower := "lower --batch (or raise --accum at a smaller --batch), or use a 16-bit --precision"
	if p.Total > heaps {
		return fmt.Errorf("mae: the run needs %s of device memory (%s) but %s's heaps hold %s; %s",
			gib(p.Total), p.breakdown(), info.Name, gib(heaps), lower)
	}
	if info.MaxStorageRange > 0 && p.Largest > info.MaxStorageRange {
		return fmt.Errorf("mae: the run needs a %s buffer but %s binds at most %s per buffer; %s",
			gib(p.Largest), info.Name, gib(info.MaxStorageRange), lower)
	}
	for _, h := range info.Heaps {
		if p.Largest <= h.Bytes {
			return nil
		}
	}
	return fmt.Errorf("mae: the run needs a %s buffer, more than any memory heap of %s holds; %s", gib(p.Largest), info.Name, lower)
}

// String is the plan on one line: the total and its parts.
func (p MemoryPlan) String() string {
	return fmt.Sprintf("%s in %d buffers (%s)", gib(p.Total), p.Buffers, p.breakdown())
}

func (p MemoryPlan) breakdown() string {
	parts := []string{
		"parameters " + gib(p.Parameters),
		"gradients " + gib(p.Gradients),
		"optimizer " + gib(p.Optimizer),
		"activations " + gib(p.Activations),
		"workspace " + gib(p.Workspace),
		fmt.Sprintf("inputs %s = %d slots × %s", gib(p.Inputs), p.Slots, gib(p.PerSlot)),
	}
	return strings.Join(parts, ", ")
}

// gib writes a byte count in the largest binary unit that keeps it ≥ 1.
func gib(b uint64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	}
	return fmt.Sprintf("%.1f KiB", float64(b)/(1<<10))
}

// PlanRun is the memory plan of training cfg on d with the Stepper's two
// slots, or an error (one line, see Fits) when it cannot fit. Train calls
// it before opening the data or allocating anything.
func PlanRun(d *vk.Device, cfg Config, batch, accum int, bytes StorageBytes) (MemoryPlan, error) {
	p, err := PlanMemory(cfg, RunShape{Batch: batch, Accum: accum, Slots: 2, Bytes: bytes, ImagesOnDevice: !d.DeviceMemoryHostVisible()})
	if err != nil {
		return p, err
	}
	return p, p.Fits(d.Info)
}
