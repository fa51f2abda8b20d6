package ops

import (
	"fmt"

	"github.com/mae-vk/mae-vk/shaders"
	"github.com/mae-vk/mae-vk/vk"
)

// ComposeParams is the geometry of one viewer frame: the push constants
// of shaders/compose.comp.
type ComposeParams = shaders.ComposePush

// Compose records one frame of the viewer (see shaders/compose.comp and
// ComposeRef): scene [SrcW·SrcH] packed RGBA8, heat [Rows·Grid²] in
// 0..255, ui [UIW·UIH] packed RGBA8 with alpha, into frame
// [FrameW·FrameH]. It panics on a zero scale or a binding that is too
// small.
func (o *Ops) Compose(r *vk.Recording, p ComposeParams, scene, heat, ui, frame vk.Binding) error {
	const op = "Compose"
	if p.Scale == 0 || p.UIScale == 0 || p.Patch == 0 {
		panic(fmt.Sprintf("ops: %s: scale %d, UI scale %d, patch %d: need ≥ 1", op, p.Scale, p.UIScale, p.Patch))
	}
	n := int(p.FrameW) * int(p.FrameH)
	need(op, "scene", scene, int(p.SrcW*p.SrcH))
	need(op, "heat", heat, int(p.Rows*p.Grid*p.Grid))
	need(op, "ui", ui, int(p.UIW*p.UIH))
	need(op, "frame", frame, n)
	if n == 0 {
		return nil
	}
	pb := vk.PushBytes(p)
	k, err := o.kernel("compose", uint32(o.local))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	r.Dispatch(k, o.groups1D(n), pb, scene, heat, ui, frame)
	return nil
}
