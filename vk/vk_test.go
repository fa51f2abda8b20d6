package vk_test

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/mae-vk/mae-vk/shaders"
	"github.com/mae-vk/mae-vk/vk"
	"github.com/mae-vk/mae-vk/vk/vktest"
)

func axpyKernel(t testing.TB, d *vk.Device) *vk.Kernel {
	t.Helper()
	k, err := d.Kernel(vk.KernelSpec{
		Name:      "axpy",
		SPIRV:     shaders.MustSPIRV("axpy"),
		Slots:     []vk.Slot{{Kind: vk.Storage, Access: vk.Read}, {Kind: vk.Storage, Access: vk.ReadWrite}},
		PushBytes: len(vk.PushBytes(shaders.AxpyPush{})),
		Constants: []uint32{64},
	})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newFloats(t testing.TB, d *vk.Device, name string, v []float32) *vk.Buffer {
	t.Helper()
	b, err := d.NewBuffer(name, 4*len(v))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Release)
	if err := b.WriteFloat32(0, v); err != nil {
		t.Fatal(err)
	}
	return b
}

func readFloats(t testing.TB, b *vk.Buffer, n int) []float32 {
	t.Helper()
	out := make([]float32, n)
	if err := b.ReadFloat32(0, out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestListDevices(t *testing.T) {
	infos, err := vk.ListDevices()
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) == 0 {
		t.Fatal("no devices listed")
	}
	d := vktest.Open(t)
	t.Logf("device %q (%s), driver %s, API %s, subgroup %d, shared %d bytes, fp16 %v, storage16 %v",
		d.Info.Name, d.Info.Type, d.Info.Driver, d.Info.APIVersion, d.Info.SubgroupSize,
		d.Info.SharedMemoryBytes, d.Info.Float16, d.Info.Storage16)
	if d.Info.SubgroupSize < 1 || d.Info.MaxInvocations < 64 || d.Info.SharedMemoryBytes < 16384 {
		t.Errorf("implausible limits: %+v", d.Info)
	}
	if d.Info.DeviceLocalBytes == 0 || len(d.Info.Heaps) == 0 {
		t.Errorf("no device-local memory reported: %+v", d.Info.Heaps)
	}
	if d.Info.TimestampPeriodNs <= 0 {
		t.Errorf("timestamp period %v", d.Info.TimestampPeriodNs)
	}
}

func TestSelectByBadName(t *testing.T) {
	_, err := vk.Open(vk.Options{Device: "no-such-device-anywhere", PipelineCacheDir: "-"})
	if !errors.Is(err, vk.ErrNoDevice) {
		t.Fatalf("got %v, want ErrNoDevice", err)
	}
	_, err = vk.Open(vk.Options{Device: "99", PipelineCacheDir: "-"})
	if !errors.Is(err, vk.ErrNoDevice) {
		t.Fatalf("index 99: got %v, want ErrNoDevice", err)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, staging := range []bool{false, true} {
		name := "direct"
		if staging {
			name = "staging"
		}
		t.Run(name, func(t *testing.T) {
			d := vktest.OpenWith(t, vk.Options{Staging: staging})
			rng := rand.New(rand.NewPCG(1, 2))
			for _, n := range []int{1, 2, 3, 4, 5, 7, 1023, 4097, 1<<20 + 3, 64 << 20} {
				src := make([]byte, n)
				for i := range src {
					src[i] = byte(rng.Uint32())
				}
				b, err := d.NewBuffer("roundtrip", n)
				if err != nil {
					t.Fatal(err)
				}
				if err := b.Write(0, src); err != nil {
					t.Fatal(err)
				}
				got := make([]byte, n)
				if err := b.Read(0, got); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, src) {
					t.Fatalf("%d bytes: read back differs", n)
				}
				// An unaligned write in the middle keeps its neighbours.
				if n >= 7 {
					patch := []byte{0xAA, 0xBB, 0xCC}
					if err := b.Write(n/2+1, patch); err != nil {
						t.Fatal(err)
					}
					copy(src[n/2+1:], patch)
					part := make([]byte, n-n/3)
					if err := b.Read(n/3, part); err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(part, src[n/3:]) {
						t.Fatalf("%d bytes: unaligned write or read lost data", n)
					}
				}
				if err := b.Write(n, []byte{1}); err == nil {
					t.Fatalf("%d bytes: write past the end succeeded", n)
				}
				b.Release()
				b.Release() // harmless twice
			}
			if s := d.MemoryStats(); s.InUse != 0 || s.Peak < 64<<20 {
				t.Errorf("memory stats after release: %+v", s)
			}
		})
	}
}

func TestSubAllocation(t *testing.T) {
	d := vktest.Open(t)
	var bufs []*vk.Buffer
	for i := 0; i < 100; i++ {
		b, err := d.NewBuffer("small", 1000+i)
		if err != nil {
			t.Fatal(err)
		}
		bufs = append(bufs, b)
	}
	s := d.MemoryStats()
	if s.Blocks != 1 {
		t.Errorf("100 small buffers used %d device allocations, want 1", s.Blocks)
	}
	for i, b := range bufs {
		if err := b.WriteUint32(0, []uint32{uint32(i)}); err != nil {
			t.Fatal(err)
		}
	}
	for i, b := range bufs {
		got := make([]uint32, 1)
		if err := b.ReadUint32(0, got); err != nil {
			t.Fatal(err)
		}
		if got[0] != uint32(i) {
			t.Fatalf("buffer %d holds %d: buffers overlap", i, got[0])
		}
		b.Release()
	}
}

func TestOversizeAllocation(t *testing.T) {
	d := vktest.Open(t)
	if _, err := d.NewBuffer("huge", 1<<50); err == nil {
		t.Fatal("a 1 PiB buffer was allowed")
	} else {
		t.Log(err)
	}
	if _, err := d.NewBuffer("empty", 0); err == nil {
		t.Fatal("a 0-byte buffer was allowed")
	}
}

func TestBadSPIRV(t *testing.T) {
	d := vktest.Open(t)
	good := shaders.MustSPIRV("axpy")
	rng := rand.New(rand.NewPCG(3, 4))
	garbage := make([]byte, 400)
	for i := range garbage {
		garbage[i] = byte(rng.Uint32())
	}
	cases := map[string][]byte{
		"empty":       nil,
		"odd length":  good[:len(good)-1],
		"truncated":   good[:len(good)/2],
		"garbage":     garbage,
		"header only": good[:20],
	}
	for name, code := range cases {
		_, err := d.Kernel(vk.KernelSpec{Name: "bad-" + name, SPIRV: code,
			Slots: []vk.Slot{{vk.Storage, vk.Read}, {vk.Storage, vk.ReadWrite}}, PushBytes: len(vk.PushBytes(shaders.AxpyPush{}))})
		if err == nil {
			t.Errorf("%s SPIR-V accepted", name)
		}
	}
}

func TestKernelCache(t *testing.T) {
	d := vktest.Open(t)
	a, b := axpyKernel(t, d), axpyKernel(t, d)
	if a != b {
		t.Error("same spec built twice")
	}
	spec := a.Spec
	spec.Constants = []uint32{32}
	c, err := d.Kernel(spec)
	if err != nil {
		t.Fatal(err)
	}
	if c == a {
		t.Error("different constants share a pipeline")
	}
}

func TestAxpy(t *testing.T) {
	d := vktest.Open(t)
	k := axpyKernel(t, d)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 7, 64, 1000, 65537} {
		x, y := make([]float32, n), make([]float32, n)
		for i := range x {
			x[i], y[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
		}
		a := float32(rng.NormFloat64())
		bx, by := newFloats(t, d, "x", x), newFloats(t, d, "y", y)
		rec, err := d.NewRecording()
		if err != nil {
			t.Fatal(err)
		}
		rec.Dispatch(k, vk.Groups{min((n+63)/64, 256), 1, 1}, vk.PushBytes(shaders.AxpyPush{N: uint32(n), A: a}), bx, by)
		if err := rec.Run(); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		got := readFloats(t, by, n)
		var num, den float64
		for i := range got {
			want := float64(a)*float64(x[i]) + float64(y[i])
			num += (float64(got[i]) - want) * (float64(got[i]) - want)
			den += want * want
		}
		if rel := math.Sqrt(num / den); !(rel < 1e-6) {
			t.Errorf("n=%d: relative error %.3g", n, rel)
		}
	}
}

func TestReduceSum(t *testing.T) {
	d := vktest.Open(t)
	for _, local := range []uint32{32, 64, 256} {
		k, err := d.Kernel(vk.KernelSpec{
			Name: "reduce_sum", SPIRV: shaders.MustSPIRV("reduce_sum"),
			Slots:     []vk.Slot{{vk.Storage, vk.Read}, {vk.Storage, vk.Write}},
			PushBytes: len(vk.PushBytes(shaders.ReducePush{})), Constants: []uint32{local},
		})
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(7, uint64(local)))
		for _, n := range []int{1, 3, 255, 10007, 1 << 18} {
			x := make([]float32, n)
			var want float64
			for i := range x {
				x[i] = float32(rng.Float64())
				want += float64(x[i])
			}
			const groups = 37
			bx := newFloats(t, d, "x", x)
			partial := newFloats(t, d, "partial", make([]float32, groups))
			total := newFloats(t, d, "total", []float32{float32(math.NaN())})
			rec, err := d.NewRecording()
			if err != nil {
				t.Fatal(err)
			}
			rec.Dispatch(k, vk.Groups{groups, 1, 1}, vk.PushBytes(uint32(n)), bx, partial)
			rec.Dispatch(k, vk.Groups{1, 1, 1}, vk.PushBytes(uint32(groups)), partial, total)
			if err := rec.Run(); err != nil {
				t.Fatal(err)
			}
			rec.Release()
			got := float64(readFloats(t, total, 1)[0])
			if rel := math.Abs(got-want) / want; !(rel < 1e-5) {
				t.Errorf("local %d, n=%d: sum %v, want %v (relative error %.3g)", local, n, got, want, rel)
			}
		}
	}
}

// TestDependentChain replays 1,000 dispatches that each read what the one
// before wrote. The validation layer does not catch a missing barrier
// between dispatches; the exact result and the barrier count do.
func TestDependentChain(t *testing.T) {
	d := vktest.Open(t)
	k := axpyKernel(t, d)
	const n, chain, replays = 4096, 1000, 3
	ones := make([]float32, n)
	start := make([]float32, n)
	for i := range ones {
		ones[i], start[i] = 1, float32(i%7)
	}
	x, y := newFloats(t, d, "ones", ones), newFloats(t, d, "y", start)
	rec, err := d.NewRecording()
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	push := vk.PushBytes(shaders.AxpyPush{N: n, A: 1})
	for i := 0; i < chain; i++ {
		rec.Dispatch(k, vk.Groups{4, 1, 1}, push, x, y)
	}
	if err := rec.End(); err != nil {
		t.Fatal(err)
	}
	// One barrier at the start, then one between each pair of dispatches.
	if rec.Barriers != chain {
		t.Errorf("recorded %d barriers for %d dependent dispatches, want %d", rec.Barriers, chain, chain)
	}
	for r := 0; r < replays; r++ {
		if err := rec.Run(); err != nil {
			t.Fatal(err)
		}
	}
	got := readFloats(t, y, n)
	for i, v := range got {
		if want := float32(i%7 + chain*replays); v != want {
			t.Fatalf("y[%d] = %v after %d×%d dispatches, want %v", i, v, replays, chain, want)
		}
	}
}

// TestIndependentDispatches checks that no barrier separates dispatches
// that share only read-only inputs or write disjoint ranges.
func TestIndependentDispatches(t *testing.T) {
	d := vktest.Open(t)
	k := axpyKernel(t, d)
	const n = 256
	align := int(max(d.Info.StorageAlign, 4))
	ones := make([]float32, n)
	for i := range ones {
		ones[i] = 1
	}
	x := newFloats(t, d, "x", ones)
	stride := (4*n + align - 1) / align * align
	y := newFloats(t, d, "y", make([]float32, 8*stride/4))
	rec, err := d.NewRecording()
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	for i := 0; i < 8; i++ {
		rec.Dispatch(k, vk.Groups{1, 1, 1}, vk.PushBytes(shaders.AxpyPush{N: n, A: float32(i)}), x, y.Span(i*stride, 4*n))
	}
	if err := rec.Run(); err != nil {
		t.Fatal(err)
	}
	if rec.Barriers != 1 {
		t.Errorf("%d barriers for 8 independent dispatches, want only the initial one", rec.Barriers)
	}
	got := readFloats(t, y, 8*stride/4)
	for i := 0; i < 8; i++ {
		if v := got[i*stride/4+n-1]; v != float32(i) {
			t.Errorf("slice %d holds %v, want %d", i, v, i)
		}
	}
}

func TestTimestamps(t *testing.T) {
	d := vktest.OpenWith(t, vk.Options{Profile: true})
	if !d.Profiling() {
		t.Skip("device has no timestamps")
	}
	k := axpyKernel(t, d)
	x := newFloats(t, d, "x", make([]float32, 1<<16))
	y := newFloats(t, d, "y", make([]float32, 1<<16))
	rec, err := d.NewRecording()
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	for i := 0; i < 3; i++ {
		rec.Dispatch(k, vk.Groups{64, 1, 1}, vk.PushBytes(shaders.AxpyPush{N: 1 << 16, A: 1}), x, y)
	}
	if err := rec.Run(); err != nil {
		t.Fatal(err)
	}
	times, err := rec.Timings()
	if err != nil {
		t.Fatal(err)
	}
	if len(times) != 3 {
		t.Fatalf("%d timings for 3 dispatches", len(times))
	}
	for _, tm := range times {
		if tm.Duration <= 0 || tm.Kernel != "axpy<64>" {
			t.Errorf("timing %+v", tm)
		}
	}
}

func TestPipelineCacheFile(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 2; i++ {
		d := vktest.OpenWith(t, vk.Options{PipelineCacheDir: dir})
		axpyKernel(t, d)
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "pipelines-*.bin"))
	if len(files) != 1 {
		t.Fatalf("pipeline cache files: %v", files)
	}
	if st, err := os.Stat(files[0]); err != nil || st.Size() == 0 {
		t.Fatalf("pipeline cache file: %v %v", st, err)
	}
}

func TestUnreleasedBufferIsReported(t *testing.T) {
	d, err := vk.Open(vk.OptionsFromEnv(vk.Options{PipelineCacheDir: "-", OnMessage: func(vk.Message) {}}))
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.NewBuffer("forgotten", 16)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err == nil {
		t.Error("Close did not report a buffer that was never released")
	}
	_ = b
	// The layer sees the VkBuffer outlive its device: this proves that
	// messages reach Go, so a clean run elsewhere means something.
	if d.Validating() {
		if _, errs, first := d.Messages(); errs == 0 {
			t.Error("the validation layer did not report the leaked buffer")
		} else {
			t.Logf("reported as expected: %v", first[0])
		}
	}
}
