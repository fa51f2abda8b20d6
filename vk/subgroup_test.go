package vk_test

import (
	"encoding/binary"
	"testing"

	"github.com/mae-vk/mae-vk/shaders"
	"github.com/mae-vk/mae-vk/vk"
	"github.com/mae-vk/mae-vk/vk/vktest"
)

// probeSubgroups runs shaders/subgroup_probe.comp on one workgroup of
// local invocations, its pipeline requiring subgroups of size (0: none),
// and returns per invocation gl_SubgroupSize, gl_NumSubgroups,
// gl_SubgroupID and gl_SubgroupInvocationID.
func probeSubgroups(t *testing.T, d *vk.Device, local, size int) [][4]uint32 {
	t.Helper()
	k, err := d.Kernel(vk.KernelSpec{Name: "subgroup_probe", SPIRV: shaders.MustSPIRV("subgroup_probe"),
		Slots: []vk.Slot{{Kind: vk.Storage, Access: vk.Write}}, Constants: []uint32{uint32(local)}, SubgroupSize: size})
	if err != nil {
		t.Fatal(err)
	}
	out, err := d.NewBuffer("probe", 16*local)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	poison := make([]byte, 16*local)
	for i := range poison {
		poison[i] = 0xff
	}
	if err := out.Write(0, poison); err != nil {
		t.Fatal(err)
	}
	rec, err := d.NewRecording()
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	rec.Dispatch(k, vk.Groups{1, 1, 1}, nil, out)
	if err := rec.Run(); err != nil {
		t.Fatal(err)
	}
	raw := make([]byte, 16*local)
	if err := out.Read(0, raw); err != nil {
		t.Fatal(err)
	}
	got := make([][4]uint32, local)
	for i := range got {
		for j := range got[i] {
			got[i][j] = binary.LittleEndian.Uint32(raw[16*i+4*j:])
		}
	}
	return got
}

// TestRequiredSubgroupSize builds the subgroup probe requiring each
// subgroup size the device lets a compute pipeline require
// (KernelSpec.SubgroupSize, as the cooperative-matrix kernels do) and
// checks what the invocations see: that size, full subgroups
// (gl_NumSubgroups · size = the workgroup) and each subgroup id with
// every lane exactly once. Without a required size gl_SubgroupSize is
// the device's subgroupSize (SPIR-V 1.3). A size the device cannot
// require is refused before Vulkan sees it.
func TestRequiredSubgroupSize(t *testing.T) {
	d := vktest.Open(t)
	info := d.Info
	const local = 64
	for _, p := range probeSubgroups(t, d, local, 0) {
		if int(p[0]) != info.SubgroupSize {
			t.Fatalf("no required size: gl_SubgroupSize %d, device subgroupSize %d", p[0], info.SubgroupSize)
		}
	}
	var sizes []int
	for s := max(info.SubgroupMin, 1); s <= info.SubgroupMax; s *= 2 {
		if info.CanRequireSubgroupSize(s, local) {
			sizes = append(sizes, s)
		}
	}
	if len(sizes) == 0 && info.SubgroupSizeCtl && info.FullSubgroups && info.SubgroupSizeCompute {
		t.Fatalf("%s has subgroup size control for compute, but no size %d..%d fits %d invocations",
			info.Name, info.SubgroupMin, info.SubgroupMax, local)
	}
	for _, size := range sizes {
		seen := map[[2]uint32]int{}
		for i, p := range probeSubgroups(t, d, local, size) {
			if int(p[0]) != size || int(p[1])*size != local || int(p[2]) >= local/size || int(p[3]) >= size {
				t.Fatalf("required %d: invocation %d sees size %d, %d subgroups, id %d, lane %d", size, i, p[0], p[1], p[2], p[3])
			}
			seen[[2]uint32{p[2], p[3]}]++
		}
		if len(seen) != local {
			t.Errorf("required %d: %d distinct (subgroup, lane) pairs among %d invocations", size, len(seen), local)
		}
	}
	t.Logf("%s: subgroupSize %d, sizes %d..%d, required and checked %v", info.Name, info.SubgroupSize, info.SubgroupMin, info.SubgroupMax, sizes)
	for _, bad := range []int{3, 2 * max(info.SubgroupMax, 1)} {
		if _, err := d.Kernel(vk.KernelSpec{Name: "subgroup_probe", SPIRV: shaders.MustSPIRV("subgroup_probe"),
			Slots: []vk.Slot{{Kind: vk.Storage, Access: vk.Write}}, Constants: []uint32{local}, SubgroupSize: bad}); err == nil {
			t.Errorf("subgroups of %d on %s (sizes %d..%d): no error", bad, info.Name, info.SubgroupMin, info.SubgroupMax)
		}
	}
}

// TestCanRequireSubgroupSize checks the decision on device descriptions:
// an Intel Xe2 (sizes 16..32, default 32), an AMD RDNA3 under RADV (32..64,
// default 64) and a device without subgroup size control.
func TestCanRequireSubgroupSize(t *testing.T) {
	xe2 := vk.DeviceInfo{SubgroupSize: 32, SubgroupMin: 16, SubgroupMax: 32, SubgroupSizeCtl: true,
		FullSubgroups: true, SubgroupSizeCompute: true, MaxWorkgroupSubgroups: 64}
	rdna3 := vk.DeviceInfo{SubgroupSize: 64, SubgroupMin: 32, SubgroupMax: 64, SubgroupSizeCtl: true,
		FullSubgroups: true, SubgroupSizeCompute: true, MaxWorkgroupSubgroups: 32}
	noFull := xe2
	noFull.FullSubgroups = false
	notCompute := xe2
	notCompute.SubgroupSizeCompute = false
	cases := []struct {
		name              string
		info              vk.DeviceInfo
		size, invocations int
		want              bool
	}{
		{"xe2 32 x4", xe2, 32, 128, true},
		{"xe2 16 x4", xe2, 16, 64, true},
		{"xe2 8: below the range", xe2, 8, 64, false},
		{"xe2 64: above the range", xe2, 64, 128, false},
		{"xe2 not whole subgroups", xe2, 32, 48, false},
		{"xe2 too many subgroups", xe2, 16, 16 * 65, false},
		{"rdna3 wave32", rdna3, 32, 128, true},
		{"rdna3 wave64", rdna3, 64, 256, true},
		{"not a power of two", vk.DeviceInfo{SubgroupMin: 16, SubgroupMax: 64, SubgroupSizeCtl: true, FullSubgroups: true, SubgroupSizeCompute: true, MaxWorkgroupSubgroups: 64}, 48, 96, false},
		{"no full subgroups", noFull, 32, 128, false},
		{"compute may not require", notCompute, 32, 128, false},
		{"no size control", vk.DeviceInfo{SubgroupSize: 32, SubgroupMin: 32, SubgroupMax: 32}, 32, 128, false},
	}
	for _, c := range cases {
		if got := c.info.CanRequireSubgroupSize(c.size, c.invocations); got != c.want {
			t.Errorf("%s: CanRequireSubgroupSize(%d, %d) = %v, want %v", c.name, c.size, c.invocations, got, c.want)
		}
	}
}
