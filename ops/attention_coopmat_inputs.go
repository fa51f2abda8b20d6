package ops

import (
	"math"

	"github.com/mae-vk/mae-vk/vk"
)

// attnCoopMatInputs makes the buffers that the self-check and the
// benchmark of the cooperative-matrix attention feed it, in the plan's
// input format, and releases them together.
type attnCoopMatInputs struct {
	o    *Ops
	prec Precision // FP16, BF16, or FP32 (float32 holding binary16 values)
	bufs []*vk.Buffer
}

func newAttnCoopMatInputs(o *Ops, plan AttnCoopMatPlan) *attnCoopMatInputs {
	return &attnCoopMatInputs{o: o, prec: plan.Inputs()}
}

func (in *attnCoopMatInputs) release() {
	for _, b := range in.bufs {
		b.Release()
	}
	in.bufs = nil
}

// scratch returns a new buffer of n float32s.
func (in *attnCoopMatInputs) scratch(name string, n int) (*vk.Buffer, error) {
	b, err := in.o.d.NewBuffer(name, 4*max(n, 1))
	if err != nil {
		return nil, err
	}
	in.bufs = append(in.bufs, b)
	return b, nil
}

// float32s returns a new buffer holding v as float32s.
func (in *attnCoopMatInputs) float32s(name string, v []float64) (*vk.Buffer, error) {
	b, err := in.scratch(name, len(v))
	if err != nil {
		return nil, err
	}
	f := make([]float32, len(v))
	for i, x := range v {
		f[i] = float32(x)
	}
	return b, b.WriteFloat32(0, f)
}

// input returns v as an input of the plan: float32s, cast to the plan's
// 16-bit format on the device by r (round to nearest even) where the plan
// reads 16 bits.
func (in *attnCoopMatInputs) input(r *vk.Recording, name string, v []float64) (vk.Binding, error) {
	src, err := in.float32s(name, v)
	if err != nil {
		return nil, err
	}
	return in.cast(r, name, src, len(v))
}

// cast returns the n float32s of src as an input of the plan: src itself,
// or a 16-bit copy that r makes.
func (in *attnCoopMatInputs) cast(r *vk.Recording, name string, src *vk.Buffer, n int) (vk.Binding, error) {
	if !in.prec.Half() {
		return src, nil
	}
	dst, err := in.o.d.NewBuffer(name+" "+in.prec.String(), 4*max(1, (n+1)/2))
	if err != nil {
		return nil, err
	}
	in.bufs = append(in.bufs, dst)
	return dst, in.o.Cast(r, in.prec, true, src, dst, n)
}

// stored returns a new buffer of n values in the plan's storage for qkv
// and O (binary16 or bfloat16, or float32 for the emulation without
// 16-bit storage), every one a NaN, so that a value the kernel does not
// write shows.
func (in *attnCoopMatInputs) stored(name string, n int) (*vk.Buffer, error) {
	if !in.prec.Half() {
		nan := make([]float64, n)
		for i := range nan {
			nan[i] = math.NaN()
		}
		return in.float32s(name, nan)
	}
	nan := uint32(HalfBits(in.prec, float32(math.NaN())))
	words := make([]uint32, max(1, (n+1)/2))
	for i := range words {
		words[i] = nan | nan<<16 // two quiet NaNs
	}
	b, err := in.o.d.NewBuffer(name, 4*len(words))
	if err != nil {
		return nil, err
	}
	in.bufs = append(in.bufs, b)
	return b, b.WriteUint32(0, words)
}

// read returns the first n values of b, held in the plan's storage.
func (in *attnCoopMatInputs) read(b *vk.Buffer, n int) ([]float32, error) {
	if !in.prec.Half() {
		f := make([]float32, n)
		return f, b.ReadFloat32(0, f)
	}
	words := make([]uint32, (n+1)/2)
	if err := b.ReadUint32(0, words); err != nil {
		return nil, err
	}
	return UnpackHalf(in.prec, words, n), nil
}
