package loader

import (
	"math"
	"testing"
)

func augBatch(n, c, s int, seed uint64) []float32 {
	r := NewRNG(seed)
	x := make([]float32, n*c*s*s)
	for i := range x {
		x[i] = float32(r.Normal())
	}
	return x
}

// TestMixupTargets checks that every target row sums to 1, carries λ on
// the sample's own label and 1 − λ on its mirror's (with smoothing), and
// that mixup images are the λ-blend of the originals.
func TestMixupTargets(t *testing.T) {
	n, c, s, k := 6, 1, 8, 5
	labels := []int32{0, 1, 2, 3, 4, 0}
	for _, m := range []Mixup{
		{MixupAlpha: 0.8, Prob: 1, Smoothing: 0.1, Classes: k},
		{CutmixAlpha: 1, Prob: 1, Smoothing: 0.1, Classes: k},
		{Smoothing: 0.1, Classes: k},
	} {
		orig := augBatch(n, c, s, 3)
		x := append([]float32(nil), orig...)
		tg := make([]float32, n*k)
		r := NewRNG(7)
		lam := m.Apply(&r, x, labels, c, s, tg)
		if !(lam >= 0 && lam <= 1) {
			t.Fatalf("%+v: λ = %v", m, lam)
		}
		for i := 0; i < n; i++ {
			row := tg[i*k : (i+1)*k]
			sum := 0.0
			for _, v := range row {
				sum += float64(v)
			}
			if math.Abs(sum-1) > 1e-6 {
				t.Errorf("%+v: row %d sums to %v", m, i, sum)
			}
			want := 0.02 + lam*0.9
			if labels[i] == labels[n-1-i] {
				want = 0.92
			}
			if math.Abs(float64(row[labels[i]])-want) > 1e-6 {
				t.Errorf("%+v: row %d own label %v, want %v", m, i, row[labels[i]], want)
			}
		}
		per := c * s * s
		switch {
		case m.MixupAlpha > 0:
			for e := 0; e < per; e++ {
				want := float32(lam)*orig[e] + float32(1-lam)*orig[(n-1)*per+e]
				if math.Abs(float64(x[e]-want)) > 1e-5 {
					t.Fatalf("mixup pixel %d = %v, want %v", e, x[e], want)
				}
			}
		case m.CutmixAlpha > 0:
			moved := 0
			for e := 0; e < per; e++ {
				if x[e] != orig[e] {
					moved++
				}
			}
			if got := 1 - float64(moved)/float64(per); math.Abs(got-lam) > 1e-9 {
				t.Errorf("cutmix: %d pixels from the mirror, λ = %v, want %v", moved, lam, got)
			}
		default:
			for e := range x {
				if x[e] != orig[e] {
					t.Fatal("smoothing only changed the images")
				}
			}
		}
	}
}

func TestBetaMean(t *testing.T) {
	r := NewRNG(1)
	for _, a := range []float64{0.8, 1} {
		sum := 0.0
		for i := 0; i < 20000; i++ {
			sum += r.Beta(a, a)
		}
		if m := sum / 20000; math.Abs(m-0.5) > 0.01 {
			t.Errorf("Beta(%v, %v) mean %v, want 0.5", a, a, m)
		}
	}
}

// TestErasingBox checks that erasing changes one axis-aligned box per
// erased image and nothing with probability 0.
func TestErasingBox(t *testing.T) {
	n, c, s := 64, 3, 16
	orig := augBatch(n, c, s, 5)
	x := append([]float32(nil), orig...)
	r := NewRNG(9)
	Erasing{Prob: 0.5}.Apply(&r, x, n, c, s)
	erased := 0
	for i := 0; i < n; i++ {
		x0, y0, x1, y1 := s, s, -1, -1
		for ch := 0; ch < c; ch++ {
			for y := 0; y < s; y++ {
				for xx := 0; xx < s; xx++ {
					o := i*c*s*s + ch*s*s + y*s + xx
					if x[o] != orig[o] {
						x0, y0, x1, y1 = min(x0, xx), min(y0, y), max(x1, xx), max(y1, y)
					}
				}
			}
		}
		if x1 < 0 {
			continue
		}
		erased++
		if area := (x1 - x0 + 1) * (y1 - y0 + 1); area > s*s/3+2*s {
			t.Errorf("image %d: erased box %d×%d too large", i, x1-x0+1, y1-y0+1)
		}
	}
	if erased < n/4 || erased > 3*n/4 {
		t.Errorf("%d of %d images erased with probability 0.5", erased, n)
	}
}

func TestRandAugmentParseAndApply(t *testing.T) {
	ra, ok, err := ParseRandAugment("rand-m9-mstd0.5-inc1")
	if err != nil || !ok || ra.Layers != 2 || ra.Magnitude != 9 || ra.MagStd != 0.5 {
		t.Fatalf("parse: %+v %v %v", ra, ok, err)
	}
	if _, _, err := ParseRandAugment("rand-m9-inc0"); err == nil {
		t.Error("inc0 accepted")
	}
	if _, ok, _ := ParseRandAugment("none"); ok {
		t.Error("none turned RandAugment on")
	}
	norm := Stats{Mean: []float32{0.5}, Std: []float32{0.25}}
	n, s := 32, 12
	orig := make([]float32, n*s*s) // pixels in [0, 1], normalized
	ur := NewRNG(2)
	for i := range orig {
		orig[i] = float32((ur.Float64() - 0.5) / 0.25)
	}
	a, b := append([]float32(nil), orig...), append([]float32(nil), orig...)
	r1, r2 := NewRNG(4), NewRNG(4)
	ra.Apply(&r1, a, n, 1, s, norm)
	ra.Apply(&r2, b, n, 1, s, norm)
	changed := 0
	for i := 0; i < n; i++ {
		diff := false
		for e := i * s * s; e < (i+1)*s*s; e++ {
			if a[e] != b[e] {
				t.Fatal("same seed, different result")
			}
			if math.IsNaN(float64(a[e])) || a[e] < -2-1e-5 || a[e] > 2+1e-5 {
				t.Fatalf("pixel %v outside the normalized [0, 1] range", a[e])
			}
			diff = diff || a[e] != orig[e]
		}
		if diff {
			changed++
		}
	}
	// Each image gets 2 ops at probability 1/2 each: about 3/4 change.
	if changed < n/2 {
		t.Errorf("only %d of %d images changed", changed, n)
	}
	// Invert is an involution; a zero-magnitude shear is the identity.
	img := []float64{0, 0.25, 0.5, 1}
	tmp := make([]float64, 4)
	r := NewRNG(1)
	applyRAOp("Invert", 0, &r, img, tmp, 1, 2, norm)
	applyRAOp("Invert", 0, &r, img, tmp, 1, 2, norm)
	applyRAOp("ShearX", 0, &r, img, tmp, 1, 2, norm)
	for i, v := range []float64{0, 0.25, 0.5, 1} {
		if math.Abs(img[i]-v) > 1e-12 {
			t.Errorf("invert twice + zero shear: %v", img)
			break
		}
	}
}

func TestSubset(t *testing.T) {
	src := &memSource{n: 10}
	s, err := Subset(src, 4)
	if err != nil || s.Len() != 4 {
		t.Fatalf("Subset(10 items, 4): len %d, %v", s.Len(), err)
	}
	if s, _ := Subset(src, 0); s.Len() != 10 {
		t.Errorf("Subset(_, 0) has %d items", s.Len())
	}
	if _, err := Subset(src, -1); err == nil {
		t.Error("negative subset accepted")
	}
}
