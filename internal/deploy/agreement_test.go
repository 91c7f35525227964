package deploy_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/api"
	"github.com/scattergather/scattergather/internal/awsrun"
	"github.com/scattergather/scattergather/internal/cfn"
	"github.com/scattergather/scattergather/internal/pipeline"
	"github.com/scattergather/scattergather/internal/plan"
	"github.com/scattergather/scattergather/internal/testutil"
	"github.com/scattergather/scattergather/statemachine"
)

// The logical IDs the code, the Makefile (build-<LogicalId>) and local/localaws rely on.
const (
	splitter     = "SplitterFunction"
	mapper       = "MapperFunction"
	reducer      = "ReducerFunction"
	apiFn        = "ApiFunction"
	stateMachine = "ScatterGatherStateMachine"
	inputBucket  = "InputBucket"
	outputBucket = "OutputBucket"
	ledgerTable  = "LedgerTable"
)

var functions = []string{splitter, mapper, reducer, apiFn}

// repoRoot finds the module root (the directory with go.mod) above the test's directory.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}

func loadTemplate(t testing.TB) *cfn.Template {
	t.Helper()
	tmpl, err := cfn.Load(filepath.Join(repoRoot(t), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

// stack is what the template creates, evaluated offline.
type stack struct {
	in, out, table, tableARN, sm, smName string
	fn                                   map[string]string // function ARNs by logical ID
}

func stackOf(tmpl *cfn.Template) (stack, error) {
	var s stack
	var err error
	get := func(v any) string {
		if err != nil {
			return ""
		}
		var str string
		str, err = tmpl.EvalString(v)
		return str
	}
	s.in = get(map[string]any{"Ref": inputBucket})
	s.out = get(map[string]any{"Ref": outputBucket})
	s.table = get(map[string]any{"Ref": ledgerTable})
	s.tableARN = get(map[string]any{"Fn::GetAtt": []any{ledgerTable, "Arn"}})
	s.sm = get(map[string]any{"Ref": stateMachine})
	s.smName = get(map[string]any{"Fn::GetAtt": []any{stateMachine, "Name"}})
	s.fn = map[string]string{}
	for _, f := range functions {
		s.fn[f] = get(map[string]any{"Fn::GetAtt": []any{f, "Arn"}})
	}
	return s, err
}

// call is an AWS call with a representative resource and, for a listing, its s3:prefix.
type call struct {
	action, resource string
	prefix           string // s3:prefix of a ListObjectsV2; "" for none
}

// ctx is the call's request context for condition keys.
func (c call) ctx() map[string]string {
	if c.prefix == "" {
		return nil
	}
	return map[string]string{"s3:prefix": c.prefix}
}

const jobID = "wordcount-0123456789abcdef01234567"

// requiredCalls is every AWS call each principal's code makes (the handlers through the
// blob.S3 and ledger.Dynamo adapters, the api through sfn), with a representative resource.
// blob.S3: Stat = HeadObject (s3:GetObject), Open = GetObject, Put = PutObject or a
// multipart upload (s3:PutObject, s3:AbortMultipartUpload on failure), List = ListObjectsV2
// (s3:ListBucket with s3:prefix), Delete = DeleteObject, Compose = a multipart upload whose
// UploadPartCopy parts read their source (s3:GetObject on the partial, s3:PutObject on
// the output). ledger.Dynamo: Open = PutItem, GetItem, UpdateItem; Reopen, Finish =
// UpdateItem (GetItem when a failed condition returns no item); Job and Chunk = GetItem;
// Commit = PutItem, GetItem; Chunks, ChunkRange, Count = Query.
//
// For the principals in leastPrivilege the table is also the whole grant: a granted
// action that no call here needs fails the check.
func requiredCalls(s stack) map[string][]call {
	inObj := "arn:aws:s3:::" + s.in + "/incoming/wordcount/a.txt"
	inBucket := "arn:aws:s3:::" + s.in
	outBucket := "arn:aws:s3:::" + s.out
	work := "arn:aws:s3:::" + s.out + "/jobs/" + jobID + "/"
	workKey := "jobs/" + jobID + "/"
	partial := work + "partials/00000000/0123456789abcdef.part"
	attempt := work + "attempts/map/00000000/1-2-1769-committed-0123456789abcdef.json"
	result := "arn:aws:s3:::" + s.out + "/results/wordcount/a.txt"
	execution := api.ExecutionARN(s.sm, jobID)
	return map[string][]call{
		splitter: {
			{action: "s3:GetObject", resource: inObj}, {action: "s3:ListBucket", resource: inBucket, prefix: "logs/"},
			{action: "s3:PutObject", resource: work + "manifest.json"}, {action: "s3:AbortMultipartUpload", resource: work + "manifest.json"},
			{action: "s3:PutObject", resource: work + "attempts/plan/1-2-512-ok-0123456789abcdef.json"},
			{action: "dynamodb:PutItem", resource: s.tableARN}, {action: "dynamodb:GetItem", resource: s.tableARN}, {action: "dynamodb:UpdateItem", resource: s.tableARN},
		},
		mapper: {
			{action: "s3:GetObject", resource: inObj},
			// A GetObject of a missing input answers 404 only with s3:ListBucket.
			{action: "s3:ListBucket", resource: inBucket},
			{action: "s3:PutObject", resource: partial}, {action: "s3:AbortMultipartUpload", resource: partial}, {action: "s3:DeleteObject", resource: partial},
			{action: "s3:PutObject", resource: attempt}, {action: "s3:PutObject", resource: work + "failures/00000000.json"},
			{action: "dynamodb:GetItem", resource: s.tableARN}, {action: "dynamodb:PutItem", resource: s.tableARN},
		},
		reducer: {
			{action: "s3:GetObject", resource: partial}, {action: "s3:GetObject", resource: work + "tree/1/00000000.part"}, {action: "s3:PutObject", resource: work + "tree/1/00000000.part"},
			{action: "s3:GetObject", resource: work + "failures/00000003.json"},
			{action: "s3:ListBucket", resource: outBucket, prefix: workKey + "attempts/"}, {action: "s3:ListBucket", resource: outBucket, prefix: workKey + "failures/"},
			{action: "s3:PutObject", resource: result}, {action: "s3:PutObject", resource: result + ".summary.json"}, {action: "s3:AbortMultipartUpload", resource: result},
			{action: "s3:PutObject", resource: work + "attempts/gather/1-2-2048-ok-0123456789abcdef.json"},
			{action: "dynamodb:GetItem", resource: s.tableARN}, {action: "dynamodb:Query", resource: s.tableARN}, {action: "dynamodb:UpdateItem", resource: s.tableARN},
			// The partitioned gather: the plan of the key ranges and the GatherRanges items, a
			// range reducer's output, its commit, and the delete of a range that lost the race.
			{action: "s3:PutObject", resource: work + pipeline.RangePlanFile}, {action: "s3:GetObject", resource: work + pipeline.RangePlanFile},
			{action: "s3:PutObject", resource: work + pipeline.RangeItemsFile}, {action: "s3:PutObject", resource: work + "ranges/00003/0123456789abcdef.part"},
			{action: "s3:DeleteObject", resource: work + "ranges/00003/0123456789abcdef.part"}, {action: "dynamodb:PutItem", resource: s.tableARN},
			// The sort round: its plan and items, a writer's span, and the delete of a span that lost the race.
			{action: "s3:PutObject", resource: work + pipeline.SortDir + "plan.json"}, {action: "s3:GetObject", resource: work + pipeline.SortDir + "plan.json"},
			{action: "s3:PutObject", resource: work + pipeline.SortDir + "items.json"}, {action: "s3:PutObject", resource: work + pipeline.SortDir + "00002/0123456789abcdef.part"},
			{action: "s3:DeleteObject", resource: work + pipeline.SortDir + "00002/0123456789abcdef.part"},
		},
		apiFn: {
			{action: "s3:GetObject", resource: inObj}, {action: "s3:GetObject", resource: inObj + ".job.json"}, {action: "s3:ListBucket", resource: inBucket},
			{action: "dynamodb:GetItem", resource: s.tableARN}, {action: "dynamodb:Query", resource: s.tableARN},
			{action: "states:StartExecution", resource: s.sm}, {action: "states:DescribeExecution", resource: execution}, {action: "states:StopExecution", resource: execution},
			// POST /query: a mapper invocation per chunk; a partial the mapper spilled to the
			// work area is read, then deleted.
			{action: "lambda:InvokeFunction", resource: s.fn[mapper]},
			{action: "s3:GetObject", resource: partial}, {action: "s3:DeleteObject", resource: partial},
		},
	}
}

// leastPrivilege are the principals whose every grant must be a call of requiredCalls
// (or of the definition, for the state machine). The api function joins when its grants,
// being reworked for the confused-deputy finding, settle.
var leastPrivilege = []string{splitter, mapper, reducer, stateMachine}

// unusedGrants reports every action and resource pattern of a principal's statements
// that none of its calls needs: a grant no code uses.
func unusedGrants(principal string, stmts []cfn.Statement, calls []call) []string {
	var problems []string
	for _, st := range stmts {
		if st.Effect != "Allow" {
			continue
		}
		for _, a := range st.Actions {
			if cfn.ResourcelessActions[a] {
				continue
			}
			for _, r := range st.Resources {
				used := false
				for _, c := range calls {
					one := cfn.Statement{Effect: "Allow", Actions: []string{a}, Resources: []string{r}, Conditions: st.Conditions}
					if cfn.Matches(one, c.action, c.resource, c.ctx()) {
						used = true
						break
					}
				}
				if !used {
					problems = append(problems, fmt.Sprintf("%s: statement %q grants %s on %s, which no code calls", principal, st.Sid, a, r))
				}
			}
		}
	}
	return problems
}

// forbiddenCalls must stay denied: no principal can start a job by writing under
// incoming/, read beyond its buckets by default, or touch what its code does not.
func forbiddenCalls(s stack) map[string][]call {
	trigger := "arn:aws:s3:::" + s.in + "/incoming/wordcount/x"
	foreign := "arn:aws:s3:::data-a/k"
	result := "arn:aws:s3:::" + s.out + "/results/x"
	work := "arn:aws:s3:::" + s.out + "/jobs/" + jobID + "/manifest.json"
	outBucket := "arn:aws:s3:::" + s.out
	every := []call{
		{action: "s3:PutObject", resource: trigger}, {action: "s3:GetObject", resource: foreign}, {action: "s3:PutObject", resource: "arn:aws:s3:::elsewhere/x"},
		{action: "dynamodb:DeleteTable", resource: s.tableARN}, {action: "s3:PutBucketPolicy", resource: outBucket},
		{action: "dynamodb:DeleteItem", resource: s.tableARN}, {action: "dynamodb:Scan", resource: s.tableARN}, {action: "dynamodb:BatchWriteItem", resource: s.tableARN},
	}
	return map[string][]call{
		splitter: append([]call{{action: "s3:DeleteObject", resource: work}, {action: "s3:PutObject", resource: result}, {action: "s3:ListBucket", resource: outBucket, prefix: "jobs/"}}, every...),
		mapper: append([]call{{action: "s3:PutObject", resource: result}, {action: "s3:DeleteObject", resource: result},
			{action: "dynamodb:UpdateItem", resource: s.tableARN}, {action: "dynamodb:Query", resource: s.tableARN}}, every...),
		reducer: append([]call{{action: "s3:GetObject", resource: "arn:aws:s3:::" + s.in + "/incoming/wordcount/a.txt"}, {action: "s3:DeleteObject", resource: result},
			{action: "s3:GetObject", resource: result}, {action: "s3:ListBucket", resource: outBucket, prefix: "results/"}, {action: "s3:ListBucket", resource: outBucket},
			{action: "s3:DeleteObject", resource: work}}, every...),
		apiFn: append([]call{{action: "s3:PutObject", resource: result}, {action: "dynamodb:PutItem", resource: s.tableARN}, {action: "dynamodb:UpdateItem", resource: s.tableARN}, {action: "states:StartExecution", resource: strings.TrimSuffix(s.sm, s.smName) + "other"}}, every[:5]...),
		stateMachine: {{action: "s3:PutObject", resource: work}, {action: "lambda:InvokeFunction", resource: fmt.Sprintf("arn:aws:lambda:%s:%s:function:other", cfn.Region, cfn.AccountID)},
			{action: "s3:GetObject", resource: trigger}, {action: "s3:GetObject", resource: "arn:aws:s3:::" + s.out + "/jobs/" + jobID + "/partials/00000000/a.part"},
			{action: "s3:PutObject", resource: "arn:aws:s3:::" + s.out + "/results/x"}, {action: "states:RedriveExecution", resource: api.ExecutionARN(s.sm, jobID)}},
	}
}

// extraReadCalls are allowed once ExtraReadBucketArns names data-a and data-b.
var extraReadCalls = map[string][]call{
	splitter: {{action: "s3:GetObject", resource: "arn:aws:s3:::data-b/x/y.csv"}, {action: "s3:ListBucket", resource: "arn:aws:s3:::data-a"}, {action: "s3:ListBucket", resource: "arn:aws:s3:::data-b"}, {action: "s3:GetObject", resource: "arn:aws:s3:::data-a/k"}},
	mapper:   {{action: "s3:GetObject", resource: "arn:aws:s3:::data-a/k"}, {action: "s3:GetObject", resource: "arn:aws:s3:::data-b/k"}},
	apiFn:    {{action: "s3:GetObject", resource: "arn:aws:s3:::data-b/k"}, {action: "s3:ListBucket", resource: "arn:aws:s3:::data-b"}},
}

// requiredEnv is, per function, every variable its code reads without a usable default,
// with a check of its value.
func requiredEnv(s stack) map[string]map[string]func(string) error {
	equals := func(want string) func(string) error {
		return func(v string) error {
			if v != want {
				return fmt.Errorf("is %q, want %q", v, want)
			}
			return nil
		}
	}
	size := func(v string) error { _, err := plan.ParseSize(v); return err }
	count := func(v string) error {
		if n, err := strconv.Atoi(v); err != nil || n < 1 {
			return fmt.Errorf("%q is not a positive whole number", v)
		}
		return nil
	}
	fanIn := func(v string) error {
		if n, err := strconv.Atoi(v); err != nil || n < 2 {
			return fmt.Errorf("%q is not a fan-in of at least 2", v)
		}
		return nil
	}
	pipelineEnv := func(function string, extra map[string]func(string) error) map[string]func(string) error {
		m := map[string]func(string) error{}
		for _, name := range awsrun.Required[function] {
			m[name] = nil
		}
		m[awsrun.EnvTable] = equals(s.table)
		m[awsrun.EnvWorkBucket] = equals(s.out)
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	apiEnv := map[string]func(string) error{}
	for _, name := range api.Required {
		apiEnv[name] = nil
	}
	for k, v := range map[string]func(string) error{
		api.EnvStateMachineARN: equals(s.sm), api.EnvTable: equals(s.table), api.EnvInputBucket: equals(s.in),
		api.EnvOutputBucket: equals(s.out), api.EnvWorkBucket: equals(s.out),
		api.EnvDefaultChunkSize: size, api.EnvDefaultConcurrency: count,
	} {
		apiEnv[k] = v
	}
	return map[string]map[string]func(string) error{
		// The splitter guards the trigger prefix and applies the defaults.
		splitter: pipelineEnv("splitter", map[string]func(string) error{
			awsrun.EnvTriggerBucket: equals(s.in), awsrun.EnvDefaultChunkSize: size, awsrun.EnvDefaultConcurrency: count,
			awsrun.EnvFanIn: fanIn,
		}),
		mapper: pipelineEnv("mapper", nil),
		// The splitter puts the fan-in in the plan; the reducer's is for events without one.
		reducer: pipelineEnv("reducer", map[string]func(string) error{awsrun.EnvFanIn: fanIn}),
		apiFn:   apiEnv,
	}
}

// env is a function's environment: Globals' variables, then its own.
func env(tmpl *cfn.Template, fn string) (map[string]string, error) {
	out := map[string]string{}
	g, _ := tmpl.Root["Globals"].(map[string]any)
	gf, _ := g["Function"].(map[string]any)
	_, props := tmpl.Resource(fn)
	for _, scope := range []map[string]any{gf, props} {
		e, _ := scope["Environment"].(map[string]any)
		vars, _ := e["Variables"].(map[string]any)
		evaluated, err := tmpl.EvalStrings(vars)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", fn, err)
		}
		maps.Copy(out, evaluated)
	}
	return out, nil
}

// prop is a function's property as SAM applies Globals: its own value, else the global
// one; maps are merged, the function's keys on top.
func prop(tmpl *cfn.Template, fn, name string) any {
	_, props := tmpl.Resource(fn)
	g, _ := tmpl.Root["Globals"].(map[string]any)
	gf, _ := g["Function"].(map[string]any)
	own, hasOwn := props[name]
	global := gf[name]
	om, ownMap := own.(map[string]any)
	gm, globalMap := global.(map[string]any)
	switch {
	case ownMap && globalMap:
		merged := map[string]any{}
		for k, v := range gm {
			merged[k] = v
		}
		for k, v := range om {
			merged[k] = v
		}
		return merged
	case hasOwn:
		return own
	}
	return global
}

var placeholder = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)\}`)

// check reports every disagreement between the template, the ASL definition, the code's
// tables above and the Makefile. It is what the tests assert is empty.
func check(tmpl *cfn.Template, asl []byte, makefile string) []string {
	var problems []string
	report := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	s, err := stackOf(tmpl)
	if err != nil {
		return []string{"evaluate the stack's names: " + err.Error()}
	}

	// Functions: Globals, build method, environment.
	for k, want := range map[string]any{"Runtime": "provided.al2023", "Handler": "bootstrap", "Architectures": []any{"arm64"}, "Tracing": "Active", "CodeUri": "."} {
		for _, fn := range functions {
			if got := prop(tmpl, fn, k); !reflect.DeepEqual(got, want) {
				report("%s: %s is %v, want %v", fn, k, got, want)
			}
		}
	}
	for _, fn := range functions {
		if typ, _ := tmpl.Resource(fn); typ != "AWS::Serverless::Function" {
			report("%s: no AWS::Serverless::Function of that name", fn)
			continue
		}
		if lc, _ := prop(tmpl, fn, "LoggingConfig").(map[string]any); lc["LogFormat"] != "JSON" {
			report("%s: LoggingConfig.LogFormat is %v, want JSON", fn, lc["LogFormat"])
		}
		r, _ := tmpl.Root["Resources"].(map[string]any)[fn].(map[string]any)
		if md, _ := r["Metadata"].(map[string]any); md["BuildMethod"] != "makefile" {
			report("%s: Metadata.BuildMethod is %v, want makefile", fn, md["BuildMethod"])
		}
		if !regexp.MustCompile(`(?m)^build-` + fn + `:`).MatchString(makefile) {
			report("%s: the Makefile has no build-%s target (sam build calls it)", fn, fn)
		}
		got, err := env(tmpl, fn)
		if err != nil {
			report("%v", err)
			continue
		}
		for name, valid := range requiredEnv(s)[fn] {
			v, ok := got[name]
			switch {
			case !ok || v == "":
				report("%s: environment variable %s, which its code reads, is not set", fn, name)
			case valid != nil:
				if err := valid(v); err != nil {
					report("%s: environment variable %s %v", fn, name, err)
				}
			}
		}
	}

	// GatherFanIn bounds the partials one merge holds open: the handlers' bound.
	if fi, _ := cfn.Path(tmpl.Root, "Parameters", "GatherFanIn").(map[string]any); fmt.Sprint(fi["MaxValue"]) != strconv.Itoa(pipeline.MaxFanIn) {
		report("parameter GatherFanIn: MaxValue %v, want pipeline.MaxFanIn (%d): a merge holds every partial open, and a Lambda function has 1,024 file descriptors", fi["MaxValue"], pipeline.MaxFanIn)
	}

	// IAM: every call the code makes is allowed, the forbidden ones are not, least privilege.
	policies := map[string][]cfn.Statement{}
	for _, p := range append(append([]string{}, functions...), stateMachine) {
		stmts, err := tmpl.Policies(p)
		if err != nil {
			report("%v", err)
			continue
		}
		policies[p] = stmts
		problems = append(problems, cfn.Lint(p, stmts)...)
	}
	required := requiredCalls(s)
	smCalls, err := aslCalls(tmpl, asl, s)
	if err != nil {
		report("%v", err)
	}
	required[stateMachine] = smCalls
	for _, p := range sortedKeys(required) {
		for _, c := range required[p] {
			if !cfn.AllowedIn(policies[p], c.action, c.resource, c.ctx()) {
				report("%s: %s on %s%s is not allowed by its policies", p, c.action, c.resource, prefixNote(c))
			}
		}
	}
	for _, p := range leastPrivilege {
		problems = append(problems, unusedGrants(p, policies[p], required[p])...)
	}
	forbidden := forbiddenCalls(s)
	for _, p := range sortedKeys(forbidden) {
		for _, c := range forbidden[p] {
			if cfn.AllowedIn(policies[p], c.action, c.resource, c.ctx()) {
				report("%s: %s on %s%s is allowed, and must not be", p, c.action, c.resource, prefixNote(c))
			}
		}
	}

	// The triggers: the S3 event on the input bucket under incoming/, the HTTP API with IAM.
	problems = append(problems, checkTriggers(tmpl)...)
	problems = append(problems, checkStorage(tmpl)...)
	problems = append(problems, checkOutputs(tmpl, s)...)
	return problems
}

func prefixNote(c call) string {
	if c.prefix == "" {
		return ""
	}
	return " (s3:prefix " + c.prefix + ")"
}

// aslCalls reads the definition: every placeholder must be substituted (by the ARN of the
// function it names), and every task's resource gives a call the state machine makes.
func aslCalls(tmpl *cfn.Template, asl []byte, s stack) ([]call, error) {
	_, props := tmpl.Resource(stateMachine)
	if props == nil {
		return nil, fmt.Errorf("%s: no state machine of that name", stateMachine)
	}
	var problems []string
	if uri := props["DefinitionUri"]; uri != "statemachine/scatter-gather.asl.json" {
		problems = append(problems, fmt.Sprintf("%s: DefinitionUri is %v, want statemachine/scatter-gather.asl.json", stateMachine, uri))
	}
	if tr, _ := props["Tracing"].(map[string]any); tr["Enabled"] != true {
		problems = append(problems, fmt.Sprintf("%s: Tracing.Enabled is not true", stateMachine))
	}
	if lg, _ := props["Logging"].(map[string]any); lg["Destinations"] == nil || lg["Level"] == nil {
		problems = append(problems, fmt.Sprintf("%s: Logging has no Level or Destinations", stateMachine))
	}
	subsRaw, _ := props["DefinitionSubstitutions"].(map[string]any)
	subs := map[string]string{}
	for k, v := range subsRaw {
		str, err := tmpl.EvalString(v)
		if err != nil {
			return nil, fmt.Errorf("%s: DefinitionSubstitutions.%s: %w", stateMachine, k, err)
		}
		subs[k] = str
	}
	used := map[string]bool{}
	for _, m := range placeholder.FindAllStringSubmatch(string(asl), -1) {
		name := m[1]
		used[name] = true
		v, ok := subs[name]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: placeholder ${%s} of the definition has no DefinitionSubstitution", stateMachine, name))
			continue
		}
		if fn := strings.TrimSuffix(name, "Arn"); s.fn[fn] != "" && v != s.fn[fn] {
			problems = append(problems, fmt.Sprintf("%s: ${%s} is substituted by %s, want %s's ARN %s", stateMachine, name, v, fn, s.fn[fn]))
		}
	}
	for k := range subs {
		if !used[k] {
			problems = append(problems, fmt.Sprintf("%s: DefinitionSubstitution %s is not used by the definition", stateMachine, k))
		}
	}
	def := placeholder.ReplaceAllStringFunc(string(asl), func(m string) string { return subs[m[2:len(m)-1]] })
	var root map[string]any
	if err := json.Unmarshal([]byte(def), &root); err != nil {
		return nil, fmt.Errorf("definition: %w", err)
	}
	manifest := "arn:aws:s3:::" + s.out + "/jobs/" + jobID + "/manifest.json"
	mapResults := "arn:aws:s3:::" + s.out + "/jobs/" + jobID + "/" + pipeline.MapResultsDir + "/"
	work := "arn:aws:s3:::" + s.out + "/jobs/" + jobID + "/"
	var calls []call
	var walk func(states map[string]any)
	walk = func(states map[string]any) {
		for name, st := range states {
			m, _ := st.(map[string]any)
			res, _ := m["Resource"].(string)
			switch {
			case m["Type"] == "Task" && res == "arn:aws:states:::lambda:invoke":
				params, _ := m["Parameters"].(map[string]any)
				fn, _ := params["FunctionName"].(string)
				calls = append(calls, call{action: "lambda:InvokeFunction", resource: fn})
			case m["Type"] == "Task":
				problems = append(problems, fmt.Sprintf("state %s: the test has no IAM rule for resource %q", name, res))
			}
			if ir, ok := m["ItemReader"].(map[string]any); ok {
				if ir["Resource"] != "arn:aws:states:::s3:getObject" {
					problems = append(problems, fmt.Sprintf("state %s: the test has no IAM rule for ItemReader %v", name, ir["Resource"]))
				}
				// The splitter writes the manifest to jobs/<jobId>/manifest.json in the work
				// bucket; the reducer's plan steps the key ranges GatherRanges reads, in
				// its first round and in the sort round.
				items := []string{manifest}
				if name == "GatherRanges" {
					items = []string{work + pipeline.RangeItemsFile, work + pipeline.SortDir + "items.json"}
				}
				for _, it := range items {
					calls = append(calls, call{action: "s3:GetObject", resource: it})
				}
			}
			if rw, ok := m["ResultWriter"].(map[string]any); ok {
				if rw["Resource"] != "arn:aws:states:::s3:putObject" {
					problems = append(problems, fmt.Sprintf("state %s: the test has no IAM rule for ResultWriter %v", name, rw["Resource"]))
				}
				// https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html:
				// a multipart upload of the result files under the prefix (the plan's mapResults).
				objs := []string{mapResults + "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/SUCCEEDED_0.json"}
				if name == "GatherRanges" {
					objs = []string{work + pipeline.RangeResultsDir + "/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/SUCCEEDED_0.json",
						work + pipeline.SortDir + "results/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/SUCCEEDED_0.json"}
				}
				for _, obj := range objs {
					for _, a := range []string{"s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"} {
						calls = append(calls, call{action: a, resource: obj})
					}
				}
			}
			proc, _ := m["ItemProcessor"].(map[string]any)
			if cfg, _ := proc["ProcessorConfig"].(map[string]any); cfg["Mode"] == "DISTRIBUTED" {
				child := strings.Replace(s.sm, ":stateMachine:", ":execution:", 1) + "/" + name + ":0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
				// A redriven parent redrives a failed Map Run's children
				// (https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html).
				calls = append(calls, call{action: "states:StartExecution", resource: s.sm}, call{action: "states:DescribeExecution", resource: child},
					call{action: "states:StopExecution", resource: child}, call{action: "states:RedriveExecution", resource: child})
			}
			if sub, ok := proc["States"].(map[string]any); ok {
				walk(sub)
			}
			if br, ok := m["Branches"].([]any); ok {
				for _, b := range br {
					bm, _ := b.(map[string]any)
					sub, _ := bm["States"].(map[string]any)
					walk(sub)
				}
			}
		}
	}
	states, _ := root["States"].(map[string]any)
	walk(states)
	if len(problems) > 0 {
		return calls, fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	return calls, nil
}

func checkTriggers(tmpl *cfn.Template) []string {
	var problems []string
	report := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	_, props := tmpl.Resource(apiFn)
	evs, _ := props["Events"].(map[string]any)
	routes := map[string]bool{}
	for name, e := range evs {
		m, _ := e.(map[string]any)
		p, _ := m["Properties"].(map[string]any)
		switch m["Type"] {
		case "HttpApi":
			routes[fmt.Sprint(p["Method"], " ", p["Path"])] = true
			ref, _ := p["ApiId"].(map[string]any)
			apiID, _ := ref["Ref"].(string)
			typ, ap := tmpl.Resource(apiID)
			auth, _ := ap["Auth"].(map[string]any)
			if typ != "AWS::Serverless::HttpApi" || auth["DefaultAuthorizer"] != "AWS_IAM" || auth["EnableIamAuthorizer"] != true {
				report("%s event %s: the HttpApi %v does not default to IAM authorization", apiFn, name, apiID)
			}
		default:
			// SAM's S3 event grants S3 the invoke with SourceAccount only: any bucket of the
			// account could start jobs.
			report("%s event %s: type %v; uploads reach it through the input bucket's NotificationConfiguration and a Lambda permission with SourceArn", apiFn, name, m["Type"])
		}
	}
	for _, r := range []string{"POST /jobs", "GET /jobs/{id}", "DELETE /jobs/{id}"} {
		if !routes[r] {
			report("%s: no HttpApi route %s", apiFn, r)
		}
	}
	problems = append(problems, checkUploadTrigger(tmpl)...)
	// No other function is triggered: nothing written under results/ starts anything.
	for _, fn := range functions {
		if fn == apiFn {
			continue
		}
		_, p := tmpl.Resource(fn)
		if evs, _ := p["Events"].(map[string]any); len(evs) > 0 {
			report("%s: has events %v; only %s is triggered", fn, cfn.Keys(evs), apiFn)
		}
	}
	return problems
}

// checkUploadTrigger: the input bucket, and no other, notifies the api function of
// ObjectCreated under incoming/; S3 may invoke it for that bucket's ARN in this account
// only (SourceArn and SourceAccount), and the bucket depends on that permission, which
// S3 checks when the notification is configured.
func checkUploadTrigger(tmpl *cfn.Template) []string {
	var problems []string
	report := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	eval := func(v any) string { s, _ := tmpl.EvalString(v); return s }
	apiArn := eval(map[string]any{"Fn::GetAtt": []any{apiFn, "Arn"}})
	bucketArn := eval(map[string]any{"Fn::GetAtt": []any{inputBucket, "Arn"}})
	for _, b := range tmpl.ResourcesOfType("AWS::S3::Bucket") {
		_, bp := tmpl.Resource(b)
		if b != inputBucket {
			if bp["NotificationConfiguration"] != nil {
				report("%s: has a NotificationConfiguration; only the input bucket starts jobs", b)
			}
			continue
		}
		lcs, _ := cfn.Path(bp, "NotificationConfiguration", "LambdaConfigurations").([]any)
		if len(lcs) != 1 {
			report("%s: %d LambdaConfigurations, want the one that notifies %s", b, len(lcs), apiFn)
		}
		for _, lc := range lcs {
			m, _ := lc.(map[string]any)
			if fn := eval(m["Function"]); fn != apiArn {
				report("%s: the notification invokes %s, want %s", b, fn, apiArn)
			}
			if m["Event"] != "s3:ObjectCreated:*" {
				report("%s: the notification's event is %v, want s3:ObjectCreated:*", b, m["Event"])
			}
			prefix := ""
			rules, _ := cfn.Path(m, "Filter", "S3Key", "Rules").([]any)
			for _, r := range rules {
				rm, _ := r.(map[string]any)
				if strings.EqualFold(fmt.Sprint(rm["Name"]), "prefix") {
					prefix = fmt.Sprint(rm["Value"])
				}
			}
			if prefix != api.IncomingPrefix {
				report("%s: the notification's prefix filter %q, want %q", b, prefix, api.IncomingPrefix)
			}
		}
	}
	var perms []string
	for _, id := range tmpl.ResourcesOfType("AWS::Lambda::Permission") {
		_, p := tmpl.Resource(id)
		if p["Principal"] != "s3.amazonaws.com" {
			continue
		}
		perms = append(perms, id)
		if fn := eval(p["FunctionName"]); fn != apiArn && fn != apiFn {
			report("%s: grants S3 the invoke of %s, want %s", id, fn, apiFn)
		}
		if p["Action"] != "lambda:InvokeFunction" {
			report("%s: Action %v, want lambda:InvokeFunction", id, p["Action"])
		}
		if arn := eval(p["SourceArn"]); arn != bucketArn {
			report("%s: SourceArn %q, want the input bucket's ARN %s (without it any bucket can invoke the function)", id, arn, bucketArn)
		}
		if !reflect.DeepEqual(p["SourceAccount"], map[string]any{"Ref": "AWS::AccountId"}) {
			report("%s: SourceAccount %v, want !Ref AWS::AccountId", id, p["SourceAccount"])
		}
		deps := cfn.Path(tmpl.Root, "Resources", inputBucket, "DependsOn")
		if deps != id && !slices.Contains(toAnySlice(deps), any(id)) {
			report("%s: DependsOn %v, want %s: S3 checks the permission when the notification is configured", inputBucket, deps, id)
		}
	}
	if len(perms) != 1 {
		report("%d Lambda permissions for s3.amazonaws.com (%v), want the one for the input bucket", len(perms), perms)
	}
	return problems
}

func toAnySlice(v any) []any { l, _ := v.([]any); return l }

func checkStorage(tmpl *cfn.Template) []string {
	var problems []string
	report := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	for _, b := range []string{inputBucket, outputBucket} {
		typ, p := tmpl.Resource(b)
		if typ != "AWS::S3::Bucket" {
			report("%s: not an AWS::S3::Bucket", b)
			continue
		}
		pab, _ := p["PublicAccessBlockConfiguration"].(map[string]any)
		for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
			if pab[k] != true {
				report("%s: PublicAccessBlockConfiguration.%s is not true", b, k)
			}
		}
		if cfn.Path(p, "BucketEncryption", "ServerSideEncryptionConfiguration") == nil {
			report("%s: no BucketEncryption", b)
		}
		rules, _ := cfn.Path(p, "LifecycleConfiguration", "Rules").([]any)
		abort, expireWork := false, false
		for _, r := range rules {
			rm, _ := r.(map[string]any)
			if rm["AbortIncompleteMultipartUpload"] != nil {
				abort = true
			}
			if rm["Prefix"] == "jobs/" && rm["ExpirationInDays"] != nil {
				expireWork = true
			}
		}
		if !abort {
			report("%s: no lifecycle rule aborts incomplete multipart uploads", b)
		}
		if b == outputBucket && !expireWork {
			report("%s: no lifecycle rule expires the work area jobs/", b)
		}
		tlsOnly := false
		for _, id := range tmpl.ResourcesOfType("AWS::S3::BucketPolicy") {
			_, bp := tmpl.Resource(id)
			if !reflect.DeepEqual(bp["Bucket"], map[string]any{"Ref": b}) {
				continue
			}
			stmts, _ := cfn.Path(bp, "PolicyDocument", "Statement").([]any)
			for _, st := range stmts {
				sm, _ := st.(map[string]any)
				if sm["Effect"] == "Deny" && fmt.Sprint(cfn.Path(sm, "Condition", "Bool", "aws:SecureTransport")) == "false" {
					tlsOnly = true
				}
			}
		}
		if !tlsOnly {
			report("%s: no bucket policy denies requests without TLS (aws:SecureTransport false)", b)
		}
	}
	typ, p := tmpl.Resource(ledgerTable)
	if typ != "AWS::DynamoDB::Table" {
		report("%s: not an AWS::DynamoDB::Table", ledgerTable)
		return problems
	}
	keys := map[string]string{}
	for _, k := range p["KeySchema"].([]any) {
		km := k.(map[string]any)
		keys[fmt.Sprint(km["AttributeName"])] = fmt.Sprint(km["KeyType"])
	}
	if !reflect.DeepEqual(keys, map[string]string{"pk": "HASH", "sk": "RANGE"}) {
		report("%s: key schema %v, want pk HASH and sk RANGE (ledger.Dynamo's)", ledgerTable, keys)
	}
	if p["BillingMode"] != "PAY_PER_REQUEST" {
		report("%s: BillingMode %v, want PAY_PER_REQUEST", ledgerTable, p["BillingMode"])
	}
	if cfn.Path(p, "TimeToLiveSpecification", "AttributeName") != "expiresAt" || cfn.Path(p, "TimeToLiveSpecification", "Enabled") != true {
		report("%s: TTL is not enabled on expiresAt", ledgerTable)
	}
	if cfn.Path(p, "PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled") != true {
		report("%s: point-in-time recovery is off", ledgerTable)
	}
	return problems
}

// checkOutputs: a client configured from the outputs (scatter submit) sees the stack as
// the api function does, and every function ARN and the API URL are there.
func checkOutputs(tmpl *cfn.Template, s stack) []string {
	var problems []string
	outs, _ := tmpl.Root["Outputs"].(map[string]any)
	values := map[string]string{}
	for k, o := range outs {
		om, _ := o.(map[string]any)
		v, err := tmpl.EvalString(om["Value"])
		if err != nil {
			problems = append(problems, fmt.Sprintf("output %s: %v", k, err))
			continue
		}
		values[k] = v
	}
	fromOutputs, err := api.ConfigFromOutputs(values)
	if err != nil {
		return append(problems, err.Error())
	}
	apiEnv, err := env(tmpl, apiFn)
	if err != nil {
		return append(problems, err.Error())
	}
	fromEnv, err := api.ConfigFromEnv(func(k string) string { return apiEnv[k] })
	if err == nil && !reflect.DeepEqual(fromOutputs, fromEnv) {
		problems = append(problems, fmt.Sprintf("the outputs describe %+v, the api function's environment %+v", fromOutputs, fromEnv))
	}
	for _, fn := range functions {
		if values[fn+"Arn"] != s.fn[fn] {
			problems = append(problems, fmt.Sprintf("output %sArn is %q, want %s", fn, values[fn+"Arn"], s.fn[fn]))
		}
	}
	if !strings.HasPrefix(values[api.OutputAPIURL], "https://") {
		problems = append(problems, fmt.Sprintf("output %s is %q, want the API's https URL", api.OutputAPIURL, values[api.OutputAPIURL]))
	}
	return problems
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func readRepoFile(t testing.TB, name string) []byte {
	t.Helper()
	b := testutil.ReadFile(t, filepath.Join(repoRoot(t), name))
	return b
}

// TestTemplateAgreesWithCode is the agreement test: template.yaml, the ASL definition, the
// handlers' environment and AWS calls, and the Makefile agree.
func TestTemplateAgreesWithCode(t *testing.T) {
	tmpl := loadTemplate(t)
	asl := readRepoFile(t, "statemachine/scatter-gather.asl.json")
	makefile := string(readRepoFile(t, "Makefile"))
	for _, p := range check(tmpl, asl, makefile) {
		t.Error(p)
	}

	t.Run("embedded definition is the file", func(t *testing.T) {
		if string(statemachine.Definition) != string(asl) {
			t.Error("statemachine.Definition differs from statemachine/scatter-gather.asl.json")
		}
		var names []string
		for _, m := range placeholder.FindAllStringSubmatch(string(asl), -1) {
			names = append(names, m[1])
		}
		want := append([]string{}, statemachine.Placeholders...)
		sort.Strings(want)
		if got := uniqueSorted(names); !reflect.DeepEqual(got, want) {
			t.Errorf("the definition's placeholders are %v, statemachine.Placeholders says %v", got, want)
		}
	})

	t.Run("samconfig example names the parameters at their defaults", func(t *testing.T) {
		toml := string(readRepoFile(t, "infra/samconfig.example.toml"))
		m := regexp.MustCompile(`(?m)^parameter_overrides = "([^"]*)"$`).FindStringSubmatch(toml)
		if m == nil {
			t.Fatal("infra/samconfig.example.toml has no parameter_overrides line")
		}
		params, _ := tmpl.Root["Parameters"].(map[string]any)
		for _, kv := range strings.Fields(m[1]) {
			k, v, _ := strings.Cut(kv, "=")
			p, ok := params[k].(map[string]any)
			if !ok {
				t.Errorf("samconfig names parameter %s, which the template does not have", k)
				continue
			}
			if d := fmt.Sprint(p["Default"]); d != v {
				t.Errorf("samconfig sets %s=%s; the template's default is %s", k, v, d)
			}
		}
	})

	t.Run("extra read buckets", func(t *testing.T) {
		withExtra := tmpl.Clone()
		withExtra.Params["ExtraReadBucketArns"] = "arn:aws:s3:::data-a,arn:aws:s3:::data-b"
		for _, fn := range sortedKeys(extraReadCalls) {
			stmts, err := withExtra.Policies(fn)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range extraReadCalls[fn] {
				if !cfn.AllowedIn(stmts, c.action, c.resource, c.ctx()) {
					t.Errorf("%s with ExtraReadBucketArns: %s on %s is not allowed", fn, c.action, c.resource)
				}
			}
			if cfn.Allowed(stmts, "s3:GetObject", "arn:aws:s3:::data-c/k") {
				t.Errorf("%s: reads a bucket ExtraReadBucketArns does not name", fn)
			}
			problems := cfn.Lint(fn, stmts)
			if slices.Contains(leastPrivilege, fn) {
				s, err := stackOf(withExtra)
				if err != nil {
					t.Fatal(err)
				}
				problems = append(problems, unusedGrants(fn, stmts, append(requiredCalls(s)[fn], extraReadCalls[fn]...))...)
			}
			for _, p := range problems {
				t.Error(p)
			}
		}
		stmts, _ := withExtra.Policies(reducer)
		if cfn.Allowed(stmts, "s3:GetObject", "arn:aws:s3:::data-a/k") {
			t.Error("the reducer reads inputs; its code does not")
		}
	})
}

func uniqueSorted(s []string) []string { return slices.Compact(slices.Sorted(slices.Values(s))) }

// TestCheckFailsWhenBroken proves the agreement check can fail: each edit of a parsed copy
// of the template (or of the definition) is reported.
func TestCheckFailsWhenBroken(t *testing.T) {
	f := newBrokenFixture(t)
	t.Run("permissions", func(t *testing.T) { f.run(t, f.permissionCases()) })
	t.Run("wiring", func(t *testing.T) { f.run(t, f.wiringCases()) })
	t.Run("triggers and edges", func(t *testing.T) { f.run(t, f.edgeCases()) })
	t.Run("Makefile without the build target", func(t *testing.T) {
		broken := strings.Replace(f.makefile, "build-ReducerFunction:", "build-Reducer:", 1)
		if p := check(f.base.Clone(), f.asl, broken); !strings.Contains(strings.Join(p, "\n"), "no build-ReducerFunction target") {
			t.Errorf("not reported: %q", p)
		}
	})
	if p := check(f.base.Clone(), f.asl, f.makefile); len(p) != 0 {
		t.Errorf("the edits leaked into the original: %q", p)
	}
}

// brokenFixture holds what TestCheckFailsWhenBroken's cases break: the repository's template
// (each case edits its own clone), its state machine definition and its Makefile.
type brokenFixture struct {
	t        *testing.T
	base     *cfn.Template
	asl      []byte
	makefile string
}

// brokenCase is one edit and the problem the check must report for it.
type brokenCase struct {
	name string
	edit func(tmpl *cfn.Template) []byte // returns the definition to check
	want string
}

func newBrokenFixture(t *testing.T) *brokenFixture {
	return &brokenFixture{
		t:        t,
		base:     loadTemplate(t),
		asl:      readRepoFile(t, "statemachine/scatter-gather.asl.json"),
		makefile: string(readRepoFile(t, "Makefile")),
	}
}

// run checks each case's edit of a fresh clone and wants its problem reported.
func (f *brokenFixture) run(t *testing.T, cases []brokenCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tmpl := f.base.Clone()
			def := tc.edit(tmpl)
			problems := check(tmpl, def, f.makefile)
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, tc.want) }) {
				t.Errorf("the check did not report %q; it reported %q", tc.want, problems)
			}
		})
	}
}

func (f *brokenFixture) resource(tmpl *cfn.Template, id string) map[string]any {
	_, p := tmpl.Resource(id)
	if p == nil {
		f.t.Fatalf("no resource %s", id)
	}
	return p
}

func (f *brokenFixture) statement(tmpl *cfn.Template, id, sid string) map[string]any {
	for _, pol := range f.resource(tmpl, id)["Policies"].([]any) {
		pm, _ := pol.(map[string]any)
		stmts, _ := pm["Statement"].([]any)
		for _, s := range stmts {
			if sm := s.(map[string]any); sm["Sid"] == sid {
				return sm
			}
		}
	}
	f.t.Fatalf("%s has no statement %s", id, sid)
	return nil
}

func removeAction(st map[string]any, action string) {
	actions, ok := st["Action"].([]any)
	if !ok {
		actions = []any{st["Action"]}
	}
	var kept []any
	for _, a := range actions {
		if a != action {
			kept = append(kept, a)
		}
	}
	st["Action"] = kept
}

// permissionCases take away or widen what a role may do.
func (f *brokenFixture) permissionCases() []brokenCase {
	resource, statement, asl := f.resource, f.statement, f.asl
	return []brokenCase{
		{"mapper loses s3:DeleteObject", func(tmpl *cfn.Template) []byte {
			removeAction(statement(tmpl, mapper, "WritePartials"), "s3:DeleteObject")
			return asl
		}, "MapperFunction: s3:DeleteObject on arn:aws:s3:::"},
		{"splitter loses its manifest write", func(tmpl *cfn.Template) []byte {
			removeAction(statement(tmpl, splitter, "WriteManifest"), "s3:PutObject")
			return asl
		}, "SplitterFunction: s3:PutObject on"},
		{"api loses DynamoDB read", func(tmpl *cfn.Template) []byte {
			p := resource(tmpl, apiFn)
			p["Policies"] = p["Policies"].([]any)[1:]
			return asl
		}, "ApiFunction: dynamodb:GetItem on"},
		{"state machine cannot start its map children", func(tmpl *cfn.Template) []byte {
			removeAction(statement(tmpl, stateMachine, "DistributedMapStart"), "states:StartExecution")
			statement(tmpl, stateMachine, "DistributedMapStart")["Action"] = "states:ListExecutions"
			return asl
		}, "ScatterGatherStateMachine: states:StartExecution on"},
		{"state machine cannot invoke the reducer", func(tmpl *cfn.Template) []byte {
			p := resource(tmpl, stateMachine)
			p["Policies"] = append(p["Policies"].([]any)[:2:2], p["Policies"].([]any)[3:]...)
			return asl
		}, "ScatterGatherStateMachine: lambda:InvokeFunction on arn:aws:lambda:us-east-1:123456789012:function:sg-test-reducerfunction"},
		{"reducer gets a wildcard action", func(tmpl *cfn.Template) []byte {
			p := resource(tmpl, reducer)
			p["Policies"] = append(p["Policies"].([]any), map[string]any{"Statement": []any{map[string]any{"Sid": "Wide", "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::x/*"}}})
			return asl
		}, `ReducerFunction: statement "Wide" allows every action`},
		{"api gets Resource star", func(tmpl *cfn.Template) []byte {
			statement(tmpl, apiFn, "WatchJobs")["Resource"] = "*"
			return asl
		}, `ApiFunction: statement "WatchJobs" allows states:DescribeExecution on Resource "*"`},
		{"mapper may write results", func(tmpl *cfn.Template) []byte {
			statement(tmpl, mapper, "WritePartials")["Resource"] = map[string]any{"Fn::Sub": "${OutputBucket.Arn}/*"}
			return asl
		}, "MapperFunction: s3:PutObject on arn:aws:s3:::sg-test-outputbucket/results/x is allowed, and must not be"},
		{"reducer loses its listing of the work area", func(tmpl *cfn.Template) []byte {
			removeAction(statement(tmpl, reducer, "ListWorkArea"), "s3:ListBucket")
			statement(tmpl, reducer, "ListWorkArea")["Action"] = "s3:ListBucketVersions"
			return asl
		}, "ReducerFunction: s3:ListBucket on arn:aws:s3:::sg-test-outputbucket (s3:prefix jobs/" + jobID + "/attempts/) is not allowed"},
		{"reducer lists without the prefix condition", func(tmpl *cfn.Template) []byte {
			delete(statement(tmpl, reducer, "ListWorkArea"), "Condition")
			return asl
		}, "ReducerFunction: s3:ListBucket on arn:aws:s3:::sg-test-outputbucket is allowed, and must not be"},
		{"mapper gets DeleteItem", func(tmpl *cfn.Template) []byte {
			st := statement(tmpl, mapper, "CommitChunks")
			st["Action"] = append(st["Action"].([]any), "dynamodb:DeleteItem")
			return asl
		}, `MapperFunction: statement "CommitChunks" grants dynamodb:DeleteItem on arn:aws:dynamodb:us-east-1:123456789012:table/sg-test-ledgertable, which no code calls`},
		{"splitter gets DynamoDBCrudPolicy back", func(tmpl *cfn.Template) []byte {
			p := resource(tmpl, splitter)
			p["Policies"] = append(p["Policies"].([]any), map[string]any{"DynamoDBCrudPolicy": map[string]any{"TableName": map[string]any{"Ref": ledgerTable}}})
			return asl
		}, "SplitterFunction: statement \"\" grants dynamodb:Scan"},
		{"state machine cannot write its Map's results", func(tmpl *cfn.Template) []byte {
			removeAction(statement(tmpl, stateMachine, "WriteMapResults"), "s3:ListMultipartUploadParts")
			return asl
		}, "ScatterGatherStateMachine: s3:ListMultipartUploadParts on arn:aws:s3:::sg-test-outputbucket/jobs/" + jobID + "/mapresults/"},
		{"state machine cannot redrive its Map Runs", func(tmpl *cfn.Template) []byte {
			removeAction(statement(tmpl, stateMachine, "DistributedMapChildren"), "states:RedriveExecution")
			return asl
		}, "ScatterGatherStateMachine: states:RedriveExecution on"},
		{"a Map Run writing its results elsewhere", func(tmpl *cfn.Template) []byte {
			return []byte(strings.Replace(string(asl), `"arn:aws:states:::s3:putObject"`, `"arn:aws:states:::s3:copyObject"`, 1))
		}, "no IAM rule for ResultWriter"},
	}
}

// wiringCases break a parameter, an environment variable or a definition substitution.
func (f *brokenFixture) wiringCases() []brokenCase {
	resource, asl := f.resource, f.asl
	return []brokenCase{
		{"GatherFanIn up to 4096", func(tmpl *cfn.Template) []byte {
			cfn.Path(tmpl.Root, "Parameters", "GatherFanIn").(map[string]any)["MaxValue"] = 4096
			return asl
		}, "parameter GatherFanIn: MaxValue 4096"},
		{"api loses STATE_MACHINE_ARN", func(tmpl *cfn.Template) []byte {
			delete(cfn.Path(resource(tmpl, apiFn), "Environment", "Variables").(map[string]any), "STATE_MACHINE_ARN")
			return asl
		}, "ApiFunction: environment variable STATE_MACHINE_ARN, which its code reads, is not set"},
		{"splitter's INPUT_BUCKET names another bucket", func(tmpl *cfn.Template) []byte {
			cfn.Path(resource(tmpl, splitter), "Environment", "Variables").(map[string]any)["INPUT_BUCKET"] = "somewhere"
			return asl
		}, `SplitterFunction: environment variable INPUT_BUCKET is "somewhere"`},
		{"placeholder without substitution", func(tmpl *cfn.Template) []byte {
			delete(resource(tmpl, stateMachine)["DefinitionSubstitutions"].(map[string]any), "MapperFunctionArn")
			return asl
		}, "placeholder ${MapperFunctionArn} of the definition has no DefinitionSubstitution"},
		{"substitution of the wrong function", func(tmpl *cfn.Template) []byte {
			resource(tmpl, stateMachine)["DefinitionSubstitutions"].(map[string]any)["ReducerFunctionArn"] = map[string]any{"Fn::GetAtt": []any{mapper, "Arn"}}
			return asl
		}, "${ReducerFunctionArn} is substituted by"},
		{"new placeholder in the definition", func(tmpl *cfn.Template) []byte {
			return []byte(strings.Replace(string(asl), "${MapperFunctionArn}", "${ChunkMapperArn}", 1))
		}, "placeholder ${ChunkMapperArn}"},
	}
}

// edgeCases break the upload trigger, the API's authorization, the buckets and the outputs.
func (f *brokenFixture) edgeCases() []brokenCase {
	resource, asl := f.resource, f.asl
	return []brokenCase{
		{"trigger on the output bucket", func(tmpl *cfn.Template) []byte {
			resource(tmpl, outputBucket)["NotificationConfiguration"] = resource(tmpl, inputBucket)["NotificationConfiguration"]
			return asl
		}, "OutputBucket: has a NotificationConfiguration"},
		{"trigger without the incoming/ filter", func(tmpl *cfn.Template) []byte {
			lc := cfn.Path(resource(tmpl, inputBucket), "NotificationConfiguration", "LambdaConfigurations").([]any)[0]
			delete(lc.(map[string]any), "Filter")
			return asl
		}, `prefix filter "", want "incoming/"`},
		{"trigger through SAM's S3 event", func(tmpl *cfn.Template) []byte {
			resource(tmpl, apiFn)["Events"].(map[string]any)["Upload"] = map[string]any{"Type": "S3",
				"Properties": map[string]any{"Bucket": map[string]any{"Ref": inputBucket}, "Events": "s3:ObjectCreated:*"}}
			return asl
		}, "ApiFunction event Upload: type S3"},
		{"permission without SourceArn", func(tmpl *cfn.Template) []byte {
			delete(resource(tmpl, "ApiFunctionUploadPermission"), "SourceArn")
			return asl
		}, `ApiFunctionUploadPermission: SourceArn ""`},
		{"permission for another bucket", func(tmpl *cfn.Template) []byte {
			resource(tmpl, "ApiFunctionUploadPermission")["SourceArn"] = map[string]any{"Fn::GetAtt": []any{outputBucket, "Arn"}}
			return asl
		}, `ApiFunctionUploadPermission: SourceArn "arn:aws:s3:::sg-test-outputbucket"`},
		{"bucket not depending on the permission", func(tmpl *cfn.Template) []byte {
			delete(tmpl.Root["Resources"].(map[string]any)[inputBucket].(map[string]any), "DependsOn")
			return asl
		}, "InputBucket: DependsOn <nil>, want ApiFunctionUploadPermission"},
		{"API without IAM authorization", func(tmpl *cfn.Template) []byte {
			delete(resource(tmpl, "JobsApi"), "Auth")
			return asl
		}, "does not default to IAM authorization"},
		{"public output bucket", func(tmpl *cfn.Template) []byte {
			cfn.Path(resource(tmpl, outputBucket), "PublicAccessBlockConfiguration").(map[string]any)["RestrictPublicBuckets"] = false
			return asl
		}, "OutputBucket: PublicAccessBlockConfiguration.RestrictPublicBuckets is not true"},
		{"x86 function", func(tmpl *cfn.Template) []byte {
			resource(tmpl, mapper)["Architectures"] = []any{"x86_64"}
			return asl
		}, "MapperFunction: Architectures is [x86_64], want [arm64]"},
		{"output missing", func(tmpl *cfn.Template) []byte {
			delete(tmpl.Root["Outputs"].(map[string]any), "StateMachineArn")
			return asl
		}, "stack output StateMachineArn is missing"},
	}
}
