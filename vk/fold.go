package vk

// FoldX is the grid for x logical workgroups along x (and z along z) that
// fits this device's maxComputeWorkGroupCount: {x, 1, z} when x fits,
// otherwise x folded into y as {X, Y, z} with X·Y ≥ x, X within the x
// limit and Y as small as it can be. Shaders rebuild the logical index
// with folded_group_x() (shaders/include/common.glsl):
//
//	gx = gl_WorkGroupID.x + gl_NumWorkGroups.x · gl_WorkGroupID.y
//
// and skip gx ≥ x: a folded grid holds fewer than Y such workgroups, whole
// workgroups, so a shader may return before a barrier. A grid too large
// even when folded, or a z above the z limit, is left for Dispatch to
// refuse with an error that names the kernel.
func (d DeviceInfo) FoldX(x, z int) Groups {
	maxX := d.MaxWorkgroupCount[0]
	if x <= maxX || maxX < 1 {
		return Groups{max(x, 1), 1, max(z, 1)}
	}
	y := (x + maxX - 1) / maxX
	return Groups{(x + y - 1) / y, y, max(z, 1)}
}
