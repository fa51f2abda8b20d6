package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/mae-vk/mae-vk/shaders"
)

// targetEnv is the Vulkan version the modules are compiled for (SPIR-V 1.3,
// which subgroup operations need).
const targetEnv = "vulkan1.1"

func main() {
	dir := flag.String("dir", "shaders", "the shaders directory (sources, include/, spv/)")
	checkOnly := flag.Bool("check", false, "compile into a temporary directory and compare with the committed spv/")
	flag.Parse()
	if err := run(*dir, *checkOnly); err != nil {
		fmt.Fprintln(os.Stderr, "shaderbuild:", err)
		os.Exit(1)
	}
}

func run(dir string, checkOnly bool) error {
	for _, tool := range []string{"glslc", "spirv-val"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found: apt-get install glslc spirv-tools (or run make setup)", tool)
		}
	}
	committed := filepath.Join(dir, "spv")
	out := committed
	if checkOnly {
		tmp, err := os.MkdirTemp("", "mae-vk-spv")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		out = tmp
	}
	if err := compileAll(dir, out); err != nil {
		return err
	}
	if checkOnly {
		return compare(committed, out)
	}
	return removeStale(committed)
}

func compileAll(dir, out string) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []string
		sem  = make(chan struct{}, runtime.NumCPU())
	)
	for _, v := range shaders.Variants {
		wg.Add(1)
		go func(v shaders.Variant) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := compile(dir, out, v); err != nil {
				mu.Lock()
				errs = append(errs, err.Error())
				mu.Unlock()
			}
		}(v)
	}
	wg.Wait()
	if len(errs) > 0 {
		sort.Strings(errs)
		return fmt.Errorf("%d of %d variants failed:\n%s", len(errs), len(shaders.Variants), strings.Join(errs, "\n"))
	}
	return nil
}

func compile(dir, out string, v shaders.Variant) error {
	dst := filepath.Join(out, v.Name+".spv")
	args := []string{"--target-env=" + targetEnv, "-O", "-I", "include", "-fshader-stage=compute"}
	for _, d := range v.Defines {
		args = append(args, "-D"+d)
	}
	// Compile from inside dir so no absolute path can reach the module.
	args = append(args, "-o", dst, v.Source)
	cmd := exec.Command("glslc", args...)
	cmd.Dir = dir
	if abs, err := filepath.Abs(dst); err == nil {
		cmd.Args[len(cmd.Args)-2] = abs
	}
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s (%s): glslc: %v\n%s", v.Name, v.Source, err, msg)
	}
	if msg, err := exec.Command("spirv-val", "--target-env", targetEnv, dst).CombinedOutput(); err != nil {
		return fmt.Errorf("%s: spirv-val: %v\n%s", v.Name, err, msg)
	}
	if v.CoopMatBF16 && !v.CoopMatKHR {
		return fmt.Errorf("%s: CoopMatBF16 needs CoopMatKHR (bfloat16 matrices are KHR only)", v.Name)
	}
	if v.CoopMatKHR {
		return rewriteKHR(dst, v.CoopMatBF16)
	}
	return nil
}

// rewriteKHR replaces the NV cooperative-matrix module at path, already
// validated, with its KHR rewrite (coopmat.go), and with bf16 retypes that
// to bfloat16 (bfloat16.go); no spirv-val here can check either.
func rewriteKHR(path string, bf16 bool) error {
	nv, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	khr, err := nvToKHR(nv)
	if err == nil && bf16 {
		khr, err = fp16ToBF16(khr)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return os.WriteFile(path, khr, 0o644)
}

func compare(committed, fresh string) error {
	var problems []string
	for _, v := range shaders.Variants {
		want, err := os.ReadFile(filepath.Join(fresh, v.Name+".spv"))
		if err != nil {
			return err
		}
		got, err := os.ReadFile(filepath.Join(committed, v.Name+".spv"))
		switch {
		case err != nil:
			problems = append(problems, v.Name+".spv is missing")
		case !bytes.Equal(got, want):
			problems = append(problems, v.Name+".spv is stale")
		}
	}
	problems = append(problems, strayModules(committed)...)
	if len(problems) > 0 {
		return fmt.Errorf("committed SPIR-V is not fresh (run go generate ./shaders and commit shaders/spv):\n  %s",
			strings.Join(problems, "\n  "))
	}
	fmt.Printf("shaderbuild: %d SPIR-V modules fresh\n", len(shaders.Variants))
	return nil
}

// strayModules lists .spv files that no variant produces.
func strayModules(dir string) []string {
	known := map[string]bool{}
	for _, v := range shaders.Variants {
		known[v.Name+".spv"] = true
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.spv"))
	var stray []string
	for _, f := range files {
		if !known[filepath.Base(f)] {
			stray = append(stray, filepath.Base(f)+" is not in the Variants table")
		}
	}
	return stray
}

func removeStale(dir string) error {
	for _, s := range strayModules(dir) {
		name := strings.Fields(s)[0]
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	fmt.Printf("shaderbuild: %d SPIR-V modules written to %s\n", len(shaders.Variants), dir)
	return nil
}
