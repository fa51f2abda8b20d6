package mae

import (
	"slices"
	"testing"
)

func TestMaskingFromNoiseHand(t *testing.T) {
	m := MaskingFromNoise([]float64{0.3, 0.1, 0.2, 0.9}, 1, 4, 2)
	check := func(name string, got, want []int32) {
		t.Helper()
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s = %v, want %v", name, got, want)
				return
			}
		}
	}
	check("ids_shuffle", m.IDsShuffle, []int32{1, 2, 0, 3})
	check("ids_keep", m.IDsKeep, []int32{1, 2})
	check("ids_restore", m.IDsRestore, []int32{2, 0, 1, 3})
	for i, w := range []float64{1, 0, 0, 1} {
		if m.Mask[i] != w {
			t.Errorf("mask = %v, want [1 0 0 1]", m.Mask)
			break
		}
	}
}

func TestRandomMaskingProperties(t *testing.T) {
	c, _ := Preset("tiny")
	n, l, lk := 5, c.NumPatches(), c.KeepCount()
	m := RandomMasking(c, n, NewRNG(42))
	if m.N != n || m.L != l || m.Keep != lk {
		t.Fatalf("sizes %d %d %d", m.N, m.L, m.Keep)
	}
	for s := 0; s < n; s++ {
		ones := 0.0
		for j := 0; j < l; j++ {
			if got := m.IDsShuffle[s*l+int(m.IDsRestore[s*l+j])]; got != int32(j) {
				t.Fatalf("sample %d: ids_shuffle[ids_restore[%d]] = %d", s, j, got)
			}
			ones += m.Mask[s*l+j]
			// Removed exactly when its rank in the shuffle is ≥ Lk.
			if (m.Mask[s*l+j] == 1) != (int(m.IDsRestore[s*l+j]) >= lk) {
				t.Fatalf("sample %d: mask disagrees with ids_restore at %d", s, j)
			}
		}
		if ones != float64(l-lk) {
			t.Errorf("sample %d: %v masked, want %d", s, ones, l-lk)
		}
		for k := 0; k < lk; k++ {
			id := m.IDsKeep[s*lk+k]
			if id != m.IDsShuffle[s*l+k] || m.Mask[s*l+int(id)] != 0 {
				t.Errorf("sample %d: kept %d is not visible", s, id)
			}
		}
	}
	again := RandomMasking(c, n, NewRNG(42))
	for i := range m.IDsShuffle {
		if again.IDsShuffle[i] != m.IDsShuffle[i] {
			t.Fatal("RandomMasking is not deterministic for a seed")
		}
	}
}

// TestMaskerMatchesRandomMasking checks that the reusing Masker draws what
// RandomMasking draws, and allocates nothing per draw.
func TestMaskerMatchesRandomMasking(t *testing.T) {
	cfg, _ := Preset("tiny")
	mk := NewMasker(cfg, 5)
	for seed := uint64(0); seed < 3; seed++ {
		want := RandomMasking(cfg, 5, NewRNG(seed))
		got := mk.Draw(NewRNG(seed))
		if !slices.Equal(got.IDsKeep, want.IDsKeep) || !slices.Equal(got.IDsRestore, want.IDsRestore) || !slices.Equal(got.Mask, want.Mask) {
			t.Fatalf("seed %d: Masker and RandomMasking differ", seed)
		}
	}
	rng := NewRNG(9)
	if n := testing.AllocsPerRun(20, func() { mk.Draw(rng) }); n != 0 {
		t.Errorf("Masker.Draw allocates %v times per call", n)
	}
}

// TestDrawSamplesSplits checks that a masking does not depend on how the
// batch is split: two halves drawn with their first indices are the rows
// of the whole batch, and other batches or seeds differ.
func TestDrawSamplesSplits(t *testing.T) {
	cfg, _ := Preset("micro")
	whole := NewMasker(cfg, 8).DrawSamples(7, 3, 0)
	w := append([]int32(nil), whole.IDsShuffle...)
	l := whole.L
	for h := range 2 {
		half := NewMasker(cfg, 4).DrawSamples(7, 3, 4*h)
		if !slices.Equal(half.IDsShuffle, w[4*h*l:4*(h+1)*l]) {
			t.Fatalf("half %d differs from rows %d-%d of the whole batch", h, 4*h, 4*h+3)
		}
	}
	if slices.Equal(w[:l], w[l:2*l]) {
		t.Error("samples 0 and 1 mask alike")
	}
	other := NewMasker(cfg, 8).DrawSamples(7, 4, 0)
	if slices.Equal(other.IDsShuffle, w) {
		t.Error("batches 3 and 4 mask alike")
	}
	mk := NewMasker(cfg, 8)
	if n := testing.AllocsPerRun(20, func() { mk.DrawSamples(1, 2, 3) }); n != 0 {
		t.Errorf("DrawSamples allocates %v times per call", n)
	}
}
