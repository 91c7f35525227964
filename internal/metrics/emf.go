package metrics

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"
)

// Namespace is the CloudWatch namespace of every metric the handlers emit; the template's
// dashboard and alarms name it.
const Namespace = "scattergather"

// DimensionFunction is the one dimension of every metric: the function that emitted it
// (splitter, mapper, reducer). Job IDs are properties, not dimensions: a dimension per job
// would create a new metric per job.
const DimensionFunction = "Function"

// The metric names. Count metrics are per emitted line; sum them in CloudWatch.
const (
	Chunks          = "Chunks"           // chunks committed by this attempt (0 or 1)
	Records         = "Records"          // records read by the mapper
	RecordsOut      = "RecordsOut"       // records written by the reducer
	Bytes           = "Bytes"            // bytes read
	Skipped         = "SkippedRecords"   // malformed records counted and skipped
	Duration        = "Duration"         // the attempt's wall time
	Retries         = "Retries"          // failed attempts, which the state machine retries
	Duplicates      = "Duplicates"       // attempts that found the chunk committed by another
	JobWall         = "JobWallTime"      // reducer: the job's wall time, plan to summary
	JobCost         = "JobEstimatedCost" // reducer: the summary's cost estimate
	JobAttemptCount = "JobMapAttempts"   // reducer: mapper attempts of the job
	JobAge          = "JobAgeSeconds"    // mapper: seconds since its job was opened
)

// Unit is a CloudWatch unit name.
type Unit string

// The units the handlers use (a subset of CloudWatch's).
const (
	Count        Unit = "Count"
	BytesUnit    Unit = "Bytes"
	Milliseconds Unit = "Milliseconds"
	Seconds      Unit = "Seconds"
	None         Unit = "None"
)

// Metric is one named value.
type Metric struct {
	Name  string
	Unit  Unit
	Value float64
}

// Writer writes one EMF document per line. It is safe for concurrent use; a nil *Writer
// writes nothing, so handlers need no check.
type Writer struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
}

// NewWriter writes EMF lines to w: on Lambda, os.Stdout, which Lambda sends to CloudWatch
// Logs, which extracts the metrics.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w, now: time.Now} }

// Directive is EMF's MetricDirective.
type Directive struct {
	Namespace  string       `json:"Namespace"`
	Dimensions [][]string   `json:"Dimensions"`
	Metrics    []Definition `json:"Metrics"`
}

// Definition is EMF's MetricDefinition.
type Definition struct {
	Name string `json:"Name"`
	Unit Unit   `json:"Unit,omitempty"`
}

// Meta is the _aws member of an EMF document.
type Meta struct {
	Timestamp         int64       `json:"Timestamp"`
	CloudWatchMetrics []Directive `json:"CloudWatchMetrics"`
}

// MaxMetrics is EMF's limit of metric definitions in one directive.
const MaxMetrics = 100

// Document builds the EMF document of metrics emitted by function at t, with props (job
// and chunk IDs) as further members of the root, where CloudWatch Logs Insights can query
// them.
func Document(t time.Time, function string, props map[string]any, ms ...Metric) (map[string]any, error) {
	if function == "" {
		return nil, fmt.Errorf("emf: empty function dimension")
	}
	if len(ms) == 0 || len(ms) > MaxMetrics {
		return nil, fmt.Errorf("emf: %d metrics: want 1 to %d", len(ms), MaxMetrics)
	}
	doc := make(map[string]any, len(props)+len(ms)+2)
	for k, v := range props {
		doc[k] = v
	}
	defs := make([]Definition, 0, len(ms))
	for _, m := range ms {
		if m.Name == "" || len(m.Name) > 255 {
			return nil, fmt.Errorf("emf: metric name %q: want 1 to 255 characters", m.Name)
		}
		if _, dup := doc[m.Name]; dup {
			return nil, fmt.Errorf("emf: metric %s collides with a property or another metric", m.Name)
		}
		doc[m.Name] = m.Value
		defs = append(defs, Definition{Name: m.Name, Unit: m.Unit})
	}
	if _, dup := doc[DimensionFunction]; dup {
		return nil, fmt.Errorf("emf: %s is the dimension; no property or metric may use it", DimensionFunction)
	}
	doc[DimensionFunction] = function
	doc["_aws"] = Meta{
		Timestamp: t.UnixMilli(),
		CloudWatchMetrics: []Directive{{
			Namespace:  Namespace,
			Dimensions: [][]string{{DimensionFunction}},
			Metrics:    defs,
		}},
	}
	return doc, nil
}

// Emit writes one EMF line. Errors are the caller's bug (a bad name), and are returned.
func (w *Writer) Emit(function string, props map[string]any, ms ...Metric) error {
	if w == nil {
		return nil
	}
	doc, err := Document(w.now(), function, props, ms...)
	if err != nil {
		return err
	}
	line, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("emf: %w", err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	_, err = w.w.Write(append(line, '\n'))
	return err
}
