package mae

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/mae-vk/mae-vk/internal/rng"
)

// Masking is the per-sample random masking of one batch, as the reference's
// random_masking returns it (plus ids_shuffle and ids_keep). Indices are
// int32 so they can be uploaded to the GPU as they are.
type Masking struct {
	N, L, Keep int       // batch size, patches per sample, visible patches per sample
	IDsShuffle []int32   // [N, L] patch indices by ascending noise
	IDsKeep    []int32   // [N, Keep] visible patches, IDsShuffle[:, :Keep]
	IDsRestore []int32   // [N, L] inverse permutation: IDsShuffle[n, IDsRestore[n, j]] = j
	Mask       []float64 // [N, L] in original patch order, 0 visible, 1 removed
}

// RandomMasking draws uniform noise [N, L] from rng (sample by sample, patch
// by patch) and masks every sample as MaskingFromNoise does with
// cfg.NumPatches() patches and cfg.KeepCount() kept. It panics if n < 0.
func RandomMasking(cfg Config, n int, rng *RNG) Masking {
	if n < 0 {
		panic(fmt.Sprintf("mae: RandomMasking: n = %d", n))
	}
	l := cfg.NumPatches()
	noise := make([]float64, n*l)
	for i := range noise {
		noise[i] = rng.Float64()
	}
	return MaskingFromNoise(noise, n, l, cfg.KeepCount())
}

// MaskingFromNoise is the reference's random_masking for given noise [N, L]:
//
//	ids_shuffle = argsort(noise, dim=1)        (ascending; ties by index)
//	ids_restore = argsort(ids_shuffle, dim=1)
//	ids_keep    = ids_shuffle[:, :keep]
//	mask[n, ids_shuffle[n, i]] = 0 if i < keep else 1
//
// It panics if len(noise) != N·L or keep is outside [0, L].
func MaskingFromNoise(noise []float64, n, l, keep int) Masking {
	if n < 0 || l < 0 || len(noise) != n*l || keep < 0 || keep > l {
		panic(fmt.Sprintf("mae: MaskingFromNoise: len(noise) = %d with N=%d L=%d keep=%d", len(noise), n, l, keep))
	}
	m := Masking{
		N: n, L: l, Keep: keep,
		IDsShuffle: make([]int32, n*l),
		IDsKeep:    make([]int32, n*keep),
		IDsRestore: make([]int32, n*l),
		Mask:       make([]float64, n*l),
	}
	m.fill(noise)
	return m
}

// fill computes m's indices and mask from noise, in m's own slices.
func (m *Masking) fill(noise []float64) {
	n, l, keep := m.N, m.L, m.Keep
	for s := 0; s < n; s++ {
		row := noise[s*l : s*l+l]
		shuffle := m.IDsShuffle[s*l : s*l+l]
		for i := range shuffle {
			shuffle[i] = int32(i)
		}
		slices.SortStableFunc(shuffle, func(a, b int32) int { return cmp.Compare(row[a], row[b]) })
		copy(m.IDsKeep[s*keep:], shuffle[:keep])
		for i, id := range shuffle {
			m.IDsRestore[s*l+int(id)] = int32(i)
			v := 0.0
			if i >= keep {
				v = 1
			}
			m.Mask[s*l+int(id)] = v
		}
	}
}

// Masker draws random maskings of n samples into buffers it reuses, so
// that a training loop does not allocate per step. It masks exactly as
// RandomMasking with the same generator.
type Masker struct {
	noise []float64
	m     Masking
}

// NewMasker returns a Masker for batches of n images of cfg.
func NewMasker(cfg Config, n int) *Masker {
	l, keep := cfg.NumPatches(), cfg.KeepCount()
	return &Masker{noise: make([]float64, n*l), m: MaskingFromNoise(make([]float64, n*l), n, l, keep)}
}

// Draw draws the next masking from rng. The result is valid until the next
// Draw.
func (mk *Masker) Draw(rng *RNG) Masking {
	for i := range mk.noise {
		mk.noise[i] = rng.Float64()
	}
	mk.m.fill(mk.noise)
	return mk.m
}

// SampleMaskSeed is the seed of the masking noise of sample i (its index in
// the whole, undivided batch) of micro-batch b of a run with seed. Masks
// drawn from it depend only on (seed, b, i): never on how a batch is split
// over the processes of a data-parallel run.
func SampleMaskSeed(seed uint64, b int64, i int) uint64 {
	return rng.Derive(seed, 0x6d61736b /* "mask" */, uint64(b), uint64(i))
}

// DrawSamples draws the masking of the n samples first, first+1, … of
// micro-batch b of a run with seed: sample first+j's noise comes from its
// own generator, seeded with SampleMaskSeed(seed, b, first+j). The result
// is valid until the next draw.
func (mk *Masker) DrawSamples(seed uint64, b int64, first int) Masking {
	l := mk.m.L
	for j := range mk.m.N {
		r := rng.New(SampleMaskSeed(seed, b, first+j))
		for p := range l {
			mk.noise[j*l+p] = r.Float64()
		}
	}
	mk.m.fill(mk.noise)
	return mk.m
}
