package ops

import (
	"strings"
	"testing"
)

// testIDs returns per-sample random permutations of [0, l) (ids_shuffle) and
// their inverses (ids_restore).
func testIDs(seed uint64, n, l int) (shuffle, restore []int32) {
	r := newTestRand(seed)
	shuffle = make([]int32, n*l)
	restore = make([]int32, n*l)
	for s := 0; s < n; s++ {
		for i, v := range r.Perm(l) {
			shuffle[s*l+i] = int32(v)
			restore[s*l+v] = int32(i)
		}
	}
	return shuffle, restore
}

func TestGatherTokensRefAdjoint(t *testing.T) {
	// ⟨G x, y⟩ = ⟨x, Gᵀ y⟩ with the scatter-add as Gᵀ; repeated indices are
	// allowed in the adjoint identity, so the keep list has one.
	r := newTestRand(60)
	n, l, lk, d := 2, 5, 3, 4
	ids := []int32{4, 0, 2, 1, 1, 3}
	x, y := randSlice(r, n*l*d), randSlice(r, n*lk*d)
	gx := GatherTokensRef(x, ids, n, l, lk, d)
	gty := GatherTokensBackwardRef(y, ids, n, l, lk, d)
	checkScalar(t, "⟨Gx,y⟩ − ⟨x,Gᵀy⟩", dotTest(gx, y), dotTest(x, gty), 1e-14)
	// Spot value: sample 1, kept slot 0 is token 1.
	checkClose(t, "row", gx[(1*lk+0)*d:][:d], x[(1*l+1)*d:][:d], 0)
}

// torchUnshuffle builds the decoder input the reference way: concatenate the
// visible tokens with L−Lk copies of the mask token, gather by ids_restore,
// then put the class token back in front.
func torchUnshuffle(x, mask []float64, restore []int32, n, l, lk, d int) []float64 {
	var y []float64
	for s := 0; s < n; s++ {
		var cat [][]float64
		for k := 0; k < lk; k++ {
			cat = append(cat, x[(s*(1+lk)+1+k)*d:][:d])
		}
		for k := lk; k < l; k++ {
			cat = append(cat, mask)
		}
		y = append(y, x[s*(1+lk)*d:][:d]...)
		for j := 0; j < l; j++ {
			y = append(y, cat[restore[s*l+j]]...)
		}
	}
	return y
}

func TestUnshuffleRef(t *testing.T) {
	r := newTestRand(61)
	n, l, lk, d := 3, 6, 2, 3
	_, restore := testIDs(62, n, l)
	x, mask := randSlice(r, n*(1+lk)*d), randSlice(r, d)
	got := UnshuffleRef(x, mask, restore, n, l, lk, d)
	checkClose(t, "unshuffle", got, torchUnshuffle(x, mask, restore, n, l, lk, d), 0)
}

func TestUnshuffleBackwardRefAdjoint(t *testing.T) {
	// UnshuffleRef is linear in (x, mask), so its backward is its adjoint:
	// ⟨U(x, m), y⟩ = ⟨x, dx⟩ + ⟨m, dm⟩.
	r := newTestRand(63)
	n, l, lk, d := 2, 5, 2, 4
	_, restore := testIDs(64, n, l)
	x, mask, y := randSlice(r, n*(1+lk)*d), randSlice(r, d), randSlice(r, n*(1+l)*d)
	dx, dm := UnshuffleBackwardRef(y, restore, n, l, lk, d)
	lhs := dotTest(UnshuffleRef(x, mask, restore, n, l, lk, d), y)
	checkScalar(t, "adjoint", lhs, dotTest(x, dx)+dotTest(mask, dm), 1e-14)
	// dmask sums the L−Lk masked rows of every sample.
	want := make([]float64, d)
	for s := 0; s < n; s++ {
		for j := 0; j < l; j++ {
			if int(restore[s*l+j]) >= lk {
				for e := range want {
					want[e] += y[(s*(1+l)+1+j)*d+e]
				}
			}
		}
	}
	checkClose(t, "dmask", dm, want, 1e-15)
}

func TestGatherTokensRefPanicsOnBadIndex(t *testing.T) {
	for name, call := range map[string]func(){
		"GatherTokensRef":         func() { GatherTokensRef(make([]float64, 8), []int32{2, 0}, 2, 2, 1, 2) },
		"GatherTokensBackwardRef": func() { GatherTokensBackwardRef(make([]float64, 4), []int32{-1, 0}, 2, 2, 1, 2) },
		"UnshuffleRef":            func() { UnshuffleRef(make([]float64, 8), make([]float64, 2), []int32{0, 2, 0, 1}, 2, 2, 1, 2) },
		"UnshuffleBackwardRef":    func() { UnshuffleBackwardRef(make([]float64, 12), []int32{0, 2, 0, 1}, 2, 2, 1, 2) },
	} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, name+": index") || !strings.Contains(msg, "out of range [0, 2)") {
					t.Errorf("%s: panic %q, want the index named", name, msg)
				}
			}()
			call()
		}()
	}
}
