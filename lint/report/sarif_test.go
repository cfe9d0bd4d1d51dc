package report_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/mtuguard/mtuguard/policies"
)

// The official SARIF 2.1.0 schema (OASIS; provenance and licence beside it).
const sarifSchemaFile = "../../testdata/sarif/sarif-schema-2.1.0.json"

var sarifSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	f, err := os.Open(sarifSchemaFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat() // uri and uri-reference formats are part of what viewers rely on
	if err := c.AddResource("sarif-schema-2.1.0.json", doc); err != nil {
		return nil, err
	}
	return c.Compile("sarif-schema-2.1.0.json")
})

// validateSARIF checks the bytes as written, not a library's re-encoding of them.
func validateSARIF(t *testing.T, out []byte) {
	t.Helper()
	sch, err := sarifSchema()
	if err != nil {
		t.Fatalf("schema: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("not valid SARIF 2.1.0: %v", err)
	}
}

type sarifDoc struct {
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name  string `json:"name"`
				Rules []struct {
					ID               string                 `json:"id"`
					Name             string                 `json:"name"`
					ShortDescription struct{ Text string }  `json:"shortDescription"`
					FullDescription  struct{ Text string }  `json:"fullDescription"`
					HelpURI          string                 `json:"helpUri"`
					Default          struct{ Level string } `json:"defaultConfiguration"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex int    `json:"ruleIndex"`
			Level     string `json:"level"`
			Message   struct{ Text string }
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct{ URI string } `json:"artifactLocation"`
					Region           struct {
						StartLine int `json:"startLine"`
					} `json:"region"`
				} `json:"physicalLocation"`
				LogicalLocations []struct {
					FullyQualifiedName string `json:"fullyQualifiedName"`
				} `json:"logicalLocations"`
			} `json:"locations"`
			Suppressions []struct {
				Kind, Justification string
			} `json:"suppressions"`
		} `json:"results"`
	} `json:"runs"`
}

func TestSARIF(t *testing.T) {
	out := format(t, "sarif", sample())
	validateSARIF(t, []byte(out))
	var doc sarifDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "2.1.0" || len(doc.Runs) != 1 {
		t.Fatalf("want one 2.1.0 run: %s", out)
	}
	run := doc.Runs[0]
	catalogue := policies.Catalogue()
	if len(run.Tool.Driver.Rules) != len(catalogue) {
		t.Fatalf("%d rules, catalogue has %d", len(run.Tool.Driver.Rules), len(catalogue))
	}
	for i, r := range run.Tool.Driver.Rules {
		want := catalogue[i]
		if r.ID != want.ID || r.ShortDescription.Text != want.Title || r.FullDescription.Text == "" || r.Name == "" ||
			r.HelpURI != want.DocsURL || !strings.HasSuffix(r.HelpURI, "#"+strings.ToLower(r.ID)) {
			t.Errorf("rule %d: %+v", i, r)
		}
		if wantLevel := map[string]string{"error": "error", "warning": "warning", "info": "note"}[want.Severity]; r.Default.Level != wantLevel {
			t.Errorf("%s: default level %q for severity %s", r.ID, r.Default.Level, want.Severity)
		}
	}
	if len(run.Results) != len(sample().Findings) {
		t.Fatalf("%d results for %d findings", len(run.Results), len(sample().Findings))
	}
	for _, res := range run.Results {
		if run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("%s: ruleIndex %d points at another rule", res.RuleID, res.RuleIndex)
		}
		loc := res.Locations[0].PhysicalLocation
		if loc.Region.StartLine < 1 || strings.HasPrefix(loc.ArtifactLocation.URI, "/") || strings.Contains(loc.ArtifactLocation.URI, " ") {
			t.Errorf("%s: location %+v", res.RuleID, loc)
		}
	}
	first := run.Results[0]
	if first.Level != "error" || !strings.Contains(first.Message.Text, "100% of packets") || !strings.Contains(first.Message.Text, "Fix: set mtu") ||
		first.Locations[0].LogicalLocations[0].FullyQualifiedName != "ConfigMap/kube-system/cilium-config" {
		t.Errorf("first result: %+v", first)
	}
	if uri := run.Results[4].Locations[0].PhysicalLocation.ArtifactLocation.URI; uri != "clusters/prod/my%20values.yaml" {
		t.Errorf("a space in a file name must be percent-encoded: %q", uri)
	}
	if run.Results[5].Level != "note" {
		t.Errorf("info is a note: %+v", run.Results[5])
	}
	sup := run.Results[3].Suppressions
	if len(sup) != 1 || sup[0].Kind != "inSource" || !strings.Contains(sup[0].Justification, "CHG-42 <ack>") {
		t.Errorf("suppressed finding: %+v (and no HTML escaping: %v)", sup, strings.Contains(out, `\u003c`))
	}
}

func TestSARIFClean(t *testing.T) {
	out := format(t, "sarif", clean())
	validateSARIF(t, []byte(out))
	if !strings.Contains(out, `"results": []`) {
		t.Errorf("a clean run lists an empty results array:\n%s", out)
	}
}

// TestGoldenSARIFValid validates the committed example output the CLI golden test pins.
func TestGoldenSARIFValid(t *testing.T) {
	out, err := os.ReadFile("../../testdata/golden/examples.sarif")
	if err != nil {
		t.Fatal(err)
	}
	validateSARIF(t, out)
}

// TestSARIFSchemaCatchesMistakes guards the guard: a broken document must fail.
func TestSARIFSchemaCatchesMistakes(t *testing.T) {
	sch, err := sarifSchema()
	if err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string]string{
		"line 0":        `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a"},"region":{"startLine":0}}}]}]}]}`,
		"bad level":     `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"level":"fatal","message":{"text":"m"}}]}]}`,
		"no tool":       `{"version":"2.1.0","runs":[{"results":[]}]}`,
		"unknown field": `{"version":"2.1.0","runs":[],"extra":1}`,
	} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		if sch.Validate(inst) == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
