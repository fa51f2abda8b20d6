package dist

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Agree fails unless data is the same on every rank. It compares SHA-256
// digests; on a mismatch every rank gets rank 0's data too, and when both
// are JSON, the error of a differing rank names the fields that differ
// with both values. Rank 0's error lists the ranks that differ. Every rank
// returns an error, so all of them stop.
func (c *Comm) Agree(what string, data []byte) error {
	sum := sha256.Sum256(data)
	all, err := c.Gather(what, sum[:])
	if err != nil {
		return err
	}
	var differ []string
	for r, h := range all {
		if !bytes.Equal(h, all[0]) {
			differ = append(differ, fmt.Sprint(r))
		}
	}
	if len(differ) == 0 {
		return nil
	}
	ref, err := c.Broadcast(what+" of rank 0", data, 0)
	if err != nil {
		return err
	}
	if c.rank == 0 {
		return fmt.Errorf("dist: %s differs between ranks: rank(s) %s differ from rank 0", what, strings.Join(differ, ", "))
	}
	if bytes.Equal(ref, data) {
		return fmt.Errorf("dist: %s differs between ranks: rank(s) %s differ from rank 0 (this rank, %d, agrees with rank 0)", what, strings.Join(differ, ", "), c.rank)
	}
	return fmt.Errorf("dist: %s differs between ranks: rank %d differs from rank 0%s", what, c.rank, describeDiff(ref, data, c.rank))
}

// describeDiff names the JSON fields in which mine differs from rank 0's
// ref, as ": field (rank 0: x, rank r: y); …", or "" when either is not a
// JSON object.
func describeDiff(ref, mine []byte, rank int) string {
	a, b := map[string]string{}, map[string]string{}
	if !flattenJSON(ref, a) || !flattenJSON(mine, b) {
		return ""
	}
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var diffs []string
	for k := range keys {
		if a[k] != b[k] {
			diffs = append(diffs, fmt.Sprintf("%s (rank 0: %s, rank %d: %s)", k, orNone(a[k]), rank, orNone(b[k])))
		}
	}
	if len(diffs) == 0 {
		return ""
	}
	sort.Strings(diffs)
	return ": " + strings.Join(diffs, "; ")
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// flattenJSON fills out with path → value for every leaf of the JSON
// document raw ("config.seed" → "2"); false if raw is not JSON.
func flattenJSON(raw []byte, out map[string]string) bool {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return false
	}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, x := range t {
				walk(join(prefix, k), x)
			}
		case []any:
			for i, x := range t {
				walk(join(prefix, fmt.Sprint(i)), x)
			}
		default:
			js, _ := json.Marshal(t)
			out[prefix] = string(js)
		}
	}
	walk("", v)
	return true
}

func join(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}
