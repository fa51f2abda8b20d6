package mae

import (
	"fmt"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
)

// readAct downloads n elements, from element off on, of the model's buffer
// b as fp32, widening them when b is stored 16-bit (allocAct).
func (m *Model) readAct(b *vk.Buffer, off, n int) ([]float32, error) {
	v := make([]float32, n)
	if !m.halfBufs[b] {
		return v, b.ReadFloat32(off, v)
	}
	// Two elements a word, element 2i in the low half (ops.PackHalf).
	first, end := off/2, (off+n+1)/2
	words := make([]uint32, end-first)
	if err := b.ReadUint32(first, words); err != nil {
		return nil, err
	}
	copy(v, ops.UnpackHalf(m.prec, words, 2*len(words))[off-2*first:])
	return v, nil
}

// recordWiden records, when b is stored 16-bit, its n elements cast to
// fp32 into a new buffer, which it returns with a function that frees it;
// an fp32 b is returned as it is. For the fp32-only paths (the unfused
// attention) that read an activation.
func (m *Model) recordWiden(r *vk.Recording, b *vk.Buffer, n int) (*vk.Buffer, func(), error) {
	if !m.halfBufs[b] {
		return b, func() {}, nil
	}
	w, err := m.d.NewBuffer(b.Name+" (fp32)", 4*max(n, 1))
	if err != nil {
		return nil, nil, fmt.Errorf("mae: %w", err)
	}
	if err := m.o.Cast(r, m.prec, false, b, w, n); err != nil {
		w.Release()
		return nil, nil, fmt.Errorf("mae: widen %s: %w", b.Name, err)
	}
	return w, w.Release, nil
}
