package ops

import (
	"testing"

	"github.com/mae-vk/mae-vk/vk"
)

// TestCoopMatSubgroupSize: real cooperative-matrix pipelines require the
// plan's Lanes where the device allows it (an Intel Xe2 and an AMD RDNA3
// under Mesa, an NVIDIA GPU), never the emulated ones, and none on a
// device without subgroup size control or where the workgroup is not
// whole subgroups of that size.
func TestCoopMatSubgroupSize(t *testing.T) {
	ctl := func(def, lo, hi int) vk.DeviceInfo {
		return vk.DeviceInfo{SubgroupSize: def, SubgroupMin: lo, SubgroupMax: hi, SubgroupSizeCtl: true,
			FullSubgroups: true, SubgroupSizeCompute: true, MaxWorkgroupSubgroups: 32}
	}
	xe2, rdna3, nvidia := ctl(32, 16, 32), ctl(64, 32, 64), ctl(32, 32, 32)
	cases := []struct {
		name               string
		info               vk.DeviceInfo
		lanes, invocations int
		emulated           bool
		want               int
	}{
		{"xe2 2x2 subgroups", xe2, 32, 128, false, 32},
		{"rdna3 4 subgroups", rdna3, 64, 256, false, 64},
		{"nvidia 1 subgroup", nvidia, 32, 32, false, 32},
		{"emulated", xe2, 32, 128, true, 0},
		{"no size control", vk.DeviceInfo{SubgroupSize: 32, SubgroupMin: 32, SubgroupMax: 32}, 32, 128, false, 0},
		{"lanes outside the range", xe2, 64, 128, false, 0},
		{"not whole subgroups", xe2, 32, 48, false, 0},
	}
	for _, c := range cases {
		if got := coopMatSubgroupSize(c.info, c.lanes, c.invocations, c.emulated); got != c.want {
			t.Errorf("%s: coopMatSubgroupSize(lanes %d, %d invocations, emulated %v) = %d, want %d",
				c.name, c.lanes, c.invocations, c.emulated, got, c.want)
		}
	}
}
