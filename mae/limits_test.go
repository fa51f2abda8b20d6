package mae

import (
	"testing"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
	"github.com/mae-vk/mae-vk/vk/vktest"
)

// TestVitB16StepWithinStrictLimits records the whole training step of
// vit-b16 at batch 256 (the reference recipe; one of its GEMMs needs 75648
// workgroups along x unfolded) on a dry device clamped to the strictest
// real-GPU limits: every dispatch must be recordable. Dry buffers take no
// memory, so the 24 GiB the run needs are never allocated.
func TestVitB16StepWithinStrictLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the vit-b16 kernels")
	}
	lim := vk.StrictLimits()
	d := vktest.OpenWith(t, vk.Options{DryRun: true, Clamp: &lim})
	cfg, err := Preset("vit-b16")
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewModel(ops.New(d), cfg, 256)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	st, err := NewStepper(m, ops.AdamWConfig{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.05}, 1)
	if err != nil {
		t.Fatalf("vit-b16 batch 256 under %+v: %v", lim, err)
	}
	defer st.Release()
	if n := st.Recording().Dispatches; n < 100 {
		t.Errorf("%d dispatches recorded for a vit-b16 step, want hundreds", n)
	}
	t.Logf("%d dispatches, %d barriers", st.Recording().Dispatches, st.Recording().Barriers)
}
