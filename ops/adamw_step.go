package ops

import (
	"fmt"

	"github.com/mae-vk/mae-vk/shaders"
	"github.com/mae-vk/mae-vk/vk"
)

// adamwCounted records AdamW with the step count on the device (b.Step
// bound): the update reading its t from b.Step, then the count advanced
// unless the update was skipped (clip != 0 and a non-finite norm).
func (o *Ops) adamwCounted(r *vk.Recording, b AdamWBuffers, n int, push []byte, norm, decay vk.Binding, clip uint32) error {
	const op = "AdamW"
	need(op, "Step", b.Step, 1)
	k, err := o.kernel("adamw_step", uint32(o.local))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	count, err := o.kernel("adamw_count", 1)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	r.Dispatch(k, o.groups1D(n), push, b.Param, b.Grad, b.M, b.V, b.Hyper, norm, decay, b.Step)
	r.Dispatch(count, vk.Groups{1, 1, 1}, vk.PushBytes(shaders.AdamWCountPush{Clip: clip}), norm, b.Step)
	return nil
}
