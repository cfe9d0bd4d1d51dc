package yamldoc

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// budget turns yaml.v3 nodes into plain values in one walk, charging every node it
// produces against MaxNodes (aliases each time they are expanded). Before converting a
// document it measures what the conversion will charge, with alias and merge targets
// measured once (memoised): an alias bomb fails there, in time linear in the file and
// before allocating any of its expansion.
type budget struct {
	left     int
	maxNodes int
	maxDepth int
	aliased  bool               // the document expands an alias: the limit message blames aliases
	sizes    map[*yaml.Node]int // expansion size of alias and merge targets; -1 while being measured
}

type convertError struct {
	line int
	msg  string
}

func (e *convertError) Error() string { return e.msg }

func (b *budget) overflow(line int) error {
	if b.aliased {
		return &convertError{line: line, msg: fmt.Sprintf("YAML aliases expand beyond %d nodes (an alias bomb?); raise --max-yaml-nodes if this file is genuine", b.maxNodes)}
	}
	return &convertError{line: line, msg: fmt.Sprintf("YAML has more than %d nodes; raise --max-yaml-nodes if this file is genuine", b.maxNodes)}
}

func (b *budget) tooDeep(line int) error {
	return &convertError{line: line, msg: fmt.Sprintf("YAML nests deeper than %d levels", b.maxDepth)}
}

// charge counts one produced node at depth (the root is depth 0).
func (b *budget) charge(n *yaml.Node, depth int) error {
	if depth > b.maxDepth {
		return b.tooDeep(n.Line)
	}
	b.left--
	if b.left < 0 {
		return b.overflow(n.Line)
	}
	return nil
}

// precheck fails a document that converting would take over budget, naming the node
// (typically an alias) at which conversion would run out.
func (b *budget) precheck(root *yaml.Node) error {
	b.aliased = false
	total, err := b.size(root, 0)
	if err != nil {
		return err
	}
	if total <= b.left {
		return nil
	}
	left := b.left
	at := b.locate(root, &left)
	if at == nil {
		at = root
	}
	return b.overflow(at.Line)
}

// locate walks n in conversion order, spending from left as conversion would, and
// returns the node at which left runs out (nil if it does not). It runs after size, so
// every target's size is known and the tree is no deeper than the limit.
func (b *budget) locate(n *yaml.Node, left *int) *yaml.Node {
	*left--
	if *left < 0 {
		return n
	}
	switch n.Kind {
	case yaml.AliasNode:
		s := b.sizes[n.Alias]
		if s > *left {
			return n
		}
		*left -= s
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if at := b.locate(c, left); at != nil {
				return at
			}
		}
	case yaml.MappingNode:
		var merge *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if isMerge(n.Content[i]) {
				merge = n.Content[i+1]
				continue
			}
			if at := b.locate(n.Content[i+1], left); at != nil {
				return at
			}
		}
		if merge == nil {
			return nil
		}
		for _, item := range mergeItems(merge) {
			if item.Kind != yaml.AliasNode {
				if at := b.locate(item, left); at != nil {
					return at
				}
				continue
			}
			s := b.sizes[item.Alias]
			if s > *left {
				return item
			}
			*left -= s
		}
	}
	return nil
}

// size is how many nodes converting n charges, saturated just past the budget so an
// exponential expansion cannot overflow an int. Targets of aliases and merges are
// memoised, which keeps the measurement linear in the file; meeting a target again
// while still measuring it means the anchor contains itself.
func (b *budget) size(n *yaml.Node, depth int) (int, error) {
	if depth > b.maxDepth {
		return 0, b.tooDeep(n.Line)
	}
	switch n.Kind {
	case yaml.AliasNode:
		s, err := b.targetSize(n, n.Alias, depth)
		return b.sat(1 + s), err
	case yaml.SequenceNode:
		total := 1
		for _, c := range n.Content {
			s, err := b.size(c, depth+1)
			if err != nil {
				return 0, err
			}
			total = b.sat(total + s)
		}
		return total, nil
	case yaml.MappingNode:
		total := 1
		for i := 0; i+1 < len(n.Content); i += 2 {
			if isMerge(n.Content[i]) {
				for _, item := range mergeItems(n.Content[i+1]) {
					var s int
					var err error
					if item.Kind == yaml.AliasNode {
						s, err = b.targetSize(item, item.Alias, depth)
					} else {
						s, err = b.size(item, depth)
					}
					if err != nil {
						return 0, err
					}
					total = b.sat(total + s)
				}
				continue
			}
			s, err := b.size(n.Content[i+1], depth+1)
			if err != nil {
				return 0, err
			}
			total = b.sat(total + s)
		}
		return total, nil
	}
	return 1, nil
}

func (b *budget) targetSize(at, target *yaml.Node, depth int) (int, error) {
	b.aliased = true
	if b.sizes == nil {
		b.sizes = map[*yaml.Node]int{}
	}
	switch s, seen := b.sizes[target]; {
	case seen && s < 0:
		return 0, &convertError{line: at.Line, msg: fmt.Sprintf("alias *%s refers to a node that contains it (a YAML cycle)", anchorName(at, target))}
	case seen:
		return s, nil
	}
	b.sizes[target] = -1
	s, err := b.size(target, depth)
	if err != nil {
		return 0, err
	}
	b.sizes[target] = s
	return s, nil
}

func anchorName(at, target *yaml.Node) string {
	if at.Kind == yaml.AliasNode {
		return at.Value
	}
	return target.Anchor
}

func (b *budget) sat(n int) int { return min(n, b.maxNodes+1) }

func (b *budget) convert(n *yaml.Node, depth int) (any, error) {
	if err := b.charge(n, depth); err != nil {
		return nil, err
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return scalarValue(n)
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		if err := b.fill(out, n, depth); err != nil {
			return nil, err
		}
		return out, nil
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			v, err := b.convert(c, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case yaml.AliasNode:
		// An alias is transparent: its target sits where the alias is, at the same depth.
		return b.convert(n.Alias, depth)
	}
	return nil, &convertError{line: n.Line, msg: "unsupported YAML node"}
}

// fill adds a mapping's entries to out. As in yaml.v3 decoding, the mapping's own keys
// win over `<<` merges, and earlier merge sources win over later ones. A duplicate key
// is an error (the API server's strict decoding rejects it too); merged keys are not
// duplicates, they are overridden.
func (b *budget) fill(out map[string]any, n *yaml.Node, depth int) error {
	var merge *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if isMerge(k) {
			if merge != nil {
				return &convertError{line: k.Line, msg: fmt.Sprintf("duplicate key \"<<\" (first at line %d)", mergeKeyLine(n))}
			}
			merge = v
			continue
		}
		key, err := keyString(k)
		if err != nil {
			return err
		}
		if _, dup := out[key]; dup {
			return &convertError{line: k.Line, msg: fmt.Sprintf("duplicate key %q (first at line %d); keep one", key, firstKeyLine(n, key))}
		}
		val, err := b.convert(v, depth+1)
		if err != nil {
			return err
		}
		out[key] = val
	}
	if merge == nil {
		return nil
	}
	for _, item := range mergeItems(merge) {
		src := item
		if item.Kind == yaml.AliasNode {
			src = item.Alias
		}
		if src == nil || src.Kind != yaml.MappingNode {
			return &convertError{line: item.Line, msg: "a << merge takes a mapping, an alias of one, or a list of them"}
		}
		if err := b.charge(src, depth); err != nil {
			return err
		}
		merged := make(map[string]any, len(src.Content)/2)
		if err := b.fill(merged, src, depth); err != nil {
			return err
		}
		for k, v := range merged {
			if _, set := out[k]; !set {
				out[k] = v
			}
		}
	}
	return nil
}

// mergeItems are the mappings (or aliases of mappings) a `<<` value merges, unresolved:
// as in yaml.v3, a list of them or one; an alias of a list is not a merge source.
func mergeItems(v *yaml.Node) []*yaml.Node {
	if v.Kind == yaml.SequenceNode {
		return v.Content
	}
	return []*yaml.Node{v}
}

func isMerge(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Tag == "!!merge" && k.Value == "<<"
}

// mergeKeyLine and firstKeyLine find the first occurrence of a key, for error messages.
func mergeKeyLine(n *yaml.Node) int {
	for i := 0; i < len(n.Content); i += 2 {
		if isMerge(n.Content[i]) {
			return n.Content[i].Line
		}
	}
	return 0
}

func firstKeyLine(n *yaml.Node, key string) int {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k, err := keyString(n.Content[i]); err == nil && k == key {
			return n.Content[i].Line
		}
	}
	return 0
}

// keyString turns a scalar key into the string sigs.k8s.io/yaml (hence kubectl) would
// make of it: the scalar is resolved as a value, then printed, so `1.0:` becomes "1" and
// `true:` "true".
func keyString(k *yaml.Node) (string, error) {
	if k.Kind == yaml.AliasNode && k.Alias != nil {
		k = k.Alias
	}
	if k.Kind != yaml.ScalarNode {
		return "", &convertError{line: k.Line, msg: "a mapping key must be a scalar (a string), not a list or mapping"}
	}
	if k.Tag == "!!str" { // most keys: no resolution, no allocation
		return k.Value, nil
	}
	v, err := scalar(k)
	if err != nil {
		return "", err
	}
	switch v := v.(type) {
	case string:
		return v, nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case bool:
		return strconv.FormatBool(v), nil
	case nil:
		return "null", nil
	case float64:
		switch {
		case math.IsInf(v, 1):
			return ".inf", nil
		case math.IsInf(v, -1):
			return "-.inf", nil
		case math.IsNaN(v):
			return ".nan", nil
		}
		return strconv.FormatFloat(v, 'g', -1, 32), nil
	}
	return k.Value, nil
}

// scalarValue is a scalar as a JSON-compatible value. Infinities and NaN have no JSON
// form, so they stay the text they were written as.
func scalarValue(n *yaml.Node) (any, error) {
	v, err := scalar(n)
	if f, ok := v.(float64); ok && (math.IsInf(f, 0) || math.IsNaN(f)) {
		return n.Value, err
	}
	return v, err
}

// scalar resolves a scalar exactly as yaml.v3 decodes it into an interface{}, except that
// integers are int64 (uint64 beyond int64 becomes float64) and timestamps stay text, as
// Kubernetes sees them. The parser already tagged every untagged scalar (quoted ones as
// !!str), so the common cases are decided here without reflection; explicit tags, hex and
// octal integers and !!binary go through yaml.v3's own decoder, ten times slower but exact.
func scalar(n *yaml.Node) (any, error) {
	if n.Style&yaml.TaggedStyle == 0 {
		switch n.Tag {
		case "!!str", "!!timestamp":
			return n.Value, nil
		case "!!null":
			return nil, nil
		case "!!bool":
			return n.Value != "" && (n.Value[0] == 't' || n.Value[0] == 'T'), nil
		case "!!int":
			if i, ok := decimal(n.Value); ok {
				return i, nil
			}
		case "!!float":
			if f, ok := plainFloat(n.Value); ok {
				return f, nil
			}
		}
	}
	var v any
	if err := n.Decode(&v); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if te, ok := err.(*yaml.TypeError); ok && len(te.Errors) > 0 {
			msg = te.Errors[0]
		}
		return nil, &convertError{line: n.Line, msg: msg}
	}
	switch v := v.(type) {
	case int:
		return int64(v), nil
	case int64, float64, string, bool, nil:
		return v, nil
	case uint64:
		return float64(v), nil
	case time.Time:
		return n.Value, nil
	}
	return n.Value, nil
}

// decimal parses the plain decimal integers that are nearly all integers in manifests.
// A leading zero is left to yaml.v3, which reads `017` as octal.
func decimal(s string) (int64, bool) {
	digits := strings.TrimLeft(s, "+-")
	if len(s)-len(digits) > 1 || digits == "" || len(digits) > 18 || (digits[0] == '0' && len(digits) > 1) {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	i, err := strconv.ParseInt(s, 10, 64)
	return i, err == nil
}

// plainFloat reads an implicitly tagged float the way yaml.v3's resolver did when it
// tagged it; the special values (.inf, .nan) are left to yaml.v3.
func plainFloat(s string) (float64, bool) {
	if s == "" || s[len(s)-1] < '0' || s[len(s)-1] > '9' {
		return 0, false
	}
	if strings.IndexByte(s, '_') >= 0 {
		s = strings.ReplaceAll(s, "_", "")
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}
