package analysis

import (
	"math"
	"math/rand/v2"
	"testing"
)

func randMatrix(rng *rand.Rand, rows, cols int) Matrix {
	d := make([]float64, rows*cols)
	for i := range d {
		d[i] = rng.NormFloat64()
	}
	return NewMatrix(rows, cols, d)
}

// randOrthogonal is a random orthogonal n×n matrix (Gram-Schmidt on
// Gaussian columns).
func randOrthogonal(rng *rand.Rand, n int) Matrix {
	q := randMatrix(rng, n, n)
	for c := range n {
		for p := range c {
			dp := 0.0
			for r := range n {
				dp += q.Data[r*n+c] * q.Data[r*n+p]
			}
			for r := range n {
				q.Data[r*n+c] -= dp * q.Data[r*n+p]
			}
		}
		nn := 0.0
		for r := range n {
			nn += q.Data[r*n+c] * q.Data[r*n+c]
		}
		for r := range n {
			q.Data[r*n+c] /= math.Sqrt(nn)
		}
	}
	return q
}

func matMul(a, b Matrix) Matrix {
	out := NewMatrix(a.Rows, b.Cols, make([]float64, a.Rows*b.Cols))
	for i := range a.Rows {
		for k, av := range a.Row(i) {
			for j, bv := range b.Row(k) {
				out.Data[i*b.Cols+j] += av * bv
			}
		}
	}
	return out
}

func TestLinearCKA(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := randMatrix(rng, 300, 13)
	// A non-isotropic x (columns of different scales) so that only the
	// invariances CKA has can keep it at 1.
	for i := range x.Rows {
		for j := range x.Cols {
			x.Data[i*x.Cols+j] *= float64(j + 1)
		}
	}
	if got := LinearCKA(x, x); !(math.Abs(got-1) < 1e-12) {
		t.Errorf("CKA(x, x) = %v, want 1", got)
	}
	rot := matMul(x, randOrthogonal(rng, 13))
	for i := range rot.Data {
		rot.Data[i] = 3.5*rot.Data[i] + 2 // isotropic scaling and a shift (removed by centering)
	}
	if got := LinearCKA(x, rot); !(math.Abs(got-1) < 1e-10) {
		t.Errorf("CKA(x, 3.5·x·Q + 2) = %v, want 1", got)
	}
	y := randMatrix(rng, 3000, 11)
	x2 := randMatrix(rng, 3000, 9)
	if got := LinearCKA(x2, y); !(got >= 0 && got < 0.02) {
		t.Errorf("CKA of independent features = %v, want near 0", got)
	}
	// Scaling one column is not an isotropic scaling: CKA must drop.
	aniso := NewMatrix(x.Rows, x.Cols, append([]float64(nil), x.Data...))
	for i := range aniso.Rows {
		aniso.Data[i*aniso.Cols] *= 40
	}
	if got := LinearCKA(x, aniso); !(got < 0.9) {
		t.Errorf("CKA(x, x with one column scaled 40×) = %v, want clearly below 1", got)
	}
	if got := LinearCKA(NewMatrix(3, 1, []float64{2, 2, 2}), NewMatrix(3, 1, []float64{1, 2, 3})); !math.IsNaN(got) {
		t.Errorf("CKA with a constant side = %v, want NaN", got)
	}
}

func TestEffectiveRank(t *testing.T) {
	for _, n := range []int{1, 5, 17} {
		id := NewMatrix(n+3, n, make([]float64, (n+3)*n))
		for i := range n {
			id.Data[i*n+i] = 2.5
		}
		sv := SingularValues(id)
		if got := EffectiveRank(sv); !(math.Abs(got-float64(n)) < 1e-9) {
			t.Errorf("effective rank of a %d×%d scaled identity = %v, want %d", n+3, n, got, n)
		}
	}
	// Rank one: an outer product.
	rng := rand.New(rand.NewPCG(3, 4))
	u, v := randMatrix(rng, 20, 1), randMatrix(rng, 1, 7)
	if got := EffectiveRank(SingularValues(matMul(u, v))); !(math.Abs(got-1) < 1e-5) {
		t.Errorf("effective rank of a rank-one matrix = %v, want 1", got)
	}
	if got := EffectiveRank([]float64{0, 0}); got != 0 {
		t.Errorf("effective rank of zero = %v", got)
	}
}

func TestSingularValues(t *testing.T) {
	// diag(3, 2, 1) rotated on both sides keeps its singular values.
	rng := rand.New(rand.NewPCG(5, 6))
	d := NewMatrix(3, 3, []float64{3, 0, 0, 0, 2, 0, 0, 0, 1})
	m := matMul(matMul(randOrthogonal(rng, 3), d), randOrthogonal(rng, 3))
	sv := SingularValues(m)
	for i, want := range []float64{3, 2, 1} {
		if !(math.Abs(sv[i]-want) < 1e-9) {
			t.Fatalf("singular values %v, want 3 2 1", sv)
		}
	}
}

// uniformLayout is a layout with a cls token and every patch of a grid.
func uniformLayout(n, h, grid int) (AttnLayout, []float32) {
	s := 1 + grid*grid
	p := make([]float32, n*h*s*s)
	for i := range p {
		p[i] = 1 / float32(s)
	}
	return AttnLayout{N: n, H: h, S: s, Grid: grid, Patch: func(_, t int) int { return t - 1 }}, p
}

func TestMeanAttentionDistanceUniform(t *testing.T) {
	for _, grid := range []int{1, 3, 7} {
		l, p := uniformLayout(2, 3, grid)
		// Mean pairwise distance over ordered patch pairs, self included.
		want, L := 0.0, grid*grid
		for a := range L {
			for b := range L {
				want += math.Hypot(float64(a/grid-b/grid), float64(a%grid-b%grid))
			}
		}
		want /= float64(L * L)
		st := AttentionStats(p, l)
		for h := range 3 {
			if !(math.Abs(st.Distance[h]-want) < 1e-5) {
				t.Errorf("grid %d head %d: mean distance of uniform attention %v, want %v", grid, h, st.Distance[h], want)
			}
			if !(math.Abs(st.Entropy[h]-math.Log(float64(l.S))) < 1e-5) {
				t.Errorf("grid %d head %d: entropy of uniform attention %v, want ln %d", grid, h, st.Entropy[h], l.S)
			}
		}
	}
	// Attention on the query itself: distance 0, entropy 0.
	l, p := uniformLayout(1, 1, 4)
	clear(p)
	for q := range l.S {
		p[q*l.S+q] = 1
	}
	if st := AttentionStats(p, l); st.Distance[0] != 0 || st.Entropy[0] != 0 {
		t.Errorf("self attention: distance %v entropy %v, want 0 0", st.Distance[0], st.Entropy[0])
	}
}

// blockImage is a grid of patches each constant, equal to its
// neighbourhood's value: every 2×2 block of patches shares one value.
func TestNearestCopyExactOnConstantNeighbourhoods(t *testing.T) {
	const grid, P = 6, 9
	patches := make([]float64, grid*grid*P)
	for q := range grid * grid {
		v := float64((q/grid/2)*10 + (q%grid)/2)
		for e := range P {
			patches[q*P+e] = v
		}
	}
	// One patch visible in each 2×2 block, chosen so that its block-mates
	// are nearer to it than to any other visible patch.
	mask := make([]float64, grid*grid)
	for q := range mask {
		gy, gx := q/grid, q%grid
		if !(gy%2 == 0 && gx%2 == 0) {
			mask[q] = 1
		}
	}
	got := NearestCopy(patches, mask, grid)
	for i := range got {
		if got[i] != patches[i] {
			t.Fatalf("nearest copy differs at %d: %v vs %v", i, got[i], patches[i])
		}
	}
	if idw := InverseDistance(patches, mask, grid); equalF(idw, patches) {
		t.Errorf("inverse-distance interpolation is exact too: the test image does not tell the baselines apart")
	}
	near := NearestVisible(mask, grid)
	if near[grid+1].Index != 0 || near[grid+1].Dist2 != 2 {
		t.Errorf("nearest visible of patch (1,1) = %+v, want patch 0 at √2", near[grid+1])
	}
}

func equalF(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestInverseDistanceConstant: interpolating a constant image is exact.
func TestInverseDistanceConstant(t *testing.T) {
	patches := make([]float64, 16*4)
	for i := range patches {
		patches[i] = 0.25
	}
	mask := []float64{1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1}
	for i, v := range InverseDistance(patches, mask, 4) {
		if math.Abs(v-0.25) > 1e-12 {
			t.Fatalf("value %d = %v", i, v)
		}
	}
}

// TestCompareBaselines: a model that predicts the truth has zero error;
// the copy baseline is exact on constant neighbourhoods too, and the bins
// count every masked patch.
func TestCompareBaselines(t *testing.T) {
	const grid, P = 4, 4
	L := grid * grid
	rng := rand.New(rand.NewPCG(7, 8))
	patches := make([]float64, L*P)
	for i := range patches {
		patches[i] = rng.NormFloat64()
	}
	mask := make([]float64, L)
	for q := range mask {
		if q%3 != 0 {
			mask[q] = 1
		}
	}
	in := ReconInput{N: 1, L: L, P: P, Grid: grid, Patch: 2, Channels: 1, NormPix: true, Patches: patches, Pred: normRows(patches, P), Mask: mask}
	r := CompareBaselines(in)
	if r.MeanModel > 1e-20 || !(r.MeanCopy > 0.1) || !(math.Abs(r.MeanTrivial-float64(P-1)/P) < 1e-4) { // mean of t'² is (P−1)/P with the unbiased variance
		t.Errorf("perfect model: model %v copy %v trivial %v", r.MeanModel, r.MeanCopy, r.MeanTrivial)
	}
	n := 0
	for _, c := range r.All.Count {
		n += c
	}
	if want := L - (L+2)/3; n != want {
		t.Errorf("bins hold %d masked patches, want %d", n, want)
	}
	for _, c := range r.Interior.Count {
		n -= c
	}
	if n <= 0 {
		t.Errorf("interior bins hold every patch (%d left)", n)
	}
	// In-patch map: a prediction wrong only at pixel (0, 1) of every patch.
	pred := normRows(patches, P)
	for q := range L {
		pred[q*P+1] += 2
	}
	in.Pred = pred
	m := InPatchError(in)
	for e, v := range m {
		want := 0.0
		if e == 1 {
			want = 4
		}
		if math.Abs(v-want) > 1e-12 {
			t.Errorf("in-patch error %v, want 4 at pixel 1 only", m)
			break
		}
	}
}

func TestMaskAttention(t *testing.T) {
	// 3×3 grid, only the centre visible: every masked patch's nearest
	// visible token is token 5 (patch 4). Attention all on it gives share 1.
	grid := 3
	l, p := uniformLayout(1, 2, grid)
	clear(p)
	for h := range 2 {
		for q := range l.S {
			p[(h*l.S+q)*l.S+5] = 1
		}
	}
	mask := []float64{1, 1, 1, 1, 0, 1, 1, 1, 1}
	s := MaskAttention(p, l, mask)
	if len(s.Dist) != 2 || s.Dist[0] != 1 || math.Abs(s.Dist[1]-math.Sqrt2) > 1e-12 || s.Count[0] != 4 || s.Count[1] != 4 {
		t.Fatalf("bins %v counts %v", s.Dist, s.Count)
	}
	for b := range s.Dist {
		if math.Abs(s.Nearest[b]-1) > 1e-6 || s.OtherVisible[b] != 0 || s.Masked[b] != 0 || s.Cls[b] != 0 {
			t.Errorf("bin %d: %+v", b, s)
		}
	}
}

// TestInverseDistanceWeights: two visible patches at distances 1 and 2
// from a masked one weigh 1 and 1/4.
func TestInverseDistanceWeights(t *testing.T) {
	// 1×3 rows inside a 3×3 grid: patch 0 visible (value 4), patch 1
	// masked, patch 3 … only patches 0 and 2 of the first row visible,
	// masked patch 1 is at distance 1 from both; patch 5 is at distance
	// 1 from 2 and √5 from 0.
	patches := make([]float64, 9)
	mask := []float64{0, 1, 0, 1, 1, 1, 1, 1, 1}
	patches[0], patches[2] = 4, 8
	got := InverseDistance(patches, mask, 3)
	if want := (4*1 + 8*1) / 2.0; math.Abs(got[1]-want) > 1e-12 {
		t.Errorf("patch 1 = %v, want %v", got[1], want)
	}
	if want := (4/5.0 + 8) / (1/5.0 + 1); math.Abs(got[5]-want) > 1e-12 {
		t.Errorf("patch 5 = %v, want %v (weights 1/d²)", got[5], want)
	}
}

// TestInPatchErrorChannels: with two channels, an error in channel 1 of
// pixel 1 lands on pixel 1 of the map, halved (mean over channels).
func TestInPatchErrorChannels(t *testing.T) {
	const p, c = 2, 2
	P := p * p * c
	patches := make([]float64, 2*P)
	pred := make([]float64, 2*P)
	pred[P+1*c+1] = 2 // patch 1, pixel 1, channel 1
	m := InPatchError(ReconInput{N: 1, L: 2, P: P, Grid: 1, Patch: p, Channels: c, Patches: patches, Pred: pred, Mask: []float64{0, 1}})
	for i, v := range m {
		want := 0.0
		if i == 1 {
			want = 2
		}
		if v != want {
			t.Fatalf("in-patch map %v, want 2 at pixel 1 only", m)
		}
	}
}
