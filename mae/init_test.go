package mae

import (
	"math"
	"testing"
)

func TestInitDeterministic(t *testing.T) {
	c, _ := Preset("micro")
	a, _ := Init(c, 7)
	b, _ := Init(c, 7)
	d, _ := Init(c, 8)
	same, differ := true, false
	for i := range a.Data {
		same = same && a.Data[i] == b.Data[i]
		differ = differ || a.Data[i] != d.Data[i]
	}
	if !same || !differ {
		t.Errorf("same seed equal: %v, other seed differs: %v", same, differ)
	}
}

// stats returns the mean and (biased) standard deviation of x.
func stats(x []float32) (mean, std float64) {
	for _, v := range x {
		mean += float64(v)
	}
	mean /= float64(len(x))
	for _, v := range x {
		std += (float64(v) - mean) * (float64(v) - mean)
	}
	return mean, math.Sqrt(std / float64(len(x)))
}

func TestInitStatistics(t *testing.T) {
	c, _ := Preset("tiny")
	p, err := Init(c, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tn := range p.Layout.Tensors {
		v := p.View(tn.Name)
		switch tn.kind {
		case initXavier:
			fanOut := tn.Shape[0]
			fanIn := tn.Len() / fanOut
			bound := math.Sqrt(6 / float64(fanIn+fanOut))
			checkUniform(t, tn.Name, v, bound)
		case initConvBias:
			checkUniform(t, tn.Name, v, 1/math.Sqrt(float64(c.PatchDim())))
		case initZero, initOne:
			want := float32(0)
			if tn.kind == initOne {
				want = 1
			}
			for _, x := range v {
				if x != want {
					t.Errorf("%s holds %v, want all %v", tn.Name, x, want)
					break
				}
			}
		case initSinCos:
			pe := SinCosPosEmbed2D(tn.Shape[2], c.GridSize(), true)
			for i, x := range v {
				if x != float32(pe[i]) {
					t.Errorf("%s[%d] = %v, want %v", tn.Name, i, x, pe[i])
					break
				}
			}
		}
	}
	// The 128 + 64 token values together: N(0, 0.02²).
	tokens := append(append([]float32(nil), p.View("cls_token")...), p.View("mask_token")...)
	mean, std := stats(tokens)
	if math.Abs(mean) > 3*TokenInitStd/math.Sqrt(float64(len(tokens))) || math.Abs(std/TokenInitStd-1) > 0.2 {
		t.Errorf("tokens mean %.4g std %.4g, want 0 and %.3g", mean, std, TokenInitStd)
	}
	// Padding between tensors stays zero.
	end := 0
	for _, tn := range p.Layout.Tensors {
		for i := end; i < tn.Offset; i++ {
			if p.Data[i] != 0 {
				t.Fatalf("padding at %d = %v", i, p.Data[i])
			}
		}
		end = tn.Offset + tn.Len()
	}
}

// checkUniform checks that v lies in [−bound, bound] and, for large tensors,
// that its standard deviation is near bound/√3.
func checkUniform(t *testing.T, name string, v []float32, bound float64) {
	t.Helper()
	for _, x := range v {
		if math.Abs(float64(x)) > bound*(1+1e-6) {
			t.Errorf("%s: %v outside ±%v", name, x, bound)
			return
		}
	}
	if len(v) >= 1000 {
		if _, std := stats(v); math.Abs(std/(bound/math.Sqrt(3))-1) > 0.05 {
			t.Errorf("%s: std %.4g, want %.4g", name, std, bound/math.Sqrt(3))
		}
	}
}
