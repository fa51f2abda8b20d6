package ops

import (
	"fmt"
	"math"
	"sort"
	"testing"

	"github.com/mae-vk/mae-vk/vk"
)

// patchifyConvRef is PatchifyRef with each patch vector in (channel, row,
// column) order, the order PatchifyConv writes:
//
//	y[n, gy·(W/p) + gx, (c·p + r)·p + q] = img[n, c, gy·p + r, gx·p + q]
func patchifyConvRef(img []float64, n, c, h, w, p int) []float64 {
	gh, gw := h/p, w/p
	y := make([]float64, len(img))
	for s := 0; s < n; s++ {
		for gy := 0; gy < gh; gy++ {
			for gx := 0; gx < gw; gx++ {
				tok := s*gh*gw + gy*gw + gx
				for ch := 0; ch < c; ch++ {
					for r := 0; r < p; r++ {
						for q := 0; q < p; q++ {
							y[tok*p*p*c+(ch*p+r)*p+q] = img[((s*c+ch)*h+gy*p+r)*w+gx*p+q]
						}
					}
				}
			}
		}
	}
	return y
}

// checkSameElems fails unless got and want are equal element by element
// (index ops move values, so they must be exact; NaN never matches).
func checkSameElems(t *testing.T, name string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d elements, want %d", name, len(got), len(want))
		return
	}
	bad := 0
	for i := range got {
		if got[i] != want[i] || math.IsNaN(got[i]) {
			if bad < 3 {
				t.Errorf("%s[%d] = %v, want %v", name, i, got[i], want[i])
			}
			bad++
		}
	}
	if bad > 3 {
		t.Errorf("%s: %d of %d elements differ", name, bad, len(got))
	}
}

// worstErrs keeps the worst relative error of each checked quantity over a
// test's cases, for the log.
type worstErrs map[string]float64

// check fails t if relErr(got, want) > tol (NaN included) and notes the error.
func (w worstErrs) check(t *testing.T, name string, got, want []float64, tol float64) {
	t.Helper()
	e := relErr(got, want)
	if !(e <= tol) {
		t.Errorf("%s: relative error %.3g > %.3g", name, e, tol)
	}
	if !(e <= w[name]) {
		w[name] = e
	}
}

// log reports the worst errors on t.
func (w worstErrs) log(t *testing.T, device string) {
	names := make([]string, 0, len(w))
	for k := range w {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		t.Logf("%s: worst relative error of %s: %.2g", device, k, w[k])
	}
}

// smallGrid sets g's 1-D grid bound low on odd cases, so that the
// grid-stride loops run more than once, and returns a label for it.
func smallGrid(g *gpu, i int) string {
	if i%2 == 1 {
		g.o.maxGroups = 3
		return "grid3"
	}
	g.o.maxGroups = New(g.d).maxGroups
	return "grid"
}

func TestPatchifyDevice(t *testing.T) {
	g := newGPU(t)
	rng := newTestRand(301)
	shapes := []struct{ n, c, h, w, p int }{
		{1, 1, 1, 1, 1},
		{1, 1, 4, 4, 2},
		{3, 3, 8, 8, 4},
		{1, 3, 28, 28, 7},
		{3, 1, 12, 20, 4},
		{3, 2, 15, 6, 3},
		{1, 1, 28, 28, 14},
		{1, 3, 224, 224, 16},
	}
	for i, s := range shapes {
		grid := smallGrid(g, i)
		t.Run(fmt.Sprintf("N%d_C%d_%dx%d_p%d_%s", s.n, s.c, s.h, s.w, s.p, grid), func(t *testing.T) {
			total := s.n * s.c * s.h * s.w
			img := randF32(rng, total, 1)
			want := PatchifyRef(img, s.n, s.c, s.h, s.w, s.p)
			imgB := g.upload("img", img)
			out, conv := g.output("out", total), g.output("conv", total)
			g.run(func(r *vk.Recording) error {
				if err := g.o.Patchify(r, imgB, out, s.n, s.c, s.h, s.w, s.p); err != nil {
					return err
				}
				return g.o.PatchifyConv(r, imgB, conv, s.n, s.c, s.h, s.w, s.p)
			})
			checkSameElems(t, "Patchify", g.download(out, total), want)
			checkSameElems(t, "PatchifyConv", g.download(conv, total), patchifyConvRef(img, s.n, s.c, s.h, s.w, s.p))
		})
	}
}

func TestPatchifyConvRefOrder(t *testing.T) {
	// A conv with weight [D, C, p, p] at stride p equals PatchifyConv
	// output times the weight flattened to [D, C·p·p].
	rng := newTestRand(302)
	n, c, h, w, p, d := 2, 3, 6, 4, 2, 5
	img, wt := randSlice(rng, n*c*h*w), randSlice(rng, d*c*p*p)
	y := patchifyConvRef(img, n, c, h, w, p)
	pd := c * p * p
	for s := 0; s < n; s++ {
		for gy := 0; gy < h/p; gy++ {
			for gx := 0; gx < w/p; gx++ {
				tok := (s*(h/p)+gy)*(w/p) + gx
				for o := 0; o < d; o++ {
					conv := 0.0
					for ch := 0; ch < c; ch++ {
						for r := 0; r < p; r++ {
							for q := 0; q < p; q++ {
								conv += wt[((o*c+ch)*p+r)*p+q] * img[((s*c+ch)*h+gy*p+r)*w+gx*p+q]
							}
						}
					}
					checkScalar(t, "conv", dot(y[tok*pd:][:pd], wt[o*pd:][:pd]), conv, 1e-12)
				}
			}
		}
	}
}

func TestPatchifyPanics(t *testing.T) {
	g := newGPU(t)
	b := g.output("b", 64)
	for name, f := range map[string]func(r *vk.Recording){
		"not divisible": func(r *vk.Recording) { _ = g.o.Patchify(r, b, b, 1, 1, 6, 6, 4) },
		"too small":     func(r *vk.Recording) { _ = g.o.Patchify(r, b, b, 2, 1, 8, 8, 2) },
		"zero":          func(r *vk.Recording) { _ = g.o.PatchifyConv(r, b, b, 0, 1, 8, 8, 2) },
	} {
		t.Run(name, func(t *testing.T) {
			r, err := g.d.NewRecording()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Release()
			defer func() {
				if msg, ok := recover().(string); !ok || len(msg) < 4 || msg[:4] != "ops:" {
					t.Errorf("panic %v, want an ops: message", msg)
				}
			}()
			f(r)
		})
	}
}
