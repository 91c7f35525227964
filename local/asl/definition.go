package asl

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Resources a Task or ItemReader may name.
const (
	lambdaInvokeResource = "arn:aws:states:::lambda:invoke"
	s3GetObjectResource  = "arn:aws:states:::s3:getObject"
	s3PutObjectResource  = "arn:aws:states:::s3:putObject"
)

var lambdaARN = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:[0-9]*:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$`)

// graph is a set of states with a start: the machine, a Parallel branch or a Map's ItemProcessor.
type graph struct {
	startAt string
	states  map[string]*state
}

// state is one parsed, validated state.
type state struct {
	name, typ string
	where     string // for messages: `state "X"`, nested as needed
	next      string
	end       bool

	inputPath, outputPath optPath
	resultPath            *refPath // nil: "$"
	parameters            *tmpl    // Parameters (Map: ItemSelector)
	resultSelector        *tmpl
	retry                 []*retrier
	catch                 []*catcher

	// Pass
	result    any
	hasResult bool

	// Task
	resource    string
	invoke      bool // the lambda:invoke optimized integration (else a function ARN)
	timeout     int64
	timeoutPath *path

	// Choice
	choices []*rule
	dflt    string

	// Wait
	seconds       int64
	hasSeconds    bool
	secondsPath   *path
	timestamp     time.Time
	hasTimestamp  bool
	timestampPath *path

	// Fail
	errName, cause     string
	errPath, causePath *tmpl

	// Parallel
	branches []*graph

	// Map
	m *mapSpec
}

type mapSpec struct {
	itemsPath   *path // nil: "$"
	processor   *graph
	distributed bool
	express     bool // ProcessorConfig.ExecutionType EXPRESS: children end at the Express limit
	reader      *itemReader
	writer      *resultWriter

	maxConc     int64
	maxConcPath *path

	tolPct      float64
	hasTolPct   bool
	tolPctPath  *path
	tolCount    int64
	hasTolCount bool
	tolCntPath  *path
}

type itemReader struct {
	params    *tmpl
	inputType string // JSON or JSONL
	maxItems  int64  // 0: all
}

// resultWriter is a Distributed Map's ResultWriter: Parameters give Bucket and Prefix.
type resultWriter struct {
	params *tmpl
}

type retrier struct {
	errors      []string
	interval    float64 // seconds
	maxAttempts int64
	backoff     float64
	maxDelay    float64 // seconds; 0: no cap
	fullJitter  bool
}

type catcher struct {
	errors     []string
	next       string
	resultPath *refPath
}

// fields each state type accepts (besides Type, Comment and QueryLanguage).
var stateFields = map[string][]string{
	"Pass":     {"Next", "End", "InputPath", "OutputPath", "Parameters", "Result", "ResultPath"},
	"Task":     {"Next", "End", "InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch", "Resource", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath"},
	"Choice":   {"InputPath", "OutputPath", "Choices", "Default"},
	"Wait":     {"Next", "End", "InputPath", "OutputPath", "Seconds", "SecondsPath", "Timestamp", "TimestampPath"},
	"Succeed":  {"InputPath", "OutputPath"},
	"Fail":     {"Error", "Cause", "ErrorPath", "CausePath"},
	"Parallel": {"Next", "End", "InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch", "Branches"},
	"Map": {"Next", "End", "InputPath", "OutputPath", "ItemsPath", "ItemSelector", "Parameters", "ItemProcessor", "Iterator", "ItemReader",
		"ResultSelector", "ResultPath", "Retry", "Catch", "MaxConcurrency", "MaxConcurrencyPath", "ToleratedFailurePercentage",
		"ToleratedFailurePercentagePath", "ToleratedFailureCount", "ToleratedFailureCountPath", "Label", "ResultWriter"},
}

// unsupported names fields that are valid ASL but that this engine does not run.
var unsupported = map[string]string{
	"Assign":      "workflow variables (Assign) are not supported",
	"Output":      "Output is a JSONata field",
	"Arguments":   "Arguments is a JSONata field",
	"Items":       "Items is a JSONata field",
	"ItemBatcher": "ItemBatcher is not supported",
	"Credentials": "Credentials is not supported",
}

var placeholder = regexp.MustCompile(`\$\{([^}]*)\}`)

// Substitute replaces the ${Name} placeholders of a definition, as
// DefinitionSubstitutions do on AWS; a placeholder without a value is an error.
func Substitute(def []byte, subs map[string]string) ([]byte, error) {
	var unknown []string
	out := placeholder.ReplaceAllFunc(def, func(m []byte) []byte {
		name := string(m[2 : len(m)-1])
		v, ok := subs[name]
		if !ok {
			if !slices.Contains(unknown, name) {
				unknown = append(unknown, name)
			}
			return m
		}
		return []byte(v)
	})
	if len(unknown) > 0 {
		return nil, fmt.Errorf("no substitution for placeholder %s", "${"+strings.Join(unknown, "}, ${")+"}")
	}
	return out, nil
}

// parser collects what the machine needs at run time.
type parser struct {
	usesLambda bool
	usesReader bool
	usesWriter bool
}

func (p *parser) machine(v any) (*graph, int64, error) {
	top, ok := v.(map[string]any)
	if !ok {
		return nil, 0, fmt.Errorf("the definition must be a JSON object")
	}
	var timeout int64
	for _, k := range slices.Sorted(maps.Keys(top)) {
		switch k {
		case "StartAt", "States", "Comment", "Version":
		case "QueryLanguage":
			if err := checkQueryLanguage("the state machine", top[k]); err != nil {
				return nil, 0, err
			}
		case "TimeoutSeconds":
			n, err := positiveInt("the state machine", k, top[k])
			if err != nil {
				return nil, 0, err
			}
			timeout = n
		default:
			return nil, 0, fmt.Errorf("the state machine: unknown field %q", k)
		}
	}
	g, err := p.graph("", top)
	return g, timeout, err
}

func checkQueryLanguage(where string, v any) error {
	s, _ := v.(string)
	switch s {
	case "JSONPath":
		return nil
	case "JSONata":
		return fmt.Errorf("%s: field QueryLanguage: JSONata is not supported by the local engine; use JSONPath", where)
	}
	return fmt.Errorf("%s: field QueryLanguage: unknown query language %s", where, jsonText(v, 64))
}

// graph parses {StartAt, States} (prefix qualifies nested state names in messages).
func (p *parser) graph(prefix string, obj map[string]any) (*graph, error) {
	where := strings.TrimSuffix(prefix, ": ")
	if where == "" {
		where = "the state machine"
	}
	start, ok := obj["StartAt"].(string)
	if !ok || start == "" {
		return nil, fmt.Errorf("%s: StartAt must name a state", where)
	}
	statesObj, ok := obj["States"].(map[string]any)
	if !ok || len(statesObj) == 0 {
		return nil, fmt.Errorf("%s: States must be a non-empty object", where)
	}
	g := &graph{startAt: start, states: map[string]*state{}}
	for _, name := range slices.Sorted(maps.Keys(statesObj)) {
		st, err := p.state(prefix, name, statesObj[name])
		if err != nil {
			return nil, err
		}
		g.states[name] = st
	}
	if _, ok := g.states[start]; !ok {
		return nil, fmt.Errorf("%s: StartAt %q is not a state", where, start)
	}
	// Every transition must name a state of this graph.
	for _, name := range slices.Sorted(maps.Keys(statesObj)) {
		st := g.states[name]
		targets := map[string]string{}
		if st.next != "" {
			targets["Next"] = st.next
		}
		if st.dflt != "" {
			targets["Default"] = st.dflt
		}
		for i, r := range st.choices {
			targets[fmt.Sprintf("Choices[%d].Next", i)] = r.next
		}
		for i, c := range st.catch {
			targets[fmt.Sprintf("Catch[%d].Next", i)] = c.next
		}
		for _, field := range slices.Sorted(maps.Keys(targets)) {
			if _, ok := g.states[targets[field]]; !ok {
				return nil, fmt.Errorf("%s: field %s: %q is not a state", st.where, field, targets[field])
			}
		}
	}
	return g, nil
}

func (p *parser) state(prefix, name string, v any) (*state, error) {
	st := &state{name: name, where: fmt.Sprintf("%sstate %q", prefix, name)}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: a state must be a JSON object", st.where)
	}
	typ, _ := obj["Type"].(string)
	allowed, known := stateFields[typ]
	if !known {
		if typ == "" {
			return nil, fmt.Errorf("%s: field Type is missing", st.where)
		}
		return nil, fmt.Errorf("%s: field Type: unknown state type %q", st.where, typ)
	}
	st.typ = typ
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		switch {
		case k == "Type" || k == "Comment":
		case k == "QueryLanguage":
			if err := checkQueryLanguage(st.where, obj[k]); err != nil {
				return nil, err
			}
		case unsupported[k] != "":
			return nil, fmt.Errorf("%s: field %s: %s", st.where, k, unsupported[k])
		case !slices.Contains(allowed, k):
			return nil, fmt.Errorf("%s: field %s is not valid in a %s state", st.where, k, typ)
		}
	}
	f := fields{where: st.where, obj: obj}

	// Transitions.
	if slices.Contains(allowed, "End") {
		st.next = f.str("Next")
		st.end = f.boolean("End")
		if f.err == nil && (st.next == "") == !st.end {
			return nil, fmt.Errorf("%s: exactly one of Next and End (true) is required", st.where)
		}
	}

	// Input and output processing.
	st.inputPath = f.optPath("InputPath")
	st.outputPath = f.optPath("OutputPath")
	if _, ok := obj["ResultPath"]; ok {
		st.resultPath = f.refPath("ResultPath")
	}
	if typ != "Map" {
		st.parameters = f.template("Parameters")
	}
	st.resultSelector = f.template("ResultSelector")
	if f.err != nil {
		return nil, f.err
	}

	var err error
	switch typ {
	case "Pass":
		st.result, st.hasResult = obj["Result"]
	case "Task":
		err = p.task(st, &f)
	case "Choice":
		err = p.choice(st, &f)
	case "Wait":
		err = p.wait(st, &f)
	case "Fail":
		err = p.fail(st, &f)
	case "Parallel":
		err = p.parallel(st, &f)
	case "Map":
		err = p.mapState(st, &f)
	}
	if err != nil {
		return nil, err
	}
	if f.err != nil {
		return nil, f.err
	}
	if slices.Contains(allowed, "Retry") {
		if err := p.retryCatch(st, obj); err != nil {
			return nil, err
		}
	}
	return st, nil
}

func (p *parser) task(st *state, f *fields) error {
	st.resource = f.str("Resource")
	if f.err != nil {
		return f.err
	}
	switch {
	case st.resource == "":
		return fmt.Errorf("%s: field Resource is required", st.where)
	case st.resource == lambdaInvokeResource:
		st.invoke = true
		if st.parameters == nil {
			return fmt.Errorf("%s: field Parameters with FunctionName is required for %s", st.where, lambdaInvokeResource)
		}
		if st.parameters.static {
			if m, ok := st.parameters.lit.(map[string]any); !ok || m["FunctionName"] == nil {
				return fmt.Errorf("%s: field Parameters: FunctionName is required for %s", st.where, lambdaInvokeResource)
			}
		} else if !slices.Contains(st.parameters.keys, "FunctionName") {
			return fmt.Errorf("%s: field Parameters: FunctionName is required for %s", st.where, lambdaInvokeResource)
		}
	case lambdaARN.MatchString(st.resource):
	default:
		return fmt.Errorf("%s: field Resource: unsupported resource %q (the local engine runs %s and Lambda function ARNs)", st.where, st.resource, lambdaInvokeResource)
	}
	p.usesLambda = true
	if _, ok := f.obj["TimeoutSeconds"]; ok {
		st.timeout = f.positiveInt("TimeoutSeconds")
	}
	st.timeoutPath = f.path("TimeoutSecondsPath")
	if st.timeout > 0 && st.timeoutPath != nil {
		return fmt.Errorf("%s: TimeoutSeconds and TimeoutSecondsPath are mutually exclusive", st.where)
	}
	if _, ok := f.obj["HeartbeatSeconds"]; ok {
		f.positiveInt("HeartbeatSeconds") // accepted; the local engine has no heartbeats
	}
	f.path("HeartbeatSecondsPath")
	return f.err
}

func (p *parser) choice(st *state, f *fields) error {
	list, ok := f.obj["Choices"].([]any)
	if !ok || len(list) == 0 {
		return fmt.Errorf("%s: field Choices must be a non-empty array", st.where)
	}
	for i, x := range list {
		r, err := parseRule(fmt.Sprintf("%s: Choices[%d]", st.where, i), x, true)
		if err != nil {
			return err
		}
		st.choices = append(st.choices, r)
	}
	st.dflt = f.str("Default")
	return f.err
}

func (p *parser) wait(st *state, f *fields) error {
	n := 0
	for _, k := range []string{"Seconds", "SecondsPath", "Timestamp", "TimestampPath"} {
		if _, ok := f.obj[k]; ok {
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("%s: exactly one of Seconds, SecondsPath, Timestamp and TimestampPath is required", st.where)
	}
	if _, ok := f.obj["Seconds"]; ok {
		st.seconds, st.hasSeconds = f.nonNegativeInt("Seconds"), true
	}
	st.secondsPath = f.path("SecondsPath")
	if s := f.str("Timestamp"); s != "" {
		t, ok := parseTimestamp(s)
		if !ok {
			return fmt.Errorf("%s: field Timestamp: %q is not an RFC 3339 timestamp", st.where, s)
		}
		st.timestamp, st.hasTimestamp = t, true
	}
	st.timestampPath = f.path("TimestampPath")
	return f.err
}

func (p *parser) fail(st *state, f *fields) error {
	st.errName = f.str("Error")
	st.cause = f.str("Cause")
	st.errPath = f.pathOrIntrinsic("ErrorPath")
	st.causePath = f.pathOrIntrinsic("CausePath")
	if _, ok := f.obj["Error"]; ok && st.errPath != nil {
		return fmt.Errorf("%s: Error and ErrorPath are mutually exclusive", st.where)
	}
	if _, ok := f.obj["Cause"]; ok && st.causePath != nil {
		return fmt.Errorf("%s: Cause and CausePath are mutually exclusive", st.where)
	}
	return f.err
}

func (p *parser) parallel(st *state, f *fields) error {
	list, ok := f.obj["Branches"].([]any)
	if !ok || len(list) == 0 {
		return fmt.Errorf("%s: field Branches must be a non-empty array", st.where)
	}
	for i, b := range list {
		obj, ok := b.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: Branches[%d] must be an object", st.where, i)
		}
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			if k != "StartAt" && k != "States" && k != "Comment" {
				return fmt.Errorf("%s: Branches[%d]: unknown field %q", st.where, i, k)
			}
		}
		g, err := p.graph(fmt.Sprintf("%s: Branches[%d]: ", st.where, i), obj)
		if err != nil {
			return err
		}
		st.branches = append(st.branches, g)
	}
	return nil
}

func (p *parser) mapState(st *state, f *fields) error {
	m := &mapSpec{}
	st.m = m
	if _, ok := f.obj["ItemSelector"]; ok {
		if _, both := f.obj["Parameters"]; both {
			return fmt.Errorf("%s: ItemSelector and Parameters are mutually exclusive", st.where)
		}
		st.parameters = f.template("ItemSelector")
	} else {
		st.parameters = f.template("Parameters")
	}
	m.itemsPath = f.path("ItemsPath")

	procField := "ItemProcessor"
	proc, hasProc := f.obj["ItemProcessor"]
	if it, ok := f.obj["Iterator"]; ok {
		if hasProc {
			return fmt.Errorf("%s: ItemProcessor and Iterator are mutually exclusive", st.where)
		}
		proc, hasProc, procField = it, true, "Iterator"
	}
	if !hasProc {
		return fmt.Errorf("%s: field ItemProcessor is required", st.where)
	}
	procObj, ok := proc.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: field %s must be an object", st.where, procField)
	}
	for _, k := range slices.Sorted(maps.Keys(procObj)) {
		switch k {
		case "StartAt", "States", "Comment":
		case "ProcessorConfig":
			if procField != "ItemProcessor" {
				return fmt.Errorf("%s: field Iterator: ProcessorConfig belongs in ItemProcessor", st.where)
			}
			cfg, ok := procObj[k].(map[string]any)
			if !ok {
				return fmt.Errorf("%s: field ItemProcessor.ProcessorConfig must be an object", st.where)
			}
			for _, ck := range slices.Sorted(maps.Keys(cfg)) {
				switch ck {
				case "Mode":
					switch cfg[ck] {
					case "INLINE":
					case "DISTRIBUTED":
						m.distributed = true
					default:
						return fmt.Errorf("%s: field ItemProcessor.ProcessorConfig.Mode: %s is not INLINE or DISTRIBUTED", st.where, jsonText(cfg[ck], 64))
					}
				case "ExecutionType":
					if cfg[ck] != "STANDARD" && cfg[ck] != "EXPRESS" {
						return fmt.Errorf("%s: field ItemProcessor.ProcessorConfig.ExecutionType: %s is not STANDARD or EXPRESS", st.where, jsonText(cfg[ck], 64))
					}
					m.express = cfg[ck] == "EXPRESS"
				default:
					return fmt.Errorf("%s: field ItemProcessor.ProcessorConfig: unknown field %q", st.where, ck)
				}
			}
		default:
			return fmt.Errorf("%s: field %s: unknown field %q", st.where, procField, k)
		}
	}
	g, err := p.graph(fmt.Sprintf("%s: %s: ", st.where, procField), procObj)
	if err != nil {
		return err
	}
	m.processor = g

	if _, ok := f.obj["MaxConcurrency"]; ok {
		m.maxConc = f.nonNegativeInt("MaxConcurrency")
		if _, both := f.obj["MaxConcurrencyPath"]; both {
			return fmt.Errorf("%s: MaxConcurrency and MaxConcurrencyPath are mutually exclusive", st.where)
		}
	}
	m.maxConcPath = f.path("MaxConcurrencyPath")

	distributedOnly := []string{"ItemReader", "ResultWriter", "ToleratedFailurePercentage", "ToleratedFailurePercentagePath", "ToleratedFailureCount", "ToleratedFailureCountPath", "Label"}
	for _, k := range distributedOnly {
		if _, ok := f.obj[k]; ok && !m.distributed {
			return fmt.Errorf("%s: field %s needs ItemProcessor.ProcessorConfig.Mode DISTRIBUTED", st.where, k)
		}
	}
	if _, ok := f.obj["ToleratedFailurePercentage"]; ok {
		v := f.obj["ToleratedFailurePercentage"]
		r, ok := toRat(v)
		pct, _ := r.Float64()
		if !ok || pct < 0 || pct > 100 {
			return fmt.Errorf("%s: field ToleratedFailurePercentage must be a number from 0 to 100, got %s", st.where, jsonText(v, 64))
		}
		m.tolPct, m.hasTolPct = pct, true
	}
	m.tolPctPath = f.path("ToleratedFailurePercentagePath")
	if _, ok := f.obj["ToleratedFailureCount"]; ok {
		m.tolCount, m.hasTolCount = f.nonNegativeInt("ToleratedFailureCount"), true
	}
	m.tolCntPath = f.path("ToleratedFailureCountPath")
	if (m.hasTolPct && m.tolPctPath != nil) || (m.hasTolCount && m.tolCntPath != nil) {
		return fmt.Errorf("%s: a ToleratedFailure field and its Path form are mutually exclusive", st.where)
	}
	if f.err != nil {
		return f.err
	}

	if w, ok := f.obj["ResultWriter"]; ok {
		rw, err := p.resultWriter(st.where, w)
		if err != nil {
			return err
		}
		m.writer = rw
	}
	if rd, ok := f.obj["ItemReader"]; ok {
		if m.itemsPath != nil {
			return fmt.Errorf("%s: ItemsPath cannot be used with ItemReader", st.where)
		}
		r, err := p.itemReader(st.where, rd)
		if err != nil {
			return err
		}
		m.reader = r
	}
	return nil
}

func (p *parser) itemReader(where string, v any) (*itemReader, error) {
	r := &itemReader{inputType: "JSON"}
	params, err := s3Integration(where, "ItemReader", v, s3GetObjectResource, "reads", "Bucket and Key", func(where, k string, v any) error {
		if k != "ReaderConfig" {
			return errUnknownField
		}
		cfg, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: ReaderConfig must be an object", where)
		}
		for _, ck := range slices.Sorted(maps.Keys(cfg)) {
			switch ck {
			case "InputType":
				switch cfg[ck] {
				case "JSON", "JSONL":
					r.inputType = cfg[ck].(string)
				default:
					return fmt.Errorf("%s: ReaderConfig.InputType: %s is not supported (JSON or JSONL)", where, jsonText(cfg[ck], 64))
				}
			case "MaxItems":
				n, ok := toInt(cfg[ck])
				if !ok || n < 0 {
					return fmt.Errorf("%s: ReaderConfig.MaxItems must be a non-negative integer", where)
				}
				r.maxItems = n
			default:
				return fmt.Errorf("%s: ReaderConfig: field %s is not supported", where, ck)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	r.params = params
	p.usesReader = true
	return r, nil
}

// resultWriter parses a ResultWriter that exports the results to S3 (Resource
// arn:aws:states:::s3:putObject with Parameters Bucket and Prefix), as
// https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html
// describes it. WriterConfig (Transformation, OutputType) is not supported: the results
// are written as AWS writes them without it (Transformation NONE, JSON).
func (p *parser) resultWriter(where string, v any) (*resultWriter, error) {
	params, err := s3Integration(where, "ResultWriter", v, s3PutObjectResource, "writes with", "Bucket (and Prefix)", func(where, k string, _ any) error {
		if k == "WriterConfig" {
			return fmt.Errorf("%s: WriterConfig is not supported by the local engine", where)
		}
		return errUnknownField
	})
	if err != nil {
		return nil, err
	}
	p.usesWriter = true
	return &resultWriter{params: params}, nil
}

// errUnknownField is what an s3Integration's other fields answer for a field they do not
// know.
var errUnknownField = errors.New("unknown field")

// s3Integration parses the field (ItemReader, ResultWriter) of a Map state at where, an
// object whose Resource must be resource (the one S3 action the local engine does: it
// verb it) and whose Parameters, naming need, are required. It hands every other field to
// other, which answers errUnknownField for one it does not know, and returns Parameters.
func s3Integration(where, field string, v any, resource, verb, need string, other func(where, k string, v any) error) (*tmpl, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: field %s must be an object", where, field)
	}
	where += ": field " + field
	var params *tmpl
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		switch k {
		case "Resource":
			if obj[k] != resource {
				return nil, fmt.Errorf("%s: Resource: unsupported resource %s (the local engine %s %s)", where, jsonText(obj[k], 128), verb, resource)
			}
		case "Parameters":
			t, err := compileTemplate(obj[k])
			if err != nil {
				return nil, fmt.Errorf("%s: Parameters: %w", where, err)
			}
			params = t
		default:
			if err := other(where, k, obj[k]); errors.Is(err, errUnknownField) {
				return nil, fmt.Errorf("%s: unknown field %q", where, k)
			} else if err != nil {
				return nil, err
			}
		}
	}
	if _, ok := obj["Resource"]; !ok {
		return nil, fmt.Errorf("%s: Resource is required", where)
	}
	if params == nil {
		return nil, fmt.Errorf("%s: Parameters with %s are required", where, need)
	}
	return params, nil
}

func (p *parser) retryCatch(st *state, obj map[string]any) error {
	if err := eachObject(st.where, obj, "Retry", "a retrier", func(where string, o map[string]any, last bool) error {
		r, err := retrierOf(where, o, last)
		if err == nil {
			st.retry = append(st.retry, r)
		}
		return err
	}); err != nil {
		return err
	}
	return eachObject(st.where, obj, "Catch", "a catcher", func(where string, o map[string]any, last bool) error {
		c, err := catcherOf(where, o, last)
		if err == nil {
			st.catch = append(st.catch, c)
		}
		return err
	})
}

// eachObject calls fn on each element of the array field k of obj, which must be
// objects (what names one in errors); last is true for the final one.
func eachObject(where string, obj map[string]any, k, what string, fn func(where string, o map[string]any, last bool) error) error {
	v, ok := obj[k]
	if !ok {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		return fmt.Errorf("%s: field %s must be an array", where, k)
	}
	for i, x := range list {
		at := fmt.Sprintf("%s: %s[%d]", where, k, i)
		o, ok := x.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: %s must be an object", at, what)
		}
		if err := fn(at, o, i == len(list)-1); err != nil {
			return err
		}
	}
	return nil
}

// retrierOf reads one Retry element.
func retrierOf(where string, o map[string]any, last bool) (*retrier, error) {
	r := &retrier{interval: 1, maxAttempts: 3, backoff: 2}
	f := fields{where: where, obj: o}
	for _, k := range slices.Sorted(maps.Keys(o)) {
		switch k {
		case "ErrorEquals", "Comment":
		case "IntervalSeconds":
			r.interval = float64(f.positiveInt(k))
		case "MaxAttempts":
			r.maxAttempts = f.nonNegativeInt(k)
		case "BackoffRate":
			rat, ok := toRat(o[k])
			b, _ := rat.Float64()
			if !ok || b < 1 {
				return nil, fmt.Errorf("%s: BackoffRate must be a number >= 1.0, got %s", where, jsonText(o[k], 64))
			}
			r.backoff = b
		case "MaxDelaySeconds":
			r.maxDelay = float64(f.positiveInt(k))
		case "JitterStrategy":
			switch o[k] {
			case "FULL":
				r.fullJitter = true
			case "NONE":
			default:
				return nil, fmt.Errorf("%s: JitterStrategy must be FULL or NONE, got %s", where, jsonText(o[k], 64))
			}
		default:
			return nil, fmt.Errorf("%s: unknown field %q", where, k)
		}
	}
	if f.err != nil {
		return nil, f.err
	}
	var err error
	r.errors, err = errorEquals(where, o["ErrorEquals"], last)
	return r, err
}

// catcherOf reads one Catch element.
func catcherOf(where string, o map[string]any, last bool) (*catcher, error) {
	c := &catcher{}
	f := fields{where: where, obj: o}
	for _, k := range slices.Sorted(maps.Keys(o)) {
		switch k {
		case "ErrorEquals", "Comment":
		case "Next":
			c.next = f.str(k)
		case "ResultPath":
			c.resultPath = f.refPath(k)
		default:
			return nil, fmt.Errorf("%s: unknown field %q", where, k)
		}
	}
	if f.err != nil {
		return nil, f.err
	}
	if c.next == "" {
		return nil, fmt.Errorf("%s: Next is required", where)
	}
	var err error
	c.errors, err = errorEquals(where, o["ErrorEquals"], last)
	return c, err
}

func errorEquals(where string, v any, last bool) ([]string, error) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, fmt.Errorf("%s: ErrorEquals must be a non-empty array of error names", where)
	}
	var out []string
	for _, x := range list {
		s, ok := x.(string)
		if !ok || s == "" {
			return nil, fmt.Errorf("%s: ErrorEquals must hold error names, got %s", where, jsonText(x, 64))
		}
		out = append(out, s)
	}
	if slices.Contains(out, ErrALL) && (len(out) != 1 || !last) {
		return nil, fmt.Errorf("%s: %s must appear alone and in the last retrier or catcher", where, ErrALL)
	}
	return out, nil
}

// fields reads typed fields of one object, keeping the first error.
type fields struct {
	where string
	obj   map[string]any
	err   error
}

func (f *fields) fail(k, format string, args ...any) {
	if f.err == nil {
		f.err = fmt.Errorf("%s: field %s: %s", f.where, k, fmt.Sprintf(format, args...))
	}
}

// typed is field k of f as a T (what names T in the error); the zero T when absent.
func typed[T any](f *fields, k, what string) T {
	v, ok := f.obj[k]
	if !ok {
		var zero T
		return zero
	}
	t, ok := v.(T)
	if !ok {
		f.fail(k, "must be %s, got %s", what, jsonText(v, 64))
	}
	return t
}

// keep returns what compiling field k gave, keeping the error as f's.
func keep[T any](f *fields, k string) func(T, error) T {
	return func(v T, err error) T {
		if err != nil {
			f.fail(k, "%v", err)
		}
		return v
	}
}

func (f *fields) str(k string) string { return typed[string](f, k, "a string") }

func (f *fields) boolean(k string) bool { return typed[bool](f, k, "a boolean") }

func (f *fields) positiveInt(k string) int64 {
	n, err := positiveInt(f.where, k, f.obj[k])
	if err != nil && f.err == nil {
		f.err = err
	}
	return n
}

func positiveInt(where, k string, v any) (int64, error) {
	n, ok := toInt(v)
	if !ok || n <= 0 {
		return 0, fmt.Errorf("%s: field %s must be a positive integer, got %s", where, k, jsonText(v, 64))
	}
	return n, nil
}

func (f *fields) nonNegativeInt(k string) int64 {
	n, ok := toInt(f.obj[k])
	if !ok || n < 0 || n > math.MaxInt32 {
		f.fail(k, "must be a non-negative integer, got %s", jsonText(f.obj[k], 64))
	}
	return n
}

func (f *fields) path(k string) *path {
	s := f.str(k)
	if s == "" {
		if _, ok := f.obj[k]; ok {
			f.fail(k, "must be a path")
		}
		return nil
	}
	return keep[*path](f, k)(compilePath(s))
}

// pathOrIntrinsic reads ErrorPath/CausePath: a path or an intrinsic function.
func (f *fields) pathOrIntrinsic(k string) *tmpl {
	v, ok := f.obj[k]
	if !ok {
		return nil
	}
	s, ok := v.(string)
	if !ok {
		f.fail(k, "must be a path or an intrinsic function, got %s", jsonText(v, 64))
		return nil
	}
	t, err := compileDynamic(k, s)
	if err != nil && f.err == nil {
		f.err = fmt.Errorf("%s: %w", f.where, err)
	}
	return t
}

func (f *fields) optPath(k string) optPath {
	o := optPath{field: k}
	v, ok := f.obj[k]
	switch {
	case !ok:
	case v == nil:
		o.null = true
	default:
		o.p = f.path(k)
	}
	return o
}

func (f *fields) refPath(k string) *refPath {
	v := f.obj[k]
	if v == nil {
		return &refPath{src: "null", null: true}
	}
	s, ok := v.(string)
	if !ok {
		f.fail(k, "must be a reference path or null, got %s", jsonText(v, 64))
		return nil
	}
	return keep[*refPath](f, k)(compileRefPath(s))
}

func (f *fields) template(k string) *tmpl {
	v, ok := f.obj[k]
	if !ok {
		return nil
	}
	if _, isObj := v.(map[string]any); !isObj {
		f.fail(k, "must be an object")
		return nil
	}
	return keep[*tmpl](f, k)(compileTemplate(v))
}
