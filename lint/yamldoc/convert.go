package yamldoc

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// budget turns yaml.v3 nodes into plain values, charging every node produced (aliases
// are charged each time they are expanded) so an alias bomb stops after MaxNodes.
type budget struct {
	left     int
	maxDepth int
}

type convertError struct {
	line int
	msg  string
}

func (e *convertError) Error() string { return e.msg }

func (b *budget) charge(n *yaml.Node, depth int) error {
	b.left--
	if b.left < 0 {
		return &convertError{line: n.Line, msg: "YAML expands beyond the node limit (an alias bomb?); raise --max-yaml-nodes if this file is genuine"}
	}
	if depth > b.maxDepth {
		return &convertError{line: n.Line, msg: fmt.Sprintf("YAML nests deeper than %d levels", b.maxDepth)}
	}
	return nil
}

func (b *budget) convert(n *yaml.Node, depth int) (any, error) {
	if err := b.charge(n, depth); err != nil {
		return nil, err
	}
	switch n.Kind {
	case yaml.AliasNode:
		return b.convert(n.Alias, depth+1)
	case yaml.ScalarNode:
		return scalar(n)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := b.convert(c, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		if err := b.fill(out, n, depth, map[string]int{}); err != nil {
			return nil, err
		}
		return out, nil
	}
	return nil, &convertError{line: n.Line, msg: "unsupported YAML node"}
}

// fill adds a mapping's entries to out: explicit keys first-class, `<<` merges only for
// keys the mapping does not set itself. Duplicate explicit keys are errors, as the API
// server's strict decoding makes them.
func (b *budget) fill(out map[string]any, n *yaml.Node, depth int, seen map[string]int) error {
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			merges = append(merges, v)
			continue
		}
		key, err := keyString(k)
		if err != nil {
			return err
		}
		if first, dup := seen[key]; dup {
			return &convertError{line: k.Line, msg: fmt.Sprintf("duplicate key %q (first at line %d)", key, first)}
		}
		seen[key] = k.Line
		val, err := b.convert(v, depth+1)
		if err != nil {
			return err
		}
		out[key] = val
	}
	for _, m := range merges {
		for _, src := range mergeSources(m) {
			if err := b.charge(src, depth+1); err != nil {
				return err
			}
			if src.Kind != yaml.MappingNode {
				return &convertError{line: src.Line, msg: "<< merge of something that is not a mapping"}
			}
			merged := map[string]any{}
			if err := b.fill(merged, src, depth+1, map[string]int{}); err != nil {
				return err
			}
			for k, v := range merged {
				if _, own := out[k]; !own {
					out[k] = v
				}
			}
		}
	}
	return nil
}

func keyString(k *yaml.Node) (string, error) {
	k = resolveAlias(k)
	if k.Kind != yaml.ScalarNode {
		return "", &convertError{line: k.Line, msg: "a mapping key must be a scalar"}
	}
	if k.Tag == "!!null" {
		return "null", nil
	}
	return k.Value, nil // keys keep their written form, as sigs.k8s.io/yaml does
}

// scalar resolves a YAML 1.2-style scalar; quoted values stay strings.
func scalar(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		switch strings.ToLower(n.Value) {
		case "true", "yes", "on", "y":
			return true, nil
		}
		return false, nil
	case "!!int":
		v := strings.ReplaceAll(n.Value, "_", "")
		if i, err := strconv.ParseInt(v, 0, 64); err == nil {
			return i, nil
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return f, nil // larger than int64
		}
		return n.Value, nil
	case "!!float":
		f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
		if err != nil {
			switch strings.ToLower(n.Value) {
			case ".inf", "+.inf":
				f = math.Inf(1)
			case "-.inf":
				f = math.Inf(-1)
			default:
				return n.Value, nil // .nan and friends: keep the text, JSON cannot hold them
			}
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return n.Value, nil
		}
		return f, nil
	}
	return n.Value, nil // !!str, !!binary, !!timestamp and custom tags: the text
}
