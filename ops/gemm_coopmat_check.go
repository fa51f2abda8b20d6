package ops

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/mae-vk/mae-vk/internal/atomicfile"
	"github.com/mae-vk/mae-vk/vk"
)

// coopMatCheckTol is the relative error the self-check allows: fp16 and
// bf16 inputs are exact in fp32, so only the fp32 accumulation order
// differs from the float64 reference.
const coopMatCheckTol = 1e-4

// coopMatVerdict is the stored outcome of one variant's self-check.
type coopMatVerdict struct {
	Passed bool    `json:"passed"`
	RelErr float64 `json:"rel_err"`
}

// coopMatCheckFile is where the self-check verdicts of this device and
// driver version are kept, beside the GEMM tuning: a new driver checks
// again.
func coopMatCheckFile(dir string, info vk.DeviceInfo) string {
	return filepath.Join(dir, fmt.Sprintf("coopmat-%s-%08x.json", info.FileKey(), info.DriverVersion))
}

// CheckCoopMat reports whether plan's variant may be used on this device:
// it runs one small product of awkward shape (B transposed, bias, GELU;
// partial blocks and K slices) against GemmRef on inputs rounded to the
// plan's 16-bit format (fp16 or bf16), once per device, driver version
// and blocking of the variant (checkKey), keeping the verdict
// in dir (no file when dir is ""). On a failure warn is called once per
// Ops with a message naming the variant, and the caller falls back to
// another GEMM family. An error means the check could not run.
func (o *Ops) CheckCoopMat(plan CoopMatPlan, dir string, warn func(string)) (bool, error) {
	return o.checkCoopMat(plan, dir, warn, GemmRef)
}

// checkCoopMat is CheckCoopMat with the reference as a parameter, so that
// a test can force a wrong answer.
func (o *Ops) checkCoopMat(plan CoopMatPlan, dir string, warn func(string),
	ref func(s GemmSpec, a, b, c, bias, residual []float64)) (bool, error) {
	return o.coopMatVerdict(plan.checkKey(), dir, coopMatCheckTol, warn,
		func() (float64, error) { return o.runCoopMatCheck(plan, ref) },
		func(relErr float64) string {
			return fmt.Sprintf("cooperative-matrix GEMM %v failed its self-check on %s (relative error %.3g): using the %s family instead",
				plan, o.d.Info.Name, relErr, o.gemm.Family)
		})
}

// checkKey names plan's verdict: the variant and its blocking (the
// subgroups, fragments and K slices change the kernel's indexing, so each
// is checked on its own).
func (p CoopMatPlan) checkKey() string {
	fm, fn := p.frags()
	return fmt.Sprintf("%s %dx%d %dx%d k%d", p.Variant, p.WM, p.WN, fm, fn, p.kSteps())
}

// coopMatVerdict is the self-check machinery of every cooperative-matrix
// family: the verdict on key (a variant, or a family's variants at one
// size) for this device and driver version, read from dir or found by
// run (the relative error against the CPU reference, passing below tol)
// and stored there; on a failure warn gets message(relErr) once per Ops
// and key.
func (o *Ops) coopMatVerdict(key, dir string, tol float64, warn func(string),
	run func() (float64, error), message func(relErr float64) string) (bool, error) {
	verdicts := map[string]coopMatVerdict{}
	path := ""
	if dir != "" {
		path = coopMatCheckFile(dir, o.d.Info)
		if data, err := os.ReadFile(path); err == nil {
			if err := json.Unmarshal(data, &verdicts); err != nil {
				verdicts = map[string]coopMatVerdict{} // damaged: check again and rewrite
			}
		}
	}
	v, known := verdicts[key]
	if !known {
		e, err := run()
		if err != nil {
			return false, fmt.Errorf("ops: self-check of %s: %w", key, err)
		}
		v = coopMatVerdict{Passed: e < tol, RelErr: e}
		verdicts[key] = v
		if path != "" {
			if err := saveCoopMatVerdicts(dir, path, verdicts); err != nil {
				return false, err
			}
		}
	}
	if !v.Passed && !o.coopWarned[key] {
		if o.coopWarned == nil {
			o.coopWarned = map[string]bool{}
		}
		o.coopWarned[key] = true
		if warn != nil {
			warn(message(v.RelErr))
		}
	}
	return v.Passed, nil
}

func saveCoopMatVerdicts(dir, path string, verdicts map[string]coopMatVerdict) error {
	data, err := json.MarshalIndent(verdicts, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("save coopmat self-check: %w", err)
	}
	if err := atomicfile.WriteBytes(path, data); err != nil {
		return fmt.Errorf("save coopmat self-check: %w", err)
	}
	return nil
}

// runCoopMatCheck runs the check product on the device and returns its
// relative error against ref (+Inf on a NaN).
func (o *Ops) runCoopMatCheck(plan CoopMatPlan, ref func(s GemmSpec, a, b, c, bias, residual []float64)) (float64, error) {
	bm, bn := plan.block()
	s := GemmSpec{M: 2*bm + 3, N: bn + 5, K: 3*plan.kSteps()*plan.K + 7, Batch: 1, Alpha: 1,
		TransB: true, Bias: true, GELU: true}
	rng := rand.New(rand.NewPCG(14, 14))
	format := plan.Inputs() // FP16, BF16, or FP32 for the float32 emulation
	fill := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.Float64()*2 - 1
			if plan.halfInputs {
				v[i] = float64(HalfValue(format, HalfBits(format, float32(v[i]))))
			} else {
				v[i] = float64(float32(v[i]))
			}
		}
		return v
	}
	a, b, bias := fill(s.M*s.K), fill(s.K*s.N), fill(s.N)
	want := make([]float64, s.M*s.N)
	ref(s, a, b, want, bias, nil)

	var bufs []*vk.Buffer
	defer func() {
		for _, b := range bufs {
			b.Release()
		}
	}()
	upload := func(name string, v []float64, half bool) (*vk.Buffer, error) {
		f := make([]float32, len(v))
		for i, x := range v {
			f[i] = float32(x)
		}
		var words []uint32
		if half {
			words = PackHalf(format, f)
		}
		size := 4 * len(v)
		if half {
			size = 4 * len(words)
		}
		buf, err := o.d.NewBuffer(name, size)
		if err != nil {
			return nil, err
		}
		bufs = append(bufs, buf)
		if half {
			return buf, buf.WriteUint32(0, words)
		}
		return buf, buf.WriteFloat32(0, f)
	}
	ab, err := upload("coopmat check A", a, plan.halfInputs)
	if err != nil {
		return 0, err
	}
	bb, err := upload("coopmat check B", b, plan.halfInputs)
	if err != nil {
		return 0, err
	}
	biasb, err := upload("coopmat check bias", bias, false)
	if err != nil {
		return 0, err
	}
	cb, err := upload("coopmat check C", make([]float64, s.M*s.N), false)
	if err != nil {
		return 0, err
	}
	// With 16-bit inputs, the 16-bit-C variant (the model's fc1) runs the
	// same product too: its error beyond the one rounding to the format (at
	// most 2⁻¹¹ relative for fp16, 2⁻⁸ for bf16) counts.
	var c16 *vk.Buffer
	if plan.halfInputs {
		if c16, err = upload("coopmat check C16", make([]float64, s.M*s.N), true); err != nil {
			return 0, err
		}
	}
	r, err := o.d.NewRecording()
	if err != nil {
		return 0, err
	}
	defer r.Release()
	in := func(b *vk.Buffer) CoopMatInput { return CoopMatInput{Data: b, F32: !plan.halfInputs, BF16: plan.bf16} }
	if err := o.GemmCoopMat(r, plan, s, in(ab), in(bb), cb, biasb, nil); err != nil {
		return 0, err
	}
	s16 := s
	s16.CType = format
	if c16 != nil {
		if err := o.GemmCoopMat(r, plan, s16, in(ab), in(bb), c16, biasb, nil); err != nil {
			return 0, err
		}
	}
	if err := r.Run(); err != nil {
		return 0, err
	}
	got := make([]float32, s.M*s.N)
	if err := cb.ReadFloat32(0, got); err != nil {
		return 0, err
	}
	e := relErrF32(got, want)
	if c16 == nil {
		return e, nil
	}
	words := make([]uint32, (s.M*s.N+1)/2)
	if err := c16.ReadUint32(0, words); err != nil {
		return 0, err
	}
	unit := math.Pow(2, -11)
	if format == BF16 {
		unit = math.Pow(2, -8)
	}
	return max(e, relErrF32(UnpackHalf(format, words, s.M*s.N), want)-unit), nil
}

// CoopMatCheckError runs the self-check product of CheckCoopMat on plan
// now (no cache) and returns its relative error against GemmRef (+Inf on
// a NaN); the check passes below 1e-4. For `bench gemm --check-coopmat`.
func (o *Ops) CoopMatCheckError(plan CoopMatPlan) (float64, error) {
	return o.runCoopMatCheck(plan, GemmRef)
}

// relErrF32 is ‖got − want‖₂ / ‖want‖₂, +Inf when got holds a NaN or an
// infinity.
func relErrF32(got []float32, want []float64) float64 {
	var num, den float64
	for i, g := range got {
		d := float64(g) - want[i]
		if math.IsNaN(d) || math.IsInf(d, 0) {
			return math.Inf(1)
		}
		num += d * d
		den += want[i] * want[i]
	}
	return math.Sqrt(num / max(den, 1e-300))
}
