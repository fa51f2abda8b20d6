package vk

import "testing"

func TestDeviceForLocalRank(t *testing.T) {
	gpu := func(name string) DeviceInfo {
		return DeviceInfo{Name: name, Type: TypeDiscrete, MaxInvocations: 1024}
	}
	infos := []DeviceInfo{gpu("a"), {Name: "cpu", Type: TypeCPU, MaxInvocations: 1024}, gpu("b")}
	for local, want := range []int{0, 2, 0} {
		got, err := DeviceForLocalRank(infos, local)
		if err != nil || got != want {
			t.Errorf("local rank %d: device %d, %v; want %d", local, got, err, want)
		}
	}
}
