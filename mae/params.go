package mae

import (
	"fmt"
	"strings"

	"github.com/mae-vk/mae-vk/safetensors"
)

// ParamAlign is the alignment, in float32 elements (256 bytes), of every
// tensor's offset in the flat parameter buffer, so that any tensor can be
// bound as its own storage-buffer range on any Vulkan device
// (minStorageBufferOffsetAlignment ≤ 256).
const ParamAlign = 64

// initKind says how Init fills a tensor.
type initKind int

const (
	initZero     initKind = iota // zeros (Linear and LayerNorm biases)
	initOne                      // ones (LayerNorm weights)
	initXavier                   // xavier-uniform on the [out, in…] view
	initConvBias                 // nn.Conv2d default bias: U(±1/√fan_in)
	initNormal                   // N(0, 0.02²) (cls and mask tokens)
	initSinCos                   // fixed 2-D sin-cos position embedding
)

// Tensor is one named parameter tensor of the model, placed in the flat
// float32 parameter buffer at Data[Offset : Offset+Len()].
type Tensor struct {
	Name        string // the reference state-dict name, e.g. "blocks.0.attn.qkv.weight"
	Shape       []int  // the reference shape, e.g. [3D, D]
	Offset      int    // first element in the flat buffer, a multiple of ParamAlign
	Trainable   bool   // false for the fixed sin-cos position embeddings
	WeightDecay bool   // AdamW decays it (see Layout)
	kind        initKind
}

// Len returns the number of elements of t, the product of its shape.
func (t Tensor) Len() int { return safetensors.Elements(t.Shape) }

// Layout is the flat parameter buffer of a model: every tensor under its
// reference name and shape at an offset aligned to ParamAlign, the trainable
// tensors first and contiguous in [0, TrainableLen) so that one AdamW dispatch
// updates all of them, then the fixed position embeddings in
// [TrainableLen, Len). The padding between tensors holds zeros; with zero
// gradients AdamW keeps it zero.
//
// Trainable tensors appear in PyTorch state-dict order (the module's own
// parameters first, then its submodules): cls_token, mask_token,
// patch_embed.proj.{weight,bias}, blocks.{i}.*, norm.*, decoder_embed.*,
// decoder_blocks.{i}.*, decoder_norm.*, decoder_pred.*; then pos_embed and
// decoder_pos_embed. Within a block: norm1, attn.qkv, attn.proj, norm2,
// mlp.fc1, mlp.fc2, each weight then bias.
//
// Weight decay follows timm's param_groups_weight_decay (add_weight_decay in
// the timm version the reference pins) as used by the reference
// main_pretrain.py: a trainable tensor is decayed unless it has one dimension
// or its name ends in ".bias". MaskedAutoencoderViT defines no
// no_weight_decay list, so the 3-D cls_token and mask_token ARE decayed, and
// so are all Linear weights and the patch-embedding conv weight; LayerNorm
// weights and all biases are not.
type Layout struct {
	Tensors      []Tensor // in buffer order
	TrainableLen int      // trainable tensors (and padding) lie in [0, TrainableLen)
	Len          int      // total buffer length in elements
	index        map[string]int
}

// NewLayout returns the parameter layout of cfg, or the error of
// cfg.Validate.
func NewLayout(cfg Config) (*Layout, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	l := &Layout{index: map[string]int{}}
	off := 0
	add := func(name string, kind initKind, shape ...int) {
		t := Tensor{Name: name, Shape: shape, Offset: off, Trainable: kind != initSinCos, kind: kind}
		t.WeightDecay = t.Trainable && len(shape) > 1 && !strings.HasSuffix(name, ".bias")
		l.index[name] = len(l.Tensors)
		l.Tensors = append(l.Tensors, t)
		off = alignUp(off+t.Len(), ParamAlign)
	}
	linear := func(name string, out, in int) {
		add(name+".weight", initXavier, out, in)
		add(name+".bias", initZero, out)
	}
	norm := func(name string, dim int) {
		add(name+".weight", initOne, dim)
		add(name+".bias", initZero, dim)
	}
	blocks := func(prefix string, depth, dim, hidden int) {
		for i := 0; i < depth; i++ {
			b := fmt.Sprintf("%s.%d.", prefix, i)
			norm(b+"norm1", dim)
			linear(b+"attn.qkv", 3*dim, dim)
			linear(b+"attn.proj", dim, dim)
			norm(b+"norm2", dim)
			linear(b+"mlp.fc1", hidden, dim)
			linear(b+"mlp.fc2", dim, hidden)
		}
	}
	d, dd, c, p, np := cfg.EncDim, cfg.DecDim, cfg.Channels, cfg.PatchSize, cfg.NumPatches()
	add("cls_token", initNormal, 1, 1, d)
	add("mask_token", initNormal, 1, 1, dd)
	add("patch_embed.proj.weight", initXavier, d, c, p, p)
	add("patch_embed.proj.bias", initConvBias, d)
	blocks("blocks", cfg.EncDepth, d, cfg.EncMLPDim())
	norm("norm", d)
	linear("decoder_embed", dd, d)
	blocks("decoder_blocks", cfg.DecDepth, dd, cfg.DecMLPDim())
	norm("decoder_norm", dd)
	linear("decoder_pred", cfg.PatchDim(), dd)
	l.TrainableLen = off
	add("pos_embed", initSinCos, 1, np+1, d)
	add("decoder_pos_embed", initSinCos, 1, np+1, dd)
	l.Len = off
	return l, nil
}

func alignUp(n, a int) int { return (n + a - 1) / a * a }

// Lookup returns the tensor with the given state-dict name.
func (l *Layout) Lookup(name string) (Tensor, bool) {
	i, ok := l.index[name]
	if !ok {
		return Tensor{}, false
	}
	return l.Tensors[i], true
}

// mustLookup is Lookup that panics with fn in the message on an unknown name.
func (l *Layout) mustLookup(fn, name string) Tensor {
	t, ok := l.Lookup(name)
	if !ok {
		panic(fmt.Sprintf("mae: %s: unknown tensor %q", fn, name))
	}
	return t
}

// Count returns the number of parameter elements (padding excluded) in the
// trainable tensors and in the fixed ones.
func (l *Layout) Count() (trainable, fixed int) {
	for _, t := range l.Tensors {
		if t.Trainable {
			trainable += t.Len()
		} else {
			fixed += t.Len()
		}
	}
	return trainable, fixed
}

// DecayMask returns, for each element of the trainable prefix
// [0, TrainableLen), whether AdamW applies weight decay to it (false on
// padding).
func (l *Layout) DecayMask() []bool {
	m := make([]bool, l.TrainableLen)
	for _, t := range l.Tensors {
		if t.WeightDecay {
			for i := t.Offset; i < t.Offset+t.Len(); i++ {
				m[i] = true
			}
		}
	}
	return m
}

// Pack places named tensors (e.g. the gradients returned by Reference) at
// their offsets in a zero flat buffer of length Len. Names missing from m
// stay zero. It panics on an unknown name or a length that does not match the
// tensor's shape.
func (l *Layout) Pack(m map[string][]float64) []float64 {
	flat := make([]float64, l.Len)
	for name, v := range m {
		t := l.mustLookup("Layout.Pack", name)
		if len(v) != t.Len() {
			panic(fmt.Sprintf("mae: Layout.Pack: %q has %d elements, want %d", name, len(v), t.Len()))
		}
		copy(flat[t.Offset:], v)
	}
	return flat
}

// Unpack returns a float64 copy of every tensor of a flat buffer of length
// Len, by name. It panics if len(flat) != Len.
func (l *Layout) Unpack(flat []float64) map[string][]float64 {
	if len(flat) != l.Len {
		panic(fmt.Sprintf("mae: Layout.Unpack: len(flat) = %d, want %d", len(flat), l.Len))
	}
	m := make(map[string][]float64, len(l.Tensors))
	for _, t := range l.Tensors {
		m[t.Name] = append([]float64(nil), flat[t.Offset:t.Offset+t.Len()]...)
	}
	return m
}

// Params is the parameter set of a model: its config, its layout and the
// flat float32 buffer the GPU works on.
type Params struct {
	Config Config
	Layout *Layout
	Data   []float32 // length Layout.Len
}

// NewParams returns zero parameters for cfg, or the error of cfg.Validate.
func NewParams(cfg Config) (*Params, error) {
	l, err := NewLayout(cfg)
	if err != nil {
		return nil, err
	}
	return &Params{Config: cfg, Layout: l, Data: make([]float32, l.Len)}, nil
}

// View returns the slice of Data holding the named tensor (shared, not a
// copy). It panics on an unknown name.
func (p *Params) View(name string) []float32 {
	t := p.Layout.mustLookup("Params.View", name)
	return p.Data[t.Offset : t.Offset+t.Len()]
}

// Float64 returns a float64 copy of every tensor by name, the input of
// Reference.
func (p *Params) Float64() map[string][]float64 {
	flat := make([]float64, len(p.Data))
	for i, v := range p.Data {
		flat[i] = float64(v)
	}
	return p.Layout.Unpack(flat)
}

// ConvToPatchOrder permutes a patch-embedding conv weight from the reference
// layout [D, C, p, p] (per output, ordered channel, row, column) to
// [D, p·p·C] in patchify order (row, column, channel), so that a linear layer
// on PatchifyRef's patch vectors equals the stride-p convolution:
//
//	out[o, (r·p + q)·C + c] = w[o, c, r, q]
//
// It panics if len(w) != D·C·p·p.
func ConvToPatchOrder[T float32 | float64](w []T, d, c, p int) []T {
	checkConvLen("ConvToPatchOrder", len(w), d, c, p)
	out := make([]T, len(w))
	for o := 0; o < d; o++ {
		for ch := 0; ch < c; ch++ {
			for r := 0; r < p; r++ {
				for q := 0; q < p; q++ {
					out[((o*p+r)*p+q)*c+ch] = w[((o*c+ch)*p+r)*p+q]
				}
			}
		}
	}
	return out
}

// PatchToConvOrder is the inverse of ConvToPatchOrder: it takes a
// [D, p·p·C] weight (or its gradient) in patchify order back to the
// reference conv layout [D, C, p, p]:
//
//	out[o, c, r, q] = w[o, (r·p + q)·C + c]
//
// It panics if len(w) != D·C·p·p.
func PatchToConvOrder[T float32 | float64](w []T, d, c, p int) []T {
	checkConvLen("PatchToConvOrder", len(w), d, c, p)
	out := make([]T, len(w))
	for o := 0; o < d; o++ {
		for ch := 0; ch < c; ch++ {
			for r := 0; r < p; r++ {
				for q := 0; q < p; q++ {
					out[((o*c+ch)*p+r)*p+q] = w[((o*p+r)*p+q)*c+ch]
				}
			}
		}
	}
	return out
}

func checkConvLen(fn string, n, d, c, p int) {
	if d < 0 || c < 0 || p < 0 || n != d*c*p*p {
		panic(fmt.Sprintf("mae: %s: len(w) = %d, want D·C·p·p with D=%d C=%d p=%d", fn, n, d, c, p))
	}
}
