package policies

import (
	"encoding/json"
	"fmt"
)

// toPlain turns a struct into the map form ast.InterfaceToValue takes.
func toPlain(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode input: %w", err)
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("encode input: %w", err)
	}
	return out, nil
}

// fromValue decodes a Rego result into a Go value.
func fromValue(v any, dst any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("decode result: %w", err)
	}
	if err := json.Unmarshal(data, dst); err != nil {
		return fmt.Errorf("decode result: %w", err)
	}
	return nil
}
