package policies

import (
	"errors"

	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// unmarshalStrict decodes YAML the way the API server does with strict field validation:
// duplicate keys, unknown fields and wrong-case field names (`pathMtu`) are errors, so a
// typo never silently means "unset".
func unmarshalStrict(data []byte, into any) error {
	js, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return err
	}
	strict, err := kjson.UnmarshalStrict(js, into)
	if err != nil {
		return err
	}
	return errors.Join(strict...)
}
