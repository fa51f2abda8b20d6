package main

import (
	"encoding/json"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/mae-vk/mae-vk/vk"
	"github.com/urfave/cli/v2"
)

func devicesCommand() *cli.Command {
	return &cli.Command{
		Name:  "devices",
		Usage: "list the Vulkan devices and what they can do",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print a JSON array"},
		},
		Action: func(c *cli.Context) error {
			infos, err := vk.ListDevices()
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return printDevicesJSON(infos)
			}
			printDevicesTable(infos)
			return nil
		},
	}
}

// deviceJSON is the stable JSON form of one device.
type deviceJSON struct {
	Index             int    `json:"index"`
	Name              string `json:"name"`
	Type              string `json:"type"`
	Driver            string `json:"driver"`
	DriverInfo        string `json:"driver_info"`
	APIVersion        string `json:"api_version"`
	SubgroupSize      int    `json:"subgroup_size"`
	MaxInvocations    int    `json:"max_workgroup_invocations"`
	SharedMemoryBytes int    `json:"shared_memory_bytes"`
	Float16           bool   `json:"float16"`
	Storage16         bool   `json:"storage16"`
	Int8              bool   `json:"int8"`
	CooperativeMatrix bool   `json:"cooperative_matrix"`
	// CooperativeMatrixNV and CoopMatShapes: see vk.DeviceInfo.
	CooperativeMatrixNV bool              `json:"cooperative_matrix_nv"`
	CoopMatShapes       []vk.CoopMatShape `json:"cooperative_matrix_shapes"`
	// BFloat16CoopMat: VK_KHR_shader_bfloat16's cooperative matrices
	// (enabled where reported; the bf16 cooperative-matrix GEMM uses them).
	BFloat16CoopMat   bool    `json:"bfloat16_cooperative_matrix"`
	TimestampPeriodNs float64 `json:"timestamp_period_ns"`
	DeviceLocalBytes  uint64  `json:"device_local_bytes"`
	// Precisions are the --precision values the device runs; the first
	// is its default.
	Precisions []string `json:"precisions"`
}

func printDevicesJSON(infos []vk.DeviceInfo) error {
	out := make([]deviceJSON, len(infos))
	for i, d := range infos {
		out[i] = deviceJSON{
			Index: d.Index, Name: d.Name, Type: string(d.Type), Driver: d.Driver, DriverInfo: d.DriverInfo,
			APIVersion: d.APIVersion, SubgroupSize: d.SubgroupSize, MaxInvocations: d.MaxInvocations,
			SharedMemoryBytes: d.SharedMemoryBytes, Float16: d.Float16, Storage16: d.Storage16, Int8: d.Int8,
			CooperativeMatrix: d.CooperativeMatrix, CooperativeMatrixNV: d.CooperativeMatrixNV,
			CoopMatShapes: d.CoopMatShapes, BFloat16CoopMat: d.BFloat16CoopMat, TimestampPeriodNs: d.TimestampPeriodNs,
			DeviceLocalBytes: d.DeviceLocalBytes, Precisions: precisionNames(d),
		}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func printDevicesTable(infos []vk.DeviceInfo) {
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "#\tNAME\tTYPE\tDRIVER\tAPI\tSUBGROUP\tSHARED\tFP16\tSTORAGE16\tCOOPMAT\tMEMORY\tPRECISION")
	for _, d := range infos {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%d\t%d KiB\t%s\t%s\t%s\t%.1f GiB\t%s\n",
			d.Index, d.Name, d.Type, d.Driver, d.APIVersion, d.SubgroupSize, d.SharedMemoryBytes/1024,
			yesNo(d.Float16), yesNo(d.Storage16), d.CoopMatSummary(), float64(d.DeviceLocalBytes)/(1<<30), precisionsText(d))
	}
	w.Flush()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
