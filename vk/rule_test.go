package vk

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// flatCalls are the vulkan-go functions vk may call: each passes only
// values, handles, direct pointer or slice arguments, or a create-info whose
// pointer fields vk leaves nil (see "The rule for Vulkan calls" in doc.go).
// Anything else goes through cvk.c.
var flatCalls = map[string]bool{
	"AllocateCommandBuffers": true, "AllocateMemory": true, "BeginCommandBuffer": true,
	"BindBufferMemory": true, "CmdBindDescriptorSets": true, "CmdBindPipeline": true,
	"CmdDispatch": true, "CmdFillBuffer": true, "CmdPushConstants": true,
	"CmdResetQueryPool": true, "CmdWriteTimestamp": true, "CreateBuffer": true,
	"CreateBufferView": true, "CreateCommandPool": true, "CreateFence": true,
	"CreateQueryPool": true, "DeviceWaitIdle": true, "EndCommandBuffer": true,
	"FreeCommandBuffers": true, "FreeMemory": true, "GetBufferMemoryRequirements": true,
	"GetPipelineCacheData": true, "GetQueryPoolResults": true, "Init": true,
	"InitInstance": true, "MapMemory": true, "ResetFences": true,
	"SetGetInstanceProcAddr": true, "UnmapMemory": true, "WaitForFences": true,
}

// TestVulkanCallRule fails when a file in vk calls a vulkan-go function that
// is not in flatCalls, so that each new call is classified by the rule.
func TestVulkanCallRule(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	funcs := vulkanGoFuncs(t)
	var bad []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		alias := ""
		for _, imp := range f.Imports {
			if imp.Path.Value == `"github.com/vulkan-go/vulkan"` {
				alias = "vulkan"
				if imp.Name != nil {
					alias = imp.Name.Name
				}
			}
		}
		if alias == "" {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); !ok || id.Name != alias {
				return true
			}
			fn := sel.Sel.Name
			if funcs[fn] && !flatCalls[fn] && !strings.HasPrefix(fn, "Destroy") {
				bad = append(bad, fset.Position(call.Pos()).String()+": "+fn)
			}
			return true
		})
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Errorf("%s: a vulkan-go call not in flatCalls; if its structs hold pointers, route it through cvk.c (doc.go), else add it to flatCalls", b)
	}
}

// vulkanGoFuncs returns the names of vulkan-go's package-level functions
// (as opposed to its types, which vk converts to with the same syntax).
func vulkanGoFuncs(t *testing.T) map[string]bool {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/vulkan-go/vulkan").Output()
	if err != nil {
		t.Fatalf("go list vulkan-go: %v", err)
	}
	dir := strings.TrimSpace(string(out))
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no vulkan-go sources in %q: %v", dir, err)
	}
	funcs := map[string]bool{}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			if fd, ok := decl.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.IsExported() {
				funcs[fd.Name.Name] = true
			}
		}
	}
	if !funcs["CreateDescriptorSetLayout"] {
		t.Fatalf("vulkan-go sources in %s lack CreateDescriptorSetLayout", dir)
	}
	return funcs
}
