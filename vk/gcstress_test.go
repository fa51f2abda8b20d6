package vk_test

import (
	"runtime"
	"runtime/debug"
	"sync"
	"testing"

	"github.com/mae-vk/mae-vk/shaders"
	"github.com/mae-vk/mae-vk/vk"
	"github.com/mae-vk/mae-vk/vk/vktest"
)

// TestGCStress builds kernels (shader module, set layout, pipeline layout,
// pipeline), descriptor pools and sets, and recordings in a loop while
// another goroutine forces garbage collection without pause. Any Vulkan
// call that let the collector free memory the driver still reads (the
// vulkan-go finalizer problem, see doc.go) shows up as a crash, a
// validation message or a wrong sum.
func TestGCStress(t *testing.T) {
	d := vktest.Open(t)
	defer debug.SetGCPercent(debug.SetGCPercent(1))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				runtime.GC()
			}
		}
	}()
	defer func() { close(stop); wg.Wait() }()

	const n, perRecording = 100, 150 // more dispatches than one descriptor pool holds
	ones := make([]float32, n)
	for i := range ones {
		ones[i] = 1
	}
	x := newFloats(t, d, "x", ones)
	y := newFloats(t, d, "y", make([]float32, n))
	iterations := 10
	if testing.Short() {
		iterations = 3
	}
	for it := 1; it <= iterations; it++ {
		// A new specialization constant each time: a new pipeline, not a cached one.
		k, err := d.Kernel(vk.KernelSpec{
			Name:      "axpy",
			SPIRV:     shaders.MustSPIRV("axpy"),
			Slots:     []vk.Slot{{Kind: vk.Storage, Access: vk.Read}, {Kind: vk.Storage, Access: vk.ReadWrite}},
			PushBytes: len(vk.PushBytes(shaders.AxpyPush{})),
			Constants: []uint32{uint32(8 * it)},
		})
		if err != nil {
			t.Fatal(err)
		}
		rec, err := d.NewRecording()
		if err != nil {
			t.Fatal(err)
		}
		for range perRecording {
			rec.Dispatch(k, vk.Groups{1, 1, 1}, vk.PushBytes(shaders.AxpyPush{N: n, A: 1}), x, y)
		}
		if err := rec.Run(); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		got := readFloats(t, y, n)
		for i, v := range got {
			if v != float32(it*perRecording) {
				t.Fatalf("iteration %d: y[%d] = %v, want %d", it, i, v, it*perRecording)
			}
		}
	}
}
