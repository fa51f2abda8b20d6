package analysis

import (
	"fmt"
	"math"

	"github.com/mae-vk/mae-vk/mae"
	"github.com/mae-vk/mae-vk/ops"
)

// LayerStat is Q1's measurement of one layer's output tokens.
type LayerStat struct {
	Name string `json:"name"` // "enc.in", "enc.1", …, "dec.in", "dec.1", …
	// Norm is the mean L2 norm of the patch tokens (cls left out).
	Norm float64 `json:"token_norm"`
	// ERank is the effective rank of the patch tokens [tokens, width]
	// after removing the mean token (EffectiveRank of its singular values).
	ERank float64 `json:"effective_rank"`
	// Attn holds the block's per-head attention statistics (nil for the
	// stack's input).
	Attn *HeadStats `json:"attention,omitempty"`
}

// Measures are every single-model measurement of Analyze, for one set of
// weights on one set of images and masks.
type Measures struct {
	Loss   float64     `json:"loss"` // mean masked-patch loss on the images (mae.MaskedLosses)
	Layers []LayerStat `json:"layers"`
	// CKA is linear CKA between every pair of layers [len(CKANames)]², on
	// the visible patches' tokens (the encoder's rows, the decoder's rows at
	// the same patches).
	CKA      [][]float64 `json:"cka"`
	CKANames []string    `json:"cka_layers"`
	// InPatch is Q2's error map over the position inside a patch [p, p];
	// Edge and Centre its means over the patch's border pixels and the rest
	// (Centre is absent for p ≤ 2).
	InPatch []float64 `json:"in_patch_error"`
	Edge    float64   `json:"in_patch_edge"`
	Centre  *float64  `json:"in_patch_centre,omitempty"`
	// Q4: singular values of the predicted and true masked patches [M, P]
	// (target space), each divided by its largest, and their effective ranks.
	SpectrumPred []float64 `json:"spectrum_pred"`
	SpectrumTrue []float64 `json:"spectrum_true"`
	ERankPred    float64   `json:"effective_rank_pred"`
	ERankTrue    float64   `json:"effective_rank_true"`
	Q5           Q5Result  `json:"q5"`
	// MaskAttn is where the mask tokens attend, averaged over decoder
	// layers and heads.
	MaskAttn MaskAttnShare `json:"mask_attention"`
}

// Measure runs the weights p forward with o over n images [N, C, H, W]
// with the masking mk and computes every Measures field.
func Measure(o *ops.Ops, p *mae.Params, images []float32, n int, mk mae.Masking) (*Measures, error) {
	cfg := p.Config
	m, in, release, err := newModel(o, p, n, false)
	if err != nil {
		return nil, err
	}
	defer release()
	taps, err := m.Tap(in, images, mk, true)
	if err != nil {
		return nil, err
	}
	for _, v := range [][]float32{taps.Pred, taps.Latent} {
		for _, x := range v {
			if !finite(float64(x)) {
				return nil, fmt.Errorf("analysis: the forward pass produced %v", x)
			}
		}
	}
	return measureTaps(cfg, taps, images, n, mk), nil
}

func measureTaps(cfg mae.Config, taps *mae.Taps, images []float32, n int, mk mae.Masking) *Measures {
	l, lk, g := cfg.NumPatches(), cfg.KeepCount(), cfg.GridSize()
	res := &Measures{}
	for _, v := range mae.MaskedLosses(cfg, n, images, taps.Pred, mk.Mask) {
		res.Loss += v / float64(n)
	}
	encPatch := func(b, t int) int {
		if t == 0 {
			return -1
		}
		return int(mk.IDsKeep[b*lk+t-1])
	}
	decPatch := func(_, t int) int { return t - 1 }
	// Q1 per layer, Q3 rows.
	var ckaRows []Matrix
	for _, sk := range []struct {
		name          string
		outs, attn    [][]float32
		s, dim, heads int
		patch, row    func(b, t int) int // the patch of token t; the row of visible token t
	}{
		{"enc", taps.Enc, taps.EncAttn, 1 + lk, cfg.EncDim, cfg.EncHeads, encPatch, func(b, t int) int { return t }},
		{"dec", taps.Dec, taps.DecAttn, 1 + l, cfg.DecDim, cfg.DecHeads, decPatch, func(b, t int) int { return 1 + int(mk.IDsKeep[b*lk+t-1]) }},
	} {
		for i, x := range sk.outs {
			st := layerStat(fmt.Sprintf("%s.%d", sk.name, i), x, n, sk.s, sk.dim)
			if i > 0 {
				a := AttentionStats(sk.attn[i-1], AttnLayout{N: n, H: sk.heads, S: sk.s, Grid: g, Patch: sk.patch})
				st.Attn = &a
			}
			res.Layers = append(res.Layers, st)
			ckaRows = append(ckaRows, visibleRows(x, n, sk.s, sk.dim, sk.row, lk))
			res.CKANames = append(res.CKANames, st.Name)
		}
	}
	for i := range res.Layers {
		res.Layers[i].Name = layerLabel(res.Layers[i].Name, cfg)
		res.CKANames[i] = res.Layers[i].Name
	}
	res.CKA = make([][]float64, len(ckaRows))
	for i := range ckaRows {
		res.CKA[i] = make([]float64, len(ckaRows))
		for j := range ckaRows {
			if j < i {
				res.CKA[i][j] = res.CKA[j][i]
			} else {
				res.CKA[i][j] = LinearCKA(ckaRows[i], ckaRows[j])
			}
		}
	}
	// Q2, Q4, Q5 on the reconstructions.
	ri := reconInput(cfg, taps.Pred, images, n, mk)
	res.InPatch = InPatchError(ri)
	edge, centre := EdgeCentre(res.InPatch, cfg.PatchSize)
	res.Edge = edge
	if finite(centre) {
		res.Centre = &centre
	}
	res.SpectrumPred, res.SpectrumTrue, res.ERankPred, res.ERankTrue = spectra(ri)
	res.Q5 = CompareBaselines(ri)
	var shares []MaskAttnShare
	for _, pr := range taps.DecAttn {
		shares = append(shares, MaskAttention(pr, AttnLayout{N: n, H: cfg.DecHeads, S: 1 + l, Grid: g, Patch: decPatch}, mk.Mask))
	}
	res.MaskAttn = meanShares(shares)
	return res
}

// layerLabel turns "enc.0" into "enc in", "enc.2" into "enc 2".
func layerLabel(name string, _ mae.Config) string {
	var stack string
	var i int
	fmt.Sscanf(name, "%3s.%d", &stack, &i)
	if i == 0 {
		return stack + " in"
	}
	return fmt.Sprintf("%s %d", stack, i)
}

// layerStat measures the patch tokens of x [n, s, d] (token 0 is cls).
func layerStat(name string, x []float32, n, s, d int) LayerStat {
	rows := make([]float64, 0, n*(s-1)*d)
	norm := 0.0
	for b := range n {
		for t := 1; t < s; t++ {
			tok := x[(b*s+t)*d : (b*s+t+1)*d]
			sq := 0.0
			for _, v := range tok {
				rows = append(rows, float64(v))
				sq += float64(v) * float64(v)
			}
			norm += math.Sqrt(sq)
		}
	}
	mat := NewMatrix(n*(s-1), d, rows)
	return LayerStat{Name: name, Norm: norm / float64(n*(s-1)), ERank: EffectiveRank(SingularValues(mat.Centered()))}
}

// visibleRows gathers, for every sample b and visible patch t = 1…lk, the
// token row(b, t) of x [n, s, d].
func visibleRows(x []float32, n, s, d int, row func(b, t int) int, lk int) Matrix {
	out := make([]float64, 0, n*lk*d)
	for b := range n {
		for t := 1; t <= lk; t++ {
			r := row(b, t)
			for _, v := range x[(b*s+r)*d : (b*s+r+1)*d] {
				out = append(out, float64(v))
			}
		}
	}
	return NewMatrix(n*lk, d, out)
}

func reconInput(cfg mae.Config, pred, images []float32, n int, mk mae.Masking) ReconInput {
	img := make([]float64, len(images))
	for i, v := range images {
		img[i] = float64(v)
	}
	pr := make([]float64, len(pred))
	for i, v := range pred {
		pr[i] = float64(v)
	}
	return ReconInput{
		N: n, L: cfg.NumPatches(), P: cfg.PatchDim(), Grid: cfg.GridSize(), Patch: cfg.PatchSize, Channels: cfg.Channels,
		NormPix: cfg.NormPixLoss, Patches: ops.PatchifyRef(img, n, cfg.Channels, cfg.ImageSize, cfg.ImageSize, cfg.PatchSize),
		Pred: pr, Mask: mk.Mask,
	}
}

// spectra are Q4's singular values of the masked patches, predicted and
// true (target space), each over its largest, and their effective ranks.
func spectra(in ReconInput) (pred, truth []float64, erPred, erTrue float64) {
	var pm, tm []float64
	for i := range in.N {
		pt := in.Patches[i*in.L*in.P : (i+1)*in.L*in.P]
		if in.NormPix {
			pt = normRows(pt, in.P)
		}
		for q := range in.L {
			if in.Mask[i*in.L+q] != 0 {
				pm = append(pm, in.Pred[(i*in.L+q)*in.P:(i*in.L+q+1)*in.P]...)
				tm = append(tm, pt[q*in.P:(q+1)*in.P]...)
			}
		}
	}
	rows := len(pm) / in.P
	sp, st := SingularValues(NewMatrix(rows, in.P, pm)), SingularValues(NewMatrix(rows, in.P, tm))
	return scaled(sp), scaled(st), EffectiveRank(sp), EffectiveRank(st)
}

func scaled(sv []float64) []float64 {
	out := make([]float64, len(sv))
	for i, v := range sv {
		if sv[0] > 0 {
			out[i] = v / sv[0]
		}
	}
	return out
}

// meanShares averages MaskAttnShare over layers with the same bins.
func meanShares(s []MaskAttnShare) MaskAttnShare {
	if len(s) == 0 {
		return MaskAttnShare{}
	}
	out := MaskAttnShare{Dist: s[0].Dist, Count: s[0].Count}
	for _, f := range []func(*MaskAttnShare) *[]float64{
		func(m *MaskAttnShare) *[]float64 { return &m.Nearest },
		func(m *MaskAttnShare) *[]float64 { return &m.OtherVisible },
		func(m *MaskAttnShare) *[]float64 { return &m.Masked },
		func(m *MaskAttnShare) *[]float64 { return &m.Cls },
	} {
		dst := f(&out)
		*dst = make([]float64, len(out.Dist))
		for i := range s {
			for b, v := range *f(&s[i]) {
				(*dst)[b] += v / float64(len(s))
			}
		}
	}
	return out
}

// newModel makes a model for batches of n recording with o, with the
// weights p and one set of inputs; unmasked: with the encoder on every
// patch (mae.NewUnmaskedModel). The caller calls release when the device
// is done with them.
func newModel(o *ops.Ops, p *mae.Params, n int, unmasked bool) (m *mae.Model, in *mae.Inputs, release func(), err error) {
	mk := mae.NewModel
	if unmasked {
		mk = mae.NewUnmaskedModel
	}
	if m, err = mk(o, p.Config, n); err != nil {
		return nil, nil, nil, err
	}
	if err = m.SetParams(p); err == nil {
		in, err = m.NewInputs()
	}
	if err != nil {
		m.Release()
		return nil, nil, nil, err
	}
	return m, in, func() { in.Release(); m.Release() }, nil
}
