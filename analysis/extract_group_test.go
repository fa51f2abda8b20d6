package analysis

import (
	"testing"

	"github.com/mae-vk/mae-vk/mae"
	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk/vktest"
)

// shareGroup is one process of a fake group of size: its sum keeps what
// this process contributes (a copy, in got) and leaves the buffer alone,
// so that a test can add the processes' shares itself.
type shareGroup struct {
	rank, size int
	got        []float32
}

func (g *shareGroup) Rank() int { return g.rank }
func (g *shareGroup) Size() int { return g.size }
func (g *shareGroup) SumFloat32(_ string, buf []float32) error {
	g.got = append([]float32(nil), buf...)
	return nil
}
func (g *shareGroup) SumFloat64(string, []float64) error     { return nil }
func (g *shareGroup) AnyTrue(_ string, v bool) (bool, error) { return v, nil }
func (g *shareGroup) Agree(string, []byte) error             { return nil }

// TestExtractGroupSharesBatches checks the split of feature extraction
// over a group: the shares of 2 and 3 processes (300 images: batches of
// 128, 128 and 44) add up exactly to one process's features, so each
// image is extracted by exactly one process.
func TestExtractGroupSharesBatches(t *testing.T) {
	cfg, _ := mae.Preset("micro")
	p, err := mae.Init(cfg, 9)
	if err != nil {
		t.Fatal(err)
	}
	const n = 2*ExtractBatch + 44
	rng := mae.NewRNG(10)
	plane := cfg.Channels * cfg.ImageSize * cfg.ImageSize
	im := &Images{N: n, Classes: 2, Pixels: make([]float32, n*plane), Labels: make([]int32, n), Name: "random"}
	for i := range im.Pixels {
		im.Pixels[i] = float32(rng.Normal())
	}
	o := ops.New(vktest.Open(t))
	want, err := Extract(o, p, im, PoolMean)
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{2, 3} {
		sum := make([]float32, len(want.X))
		for r := range size {
			g := &shareGroup{rank: r, size: size}
			f, err := ExtractGroup(o, p, im, PoolMean, g)
			if err != nil {
				t.Fatal(err)
			}
			if len(g.got) != len(want.X) || f.N != n {
				t.Fatalf("rank %d of %d: summed %d floats for %d images", r, size, len(g.got), f.N)
			}
			for i, v := range g.got {
				sum[i] += v
			}
		}
		for i := range sum {
			if sum[i] != want.X[i] {
				t.Fatalf("%d processes: feature %d of image %d is %v, one process %v", size, i%want.Dim, i/want.Dim, sum[i], want.X[i])
			}
		}
	}
}
