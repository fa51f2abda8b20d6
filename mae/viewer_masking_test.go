package mae

import (
	"slices"
	"testing"
)

// TestMaskingFromMask checks the order of a hand-painted masking and that
// WithKeep gives the model the right number of visible patches.
func TestMaskingFromMask(t *testing.T) {
	mask := []float64{1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0, 1} // two samples of 6
	mk, err := MaskingFromMask(mask, 2, 6)
	if err != nil {
		t.Fatal(err)
	}
	if mk.Keep != 3 {
		t.Fatalf("keep %d, want 3", mk.Keep)
	}
	if want := []int32{1, 3, 4, 0, 2, 5, 0, 2, 4, 1, 3, 5}; !slices.Equal(mk.IDsShuffle, want) {
		t.Errorf("ids_shuffle %v, want %v", mk.IDsShuffle, want)
	}
	if !slices.Equal(mk.Mask, mask) {
		t.Errorf("mask %v, want %v", mk.Mask, mask)
	}
	if _, err := MaskingFromMask([]float64{1, 0, 0, 1, 1, 1}, 2, 3); err == nil {
		t.Error("samples keeping different counts: no error")
	}
	if _, err := MaskingFromMask([]float64{1, 1, 1}, 1, 3); err == nil {
		t.Error("all patches hidden: no error")
	}
	cfg, err := Preset("tiny")
	if err != nil {
		t.Fatal(err)
	}
	for keep := 1; keep <= cfg.NumPatches(); keep++ {
		if got := cfg.WithKeep(keep).KeepCount(); got != keep {
			t.Errorf("WithKeep(%d).KeepCount() = %d", keep, got)
		}
	}
}
