package vk

import "fmt"

// DeviceForLocalRank picks the device of the process with local rank local
// among the processes of a data-parallel run on one node: the devices of
// the best type (as the default choice ranks them) that have a compute
// queue, in loader order, taken round-robin. It returns the device's index
// in infos.
func DeviceForLocalRank(infos []DeviceInfo, local int) (int, error) {
	best, err := selectDevice(infos, "")
	if err != nil {
		return 0, err
	}
	var same []int
	for i, d := range infos {
		if d.Type == infos[best].Type && d.computeFamily != ^uint32(0) {
			same = append(same, i)
		}
	}
	if local < 0 {
		return 0, fmt.Errorf("vulkan: local rank %d: must not be negative", local)
	}
	return same[local%len(same)], nil
}
