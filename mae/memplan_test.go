package mae

import (
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
	"github.com/mae-vk/mae-vk/vk/vktest"
)

// TestMemoryPlanMatchesAllocation builds a model and a stepper with
// gradient accumulation, in every precision the device runs, and compares
// what they allocated with the plan: the same number of buffers, and the
// plan's bytes at least what is in use and at most 256 bytes per buffer
// more (the plan assumes the largest alignment a device may ask for).
func TestMemoryPlanMatchesAllocation(t *testing.T) {
	d := vktest.Open(t)
	for _, p := range ops.Precisions {
		if !p.Supported(d.Info) {
			t.Logf("%s cannot run %v", d.Info.Name, p)
			continue
		}
		t.Run(p.String(), func(t *testing.T) { checkMemoryPlan(t, ops.New(d), p) })
	}
	// With the cooperative-matrix family (emulated) an fp16 model also
	// keeps the 16-bit output-gradient copy.
	if ops.FP16.Supported(d.Info) {
		t.Run("fp16 cooperative matrices", func(t *testing.T) {
			o := ops.New(d)
			if on, err := o.EnableCoopMat(ops.CoopMatEmulate, t.TempDir(), func(msg string) { t.Error(msg) }); err != nil || !on {
				t.Fatalf("EnableCoopMat(emulate) = %v, %v", on, err)
			}
			if StorageBytesFor(o, ops.FP16).GradCopy != 2 {
				t.Errorf("StorageBytesFor: no fp16 gradient copy with the family in use")
			}
			checkMemoryPlan(t, o, ops.FP16)
		})
	}
}

// checkMemoryPlan is TestMemoryPlanMatchesAllocation in precision p on o.
func checkMemoryPlan(t *testing.T, o *ops.Ops, p ops.Precision) {
	cfg, _ := Preset("micro")
	const batch, accum = 5, 2
	d := o.Device()
	plan, err := PlanRun(d, cfg, batch, accum, StorageBytesFor(o, p))
	if err != nil {
		t.Fatal(err)
	}
	before := d.MemoryStats()
	m, err := NewModelPrecision(o, cfg, batch, p)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	st, err := NewStepper(m, ops.AdamWConfig{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8}, accum)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Release()
	after := d.MemoryStats()
	used, buffers := after.InUse-before.InUse, after.Live-before.Live
	if buffers != plan.Buffers {
		t.Errorf("%d buffers allocated, the plan counts %d", buffers, plan.Buffers)
	}
	if plan.Total < used || plan.Total > used+256*uint64(buffers) {
		t.Errorf("plan %d bytes, allocated %d in %d buffers: want plan within [allocated, allocated + 256 per buffer]",
			plan.Total, used, buffers)
	}
	t.Logf("plan %v; allocated %d bytes", plan, used)
}

// TestMemoryPlanScales checks the plan's arithmetic without a device:
// inputs scale with slots and micro-batches, and 16-bit activations take
// less memory than fp32 ones.
func TestMemoryPlanScales(t *testing.T) {
	cfg, _ := Preset("tiny")
	one, err := PlanMemory(cfg, RunShape{Batch: 32, Accum: 1, Slots: 2})
	if err != nil {
		t.Fatal(err)
	}
	three, err := PlanMemory(cfg, RunShape{Batch: 32, Accum: 3, Slots: 2})
	if err != nil {
		t.Fatal(err)
	}
	if three.PerSlot != 3*one.PerSlot || three.Inputs != 2*three.PerSlot || three.Activations != one.Activations {
		t.Errorf("accum 3 vs 1: per slot %d vs %d, inputs %d, activations %d vs %d",
			three.PerSlot, one.PerSlot, three.Inputs, three.Activations, one.Activations)
	}
	half, err := PlanMemory(cfg, RunShape{Batch: 32, Accum: 1, Slots: 2, Bytes: StorageBytes{Activation: 2, WeightCopy: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if !(half.Activations < one.Activations && half.Parameters > one.Parameters && half.Optimizer == one.Optimizer) {
		t.Errorf("16-bit plan %v vs fp32 %v", half, one)
	}
	if _, err := PlanMemory(cfg, RunShape{Batch: 0, Accum: 1}); err == nil || !strings.Contains(err.Error(), "--batch") {
		t.Errorf("batch 0: %v, want an error naming --batch", err)
	}
}

// TestMemoryPlanRefusesImpossibleBatch asks Train for vit-b16 at batch
// 4096 (tens of GiB): it must refuse with one line naming what is needed,
// what the device holds and the flags that lower it, before allocating
// anything: no device memory, no loader buffers (the batches alone would
// be 2.5 GB of host memory each).
func TestMemoryPlanRefusesImpossibleBatch(t *testing.T) {
	d := vktest.Open(t)
	cfg := microTrainConfig(t, 1)
	cfg.Preset = "vit-b16"
	cfg.Model, _ = Preset("vit-b16")
	cfg.Batch, cfg.Augment = 4096, "mae" // the loader would take 28 px images
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	hostBefore := ms.TotalAlloc
	_, err := Train(context.Background(), ops.New(d), cfg)
	if err == nil {
		t.Fatal("vit-b16 at batch 4096 accepted")
	}
	msg := err.Error()
	for _, want := range []string{"needs", "GiB", d.Info.Name, "--batch", "--accum", "--precision"} {
		if !strings.Contains(msg, want) {
			t.Errorf("refusal %q does not mention %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("refusal spans several lines: %q", msg)
	}
	if s := d.MemoryStats(); s.Bytes != 0 || s.Peak != 0 {
		t.Errorf("device memory allocated before the refusal: %+v", s)
	}
	runtime.ReadMemStats(&ms)
	if grew := ms.TotalAlloc - hostBefore; grew > 64<<20 {
		t.Errorf("%d MiB of host memory allocated before the refusal", grew>>20)
	}
}

// TestMemoryPlanFits checks the refusal's limits on a made-up device.
func TestMemoryPlanFits(t *testing.T) {
	p := MemoryPlan{Total: 3 << 30, Largest: 2 << 30}
	info := vk.DeviceInfo{Name: "dev", Heaps: []vk.MemoryHeap{{Bytes: 4 << 30, DeviceLocal: true}}, MaxStorageRange: 1 << 30}
	if err := p.Fits(info); err == nil || !strings.Contains(err.Error(), "per buffer") {
		t.Errorf("a 2 GiB buffer with 1 GiB bindings: %v", err)
	}
	info.MaxStorageRange = 4 << 30
	if err := p.Fits(info); err != nil {
		t.Errorf("a fitting plan refused: %v", err)
	}
	info.Heaps[0].Bytes = 2 << 30
	if err := p.Fits(info); err == nil || !strings.Contains(err.Error(), "3.00 GiB") {
		t.Errorf("3 GiB on a 2 GiB heap: %v", err)
	}
}
