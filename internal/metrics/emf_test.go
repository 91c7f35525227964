package metrics

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// units are the units CloudWatch accepts (the EMF specification's MetricDefinition.Unit).
var units = map[string]bool{
	"Seconds": true, "Microseconds": true, "Milliseconds": true, "Bytes": true, "Kilobytes": true,
	"Megabytes": true, "Gigabytes": true, "Terabytes": true, "Bits": true, "Kilobits": true,
	"Megabits": true, "Gigabits": true, "Terabits": true, "Percent": true, "Count": true,
	"Bytes/Second": true, "Kilobytes/Second": true, "Megabytes/Second": true, "Gigabytes/Second": true,
	"Terabytes/Second": true, "Bits/Second": true, "Kilobits/Second": true, "Megabits/Second": true,
	"Gigabits/Second": true, "Terabits/Second": true, "Count/Second": true, "None": true,
}

// validateEMF checks one log line against the EMF specification's document structure: a
// JSON object with an _aws metadata object (Timestamp in epoch milliseconds, a non-empty
// CloudWatchMetrics array of MetricDirectives), every directive with a Namespace of 1 to 255
// characters, Dimensions of dimension sets of at most 30 names each naming a string member of
// the root, and 1 to 100 Metrics whose names are numeric members of the root (or arrays of
// at most 100 numbers).
func validateEMF(line []byte) error {
	var root map[string]json.RawMessage
	if err := json.Unmarshal(line, &root); err != nil {
		return fmt.Errorf("not a JSON object: %v", err)
	}
	rawMeta, ok := root["_aws"]
	if !ok {
		return fmt.Errorf("no _aws member")
	}
	var meta map[string]json.RawMessage
	if err := json.Unmarshal(rawMeta, &meta); err != nil {
		return fmt.Errorf("_aws is not an object: %v", err)
	}
	var ts int64
	if err := json.Unmarshal(meta["Timestamp"], &ts); err != nil || ts <= 0 {
		return fmt.Errorf("_aws.Timestamp %s: want epoch milliseconds", meta["Timestamp"])
	}
	if ts < 1e12 {
		return fmt.Errorf("_aws.Timestamp %d looks like seconds, want milliseconds", ts)
	}
	var dirs []map[string]json.RawMessage
	if err := json.Unmarshal(meta["CloudWatchMetrics"], &dirs); err != nil || len(dirs) == 0 {
		return fmt.Errorf("_aws.CloudWatchMetrics: want a non-empty array of directives")
	}
	for _, d := range dirs {
		var ns string
		if err := json.Unmarshal(d["Namespace"], &ns); err != nil || len(ns) < 1 || len(ns) > 255 {
			return fmt.Errorf("Namespace %s: want 1 to 255 characters", d["Namespace"])
		}
		var dims [][]string
		if err := json.Unmarshal(d["Dimensions"], &dims); err != nil {
			return fmt.Errorf("Dimensions: want an array of arrays of strings: %v", err)
		}
		for _, set := range dims {
			if len(set) > 30 {
				return fmt.Errorf("a dimension set has %d dimensions, more than 30", len(set))
			}
			for _, name := range set {
				var v string
				if err := json.Unmarshal(root[name], &v); err != nil {
					return fmt.Errorf("dimension %s: want a string member of the root", name)
				}
			}
		}
		var defs []map[string]any
		if err := json.Unmarshal(d["Metrics"], &defs); err != nil || len(defs) == 0 || len(defs) > 100 {
			return fmt.Errorf("Metrics: want 1 to 100 metric definitions")
		}
		for _, def := range defs {
			name, _ := def["Name"].(string)
			if len(name) < 1 || len(name) > 255 {
				return fmt.Errorf("metric name %q: want 1 to 255 characters", name)
			}
			if u, ok := def["Unit"]; ok {
				if s, _ := u.(string); !units[s] {
					return fmt.Errorf("metric %s: unit %v is not a CloudWatch unit", name, u)
				}
			}
			var num float64
			if err := json.Unmarshal(root[name], &num); err != nil {
				var nums []float64
				if err := json.Unmarshal(root[name], &nums); err != nil || len(nums) > 100 {
					return fmt.Errorf("metric %s: want a number or up to 100 numbers in the root", name)
				}
			}
		}
	}
	return nil
}

func TestEmitWritesValidEMF(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.now = func() time.Time { return time.UnixMilli(1_700_000_000_123) }
	if err := w.Emit("mapper", map[string]any{"jobId": "wordcount-abc", "chunk": 7},
		Metric{Name: Chunks, Unit: Count, Value: 1},
		Metric{Name: Records, Unit: Count, Value: 1234},
		Metric{Name: Bytes, Unit: BytesUnit, Value: 1 << 20},
		Metric{Name: Duration, Unit: Milliseconds, Value: 42},
		Metric{Name: Retries, Unit: Count, Value: 0},
		Metric{Name: Skipped, Unit: Count, Value: 3},
	); err != nil {
		t.Fatal(err)
	}
	if err := w.Emit("reducer", map[string]any{"jobId": "wordcount-abc"}, Metric{Name: JobCost, Unit: None, Value: 0.0012}); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&buf)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		if err := validateEMF(line); err != nil {
			t.Fatalf("line %d is not valid EMF: %v\n%s", n, err, line)
		}
		var doc map[string]any
		_ = json.Unmarshal(line, &doc)
		if doc["jobId"] != "wordcount-abc" {
			t.Errorf("line %d: jobId property = %v", n, doc["jobId"])
		}
		if strings.Contains(string(line), `"Dimensions":[["jobId"`) {
			t.Errorf("line %d: the job ID must be a property, not a dimension", n)
		}
	}
	if n != 2 {
		t.Fatalf("%d lines, want 2", n)
	}
}

func TestDocumentRefusesBadInput(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name     string
		function string
		props    map[string]any
		ms       []Metric
	}{
		{"no metrics", "mapper", nil, nil},
		{"empty function", "", nil, []Metric{{Name: Chunks, Value: 1}}},
		{"empty name", "mapper", nil, []Metric{{Name: "", Value: 1}}},
		{"name too long", "mapper", nil, []Metric{{Name: strings.Repeat("x", 256), Value: 1}}},
		{"metric shadows property", "mapper", map[string]any{Chunks: "x"}, []Metric{{Name: Chunks, Value: 1}}},
		{"property shadows dimension", "mapper", map[string]any{DimensionFunction: "x"}, []Metric{{Name: Chunks, Value: 1}}},
		{"too many metrics", "mapper", nil, func() []Metric {
			ms := make([]Metric, MaxMetrics+1)
			for i := range ms {
				ms[i] = Metric{Name: fmt.Sprintf("m%d", i)}
			}
			return ms
		}()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Document(now, tc.function, tc.props, tc.ms...); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

func TestNilWriterEmitsNothing(t *testing.T) {
	var w *Writer
	if err := w.Emit("mapper", nil, Metric{Name: Chunks, Value: 1}); err != nil {
		t.Fatal(err)
	}
}

func TestEstimate(t *testing.T) {
	u := Usage{LambdaGBSeconds: 1000, LambdaRequests: 1_000_000, StateTransitions: 1000, DynamoWrites: 1_000_000, DynamoReads: 1_000_000, S3Puts: 1000, S3Gets: 1000}
	c := Estimate(u)
	want := Cost{Lambda: 0.0133334 + 0.2, StepFunctions: 0.025, DynamoDB: 0.625 + 0.125, S3: 0.005 + 0.0004}
	for _, f := range []struct {
		name      string
		got, want float64
	}{{"lambda", c.Lambda, want.Lambda}, {"sfn", c.StepFunctions, want.StepFunctions}, {"ddb", c.DynamoDB, want.DynamoDB}, {"s3", c.S3, want.S3}} {
		if d := f.got - f.want; d > 1e-9 || d < -1e-9 {
			t.Errorf("%s = %v, want %v", f.name, f.got, f.want)
		}
	}
	if d := c.Total - (c.Lambda + c.StepFunctions + c.DynamoDB + c.S3); d > 1e-9 || d < -1e-9 {
		t.Errorf("total %v is not the sum", c.Total)
	}
	if g := GBSeconds(1500, 1024); g != 1.5 {
		t.Errorf("GBSeconds(1500ms, 1024MB) = %v, want 1.5", g)
	}
}
