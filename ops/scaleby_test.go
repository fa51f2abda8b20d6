package ops

import (
	"fmt"
	"testing"

	"github.com/mae-vk/mae-vk/vk"
)

// TestScaleByDevice: y = f[index]·x with the factor read on the device, out
// of place and in place (as the loss scaling uses it); tolerance 1e-6.
func TestScaleByDevice(t *testing.T) {
	g := newGPU(t)
	rng := newTestRand(703)
	f := []float64{4096, 1.0 / 4096, -0.37}
	fB := g.upload("f", f)
	for _, n := range []int{1, 17, 1024, 4099} {
		for index := range f {
			x := randF32(rng, n, 1)
			xB, y := g.upload("x", x), g.output("y", n)
			g.run(func(r *vk.Recording) error {
				if err := g.o.ScaleBy(r, xB, fB, y, n, index); err != nil {
					return err
				}
				return g.o.ScaleBy(r, xB, fB, xB, n, index) // in place
			})
			want := ScaleRef(x, f[index])
			checkClose(t, fmt.Sprintf("n%d f[%d]", n, index), g.download(y, n), want, 1e-6)
			checkClose(t, fmt.Sprintf("n%d f[%d] in place", n, index), g.download(xB, n), want, 1e-6)
		}
	}
}
