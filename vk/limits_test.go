package vk_test

import (
	"strings"
	"testing"

	"github.com/mae-vk/mae-vk/shaders"
	"github.com/mae-vk/mae-vk/vk"
	"github.com/mae-vk/mae-vk/vk/vktest"
)

func TestClampAndSetLimits(t *testing.T) {
	big := vk.DeviceInfo{
		MaxWorkgroupCount: [3]int{1 << 31, 65535, 65535}, MaxWorkgroupSize: [3]int{1024, 1024, 64},
		MaxInvocations: 1024, SharedMemoryBytes: 48 << 10, MaxPushConstants: 256,
		MaxTexelElements: 1 << 28, MaxStorageRange: 1 << 32,
	}
	s := vk.StrictLimits()
	c := big.Clamp(s)
	if c.MaxWorkgroupCount != s.WorkgroupCount || c.MaxInvocations != 256 || c.MaxWorkgroupSize != [3]int{256, 256, 64} ||
		c.SharedMemoryBytes != 32<<10 || c.MaxPushConstants != 128 || c.MaxTexelElements != 1<<27 || c.MaxStorageRange != 1<<30 || !c.Clamped {
		t.Errorf("Clamp(StrictLimits) = %+v", c)
	}
	small := vk.DeviceInfo{MaxInvocations: 128, MaxTexelElements: 65536, MaxStorageRange: 1 << 27}
	if c := small.Clamp(s); c.MaxInvocations != 128 || c.MaxTexelElements != 65536 || c.MaxStorageRange != 1<<27 {
		t.Errorf("Clamp raised a limit: %+v", c)
	}
	if c := small.SetLimits(s); c.MaxInvocations != 256 || c.MaxTexelElements != 1<<27 || c.MaxStorageRange != 1<<30 {
		t.Errorf("SetLimits did not set: %+v", c)
	}
}

func TestLimitsFromEnv(t *testing.T) {
	t.Setenv("MAEVK_LIMITS", "lenient")
	if _, err := vk.LimitsFromEnv(); err == nil || !strings.Contains(err.Error(), "MAEVK_LIMITS") {
		t.Errorf("MAEVK_LIMITS=lenient: %v", err)
	}
	t.Setenv("MAEVK_LIMITS", "strict")
	if l, err := vk.LimitsFromEnv(); err != nil || l == nil || *l != vk.StrictLimits() {
		t.Errorf("MAEVK_LIMITS=strict: %v, %v", l, err)
	}
}

// TestClampedDispatchLimit opens the device clamped to tiny workgroup
// counts: a dispatch within them runs, one beyond is refused with an error
// naming the dimension and the limit.
func TestClampedDispatchLimit(t *testing.T) {
	lim := vk.Limits{WorkgroupCount: [3]int{3, 2, 2}}
	d := vktest.OpenWith(t, vk.Options{Clamp: &lim})
	if d.Info.MaxWorkgroupCount != lim.WorkgroupCount {
		t.Fatalf("clamped counts %v, want %v", d.Info.MaxWorkgroupCount, lim.WorkgroupCount)
	}
	k := axpyKernel(t, d)
	bx, by := newFloats(t, d, "x", make([]float32, 256)), newFloats(t, d, "y", make([]float32, 256))
	for _, c := range []struct {
		groups vk.Groups
		err    string
	}{
		{vk.Groups{3, 1, 1}, ""},
		{vk.Groups{4, 1, 1}, "4 workgroups in dimension 0 (device allows 1..3)"},
	} {
		rec, err := d.NewRecording()
		if err != nil {
			t.Fatal(err)
		}
		rec.Dispatch(k, c.groups, vk.PushBytes(shaders.AxpyPush{N: 256, A: 1}), bx, by)
		err = rec.Run()
		rec.Release()
		if c.err == "" && err != nil || c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
			t.Errorf("groups %v: %v, want %q", c.groups, err, c.err)
		}
	}
}
