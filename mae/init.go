package mae

import (
	"fmt"
	"math"

	"github.com/mae-vk/mae-vk/internal/rng"
)

// RNG is the model's random generator, SplitMix64 (internal/rng), so that
// initialisation and masking come out the same on every machine and Go
// version. It is not safe for concurrent use.
type RNG = rng.RNG

// NewRNG returns a generator seeded with seed.
func NewRNG(seed uint64) *RNG {
	r := rng.New(seed)
	return &r
}

// TokenInitStd is the standard deviation of the cls and mask tokens'
// normal initialisation (torch.nn.init.normal_(std=.02)).
const TokenInitStd = 0.02

// Init returns parameters for cfg initialised as the reference's
// initialize_weights, drawing every random value from one RNG seeded with
// seed, tensor by tensor in layout order:
//
//	pos_embed, decoder_pos_embed  fixed 2-D sin-cos (SinCosPosEmbed2D, cls row 0)
//	cls_token, mask_token         N(0, 0.02²)
//	patch_embed.proj.weight       U(±√(6/(C·p·p + D))), xavier on its [D, C·p·p] view
//	patch_embed.proj.bias         U(±1/√(C·p·p)), nn.Conv2d's default, which
//	                              initialize_weights leaves alone
//	Linear weights [out, in]      U(±√(6/(in + out))) (xavier-uniform)
//	Linear biases                 0
//	LayerNorm weight, bias        1, 0
//
// The distributions are the reference's; the random streams are not
// PyTorch's, so values differ from a torch.manual_seed run. Values are drawn
// in float64 and rounded to float32. It returns the error of cfg.Validate.
func Init(cfg Config, seed uint64) (*Params, error) {
	p, err := NewParams(cfg)
	if err != nil {
		return nil, err
	}
	rng := NewRNG(seed)
	for _, t := range p.Layout.Tensors {
		dst := p.Data[t.Offset : t.Offset+t.Len()]
		switch t.kind {
		case initZero:
			// already zero
		case initOne:
			for i := range dst {
				dst[i] = 1
			}
		case initXavier:
			fanOut := t.Shape[0]
			fanIn := t.Len() / fanOut
			fillUniform(dst, rng, math.Sqrt(6/float64(fanIn+fanOut)))
		case initConvBias:
			fillUniform(dst, rng, 1/math.Sqrt(float64(cfg.PatchDim())))
		case initNormal:
			for i := range dst {
				dst[i] = float32(TokenInitStd * rng.Normal())
			}
		case initSinCos:
			pe := SinCosPosEmbed2D(t.Shape[2], cfg.GridSize(), true)
			for i, v := range pe {
				dst[i] = float32(v)
			}
		default:
			panic(fmt.Sprintf("mae: Init: tensor %q has no initialiser", t.Name))
		}
	}
	return p, nil
}

// fillUniform fills dst with U(−bound, bound) values.
func fillUniform(dst []float32, rng *RNG, bound float64) {
	for i := range dst {
		dst[i] = float32(rng.Uniform(-bound, bound))
	}
}
