package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mae-vk/mae-vk/vk"
	"github.com/mae-vk/mae-vk/vk/vktest"
)

// Shared helpers for the device tests: every op is run on the device that
// MAEVK_DEVICE names (lavapipe or SwiftShader in make test) with validation
// on, and compared with its CPU reference.

// gpu is one test's device and ops.
type gpu struct {
	t *testing.T
	d *vk.Device
	o *Ops
}

func newGPU(t *testing.T) *gpu {
	t.Helper()
	d := vktest.Open(t)
	return &gpu{t: t, d: d, o: New(d)}
}

// upload makes a device buffer holding v (as float32).
func (g *gpu) upload(name string, v []float64) *vk.Buffer {
	g.t.Helper()
	f := make([]float32, max(len(v), 1))
	for i, x := range v {
		f[i] = float32(x)
	}
	b, err := g.d.NewBuffer(name, 4*len(f))
	if err != nil {
		g.t.Fatal(err)
	}
	g.t.Cleanup(b.Release)
	if err := b.WriteFloat32(0, f); err != nil {
		g.t.Fatal(err)
	}
	return b
}

// uploadInt32 makes a device buffer holding v.
func (g *gpu) uploadInt32(name string, v []int32) *vk.Buffer {
	g.t.Helper()
	u := make([]uint32, max(len(v), 1))
	for i, x := range v {
		u[i] = uint32(x)
	}
	b, err := g.d.NewBuffer(name, 4*len(u))
	if err != nil {
		g.t.Fatal(err)
	}
	g.t.Cleanup(b.Release)
	if err := b.WriteUint32(0, u); err != nil {
		g.t.Fatal(err)
	}
	return b
}

// output makes a device buffer of n float32s poisoned with NaN, so that an
// element the kernel fails to write fails the comparison.
func (g *gpu) output(name string, n int) *vk.Buffer {
	g.t.Helper()
	nan := make([]float64, max(n, 1))
	for i := range nan {
		nan[i] = math.NaN()
	}
	return g.upload(name, nan)
}

// run records with rec, then submits and waits.
func (g *gpu) run(rec func(r *vk.Recording) error) {
	g.t.Helper()
	r, err := g.d.NewRecording()
	if err != nil {
		g.t.Fatal(err)
	}
	defer r.Release()
	if err := rec(r); err != nil {
		g.t.Fatal(err)
	}
	if err := r.Run(); err != nil {
		g.t.Fatal(err)
	}
}

// download reads n float32s from b as float64s.
func (g *gpu) download(b *vk.Buffer, n int) []float64 {
	g.t.Helper()
	f := make([]float32, n)
	if err := b.ReadFloat32(0, f); err != nil {
		g.t.Fatal(err)
	}
	out := make([]float64, n)
	for i, x := range f {
		out[i] = float64(x)
	}
	return out
}

// roundF32 rounds every value to float32, so that references see exactly
// the inputs the device sees.
func roundF32(v []float64) []float64 {
	for i, x := range v {
		v[i] = float64(float32(x))
	}
	return v
}

// randF32 is randSlice rounded to float32, scaled by s.
func randF32(r *rand.Rand, n int, s float64) []float64 {
	v := randSlice(r, n)
	for i := range v {
		v[i] *= s
	}
	return roundF32(v)
}
