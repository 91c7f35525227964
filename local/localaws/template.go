package localaws

import (
	"fmt"
	"maps"
	"path"
	"strconv"
	"strings"

	"github.com/scattergather/scattergather/internal/cfn"
)

// Local stand-ins for the pseudo parameters.
const (
	Region    = cfn.Region
	AccountID = cfn.AccountID // moto's default account
	// StackName is the local stack's name: buckets and tables without a name property
	// are StackName-<logicalid> (scatter-outputbucket, the sample events' bucket).
	StackName = "scatter"
)

// Template is a SAM template as the local AWS runs it: evaluated by internal/cfn (the
// one evaluator the template tests use too), with local physical names: buckets and
// tables without a name property are scatter-<logicalid>, functions are named by their
// logical IDs.
type Template struct {
	*cfn.Template
	fns []Function
}

// Function is a serverless function as the local AWS runs it.
type Function struct {
	Name     string
	Env      map[string]string
	Timeout  int
	MemoryMB int
	// EphemeralMB is the function's /tmp (EphemeralStorage.Size; 512 MB by default).
	EphemeralMB int
	// ReservedConcurrency is ReservedConcurrentExecutions, nil when the template sets none.
	ReservedConcurrency *int
	// Routes are the HttpApi routes ("POST /jobs") and S3 the bucket trigger, if any.
	Routes []Route
	S3     []S3Trigger
	// Policies are the statements of the function's role (SAM policy templates expanded).
	Policies []cfn.Statement
}

// Route is an HTTP API route served by a function.
type Route struct{ Method, Path string }

// S3Trigger starts a function on the events matching Event ("s3:ObjectCreated:*";
// empty means every ObjectCreated event) for keys under Prefix in Bucket.
type S3Trigger struct{ Bucket, Event, Prefix string }

// matches reports whether an event (ObjectCreated:Put) for key in bucket fires t.
func (t S3Trigger) matches(bucket, event, key string) bool {
	if bucket != t.Bucket || !strings.HasPrefix(key, t.Prefix) {
		return false
	}
	if t.Event == "" {
		return strings.HasPrefix(event, "ObjectCreated:")
	}
	want := strings.TrimPrefix(t.Event, "s3:")
	if p, ok := strings.CutSuffix(want, "*"); ok {
		return strings.HasPrefix(event, p)
	}
	return event == want
}

// LoadTemplate parses and evaluates a SAM template file.
func LoadTemplate(path string) (*Template, error) {
	ct, err := cfn.Load(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return newTemplate(ct)
}

// ParseTemplate parses and evaluates a SAM template's text (the embedded
// scattergather.Template, for one): the local engine of `scatter run` reads its
// functions' Timeout and MemorySize through it, as `scatter local up` does.
func ParseTemplate(raw []byte) (*Template, error) {
	ct, err := cfn.Parse(raw)
	if err != nil {
		return nil, err
	}
	return newTemplate(ct)
}

func newTemplate(ct *cfn.Template) (*Template, error) {
	ct.StackName = StackName
	if ct.Names == nil {
		ct.Names = map[string]string{}
	}
	for _, id := range ct.ResourcesOfType("AWS::Serverless::Function") {
		ct.Names[id] = id
	}
	t := &Template{Template: ct}
	for _, id := range ct.ResourcesOfType("AWS::Serverless::Function") {
		f, err := t.function(id)
		if err != nil {
			return nil, fmt.Errorf("function %s: %w", id, err)
		}
		t.fns = append(t.fns, f)
	}
	if err := t.notifications(); err != nil {
		return nil, err
	}
	return t, nil
}

// notifications wires each bucket's NotificationConfiguration.LambdaConfigurations to
// its function. As S3 checks, when the configuration is put, that it may invoke the
// function (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-s3-bucket-notificationconfig.html),
// a configuration whose function has no AWS::Lambda::Permission for the bucket fails
// here, and the local AWS does not start.
func (t *Template) notifications() error {
	byRef := map[string]int{}
	for i, f := range t.fns {
		arn, err := t.EvalString(map[string]any{"Fn::GetAtt": []any{f.Name, "Arn"}})
		if err != nil {
			return err
		}
		byRef[arn], byRef[f.Name] = i, i
	}
	for _, id := range t.ResourcesOfType("AWS::S3::Bucket") {
		_, props := t.Resource(id)
		nc, err := t.Eval(props["NotificationConfiguration"])
		if err != nil {
			return fmt.Errorf("bucket %s NotificationConfiguration: %w", id, err)
		}
		bucket := t.LocalName(id)
		lcs, _ := cfn.Path(nc, "LambdaConfigurations").([]any)
		for _, lc := range lcs {
			m, _ := lc.(map[string]any)
			fn := fmt.Sprint(m["Function"])
			i, ok := byRef[fn]
			if !ok {
				return fmt.Errorf("bucket %s: the notification invokes %s, which is not a function of the template", id, fn)
			}
			if err := t.S3MayInvoke(t.fns[i].Name, bucket); err != nil {
				return fmt.Errorf("bucket %s: %w", id, err)
			}
			trig := S3Trigger{Bucket: bucket, Event: fmt.Sprint(m["Event"])}
			trig.Prefix = s3KeyPrefix(m, func(v any) string { return fmt.Sprint(v) })
			t.fns[i].S3 = append(t.fns[i].S3, trig)
		}
	}
	return nil
}

// s3KeyPrefix is the prefix rule of a notification's or an S3 event's Filter.S3Key.
func s3KeyPrefix(m map[string]any, str func(any) string) string {
	rules, _ := cfn.Path(m, "Filter", "S3Key", "Rules").([]any)
	for _, r := range rules {
		rm, _ := r.(map[string]any)
		if strings.EqualFold(str(rm["Name"]), "prefix") {
			return str(rm["Value"])
		}
	}
	return ""
}

// S3MayInvoke reports whether the template's AWS::Lambda::Permission resources let S3
// (s3.amazonaws.com) invoke function for bucket: a statement for the function whose
// SourceArn, when set, matches the bucket's ARN (ArnLike, so * and ? are wildcards)
// and whose SourceAccount, when set, is the account
// (https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-services.html).
// The error names what is missing.
func (t *Template) S3MayInvoke(function, bucket string) error {
	arn, _ := t.EvalString(map[string]any{"Fn::GetAtt": []any{function, "Arn"}})
	bucketARN := "arn:aws:s3:::" + bucket
	var seen []string
	for _, id := range t.ResourcesOfType("AWS::Lambda::Permission") {
		_, p := t.Resource(id)
		ev, err := t.Eval(p)
		if err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
		m, _ := ev.(map[string]any)
		fn := fmt.Sprint(m["FunctionName"])
		if (fn != arn && fn != function) || m["Principal"] != "s3.amazonaws.com" ||
			(m["Action"] != "lambda:InvokeFunction" && m["Action"] != "lambda:*") {
			continue
		}
		src, hasSrc := m["SourceArn"].(string)
		acct, hasAcct := m["SourceAccount"].(string)
		if hasSrc {
			seen = append(seen, src)
		}
		if ok, _ := path.Match(src, bucketARN); hasSrc && !ok {
			continue
		}
		if hasAcct && acct != AccountID {
			continue
		}
		return nil
	}
	if len(seen) > 0 {
		return fmt.Errorf("S3 may not invoke %s for %s: its permissions' SourceArn is %s", function, bucketARN, strings.Join(seen, ", "))
	}
	return fmt.Errorf("S3 may not invoke %s: no AWS::Lambda::Permission grants s3.amazonaws.com lambda:InvokeFunction on it", function)
}

// LocalName is the physical name a resource gets locally.
func (t *Template) LocalName(id string) string {
	n, err := t.PhysicalName(id)
	if err != nil {
		return id
	}
	return n
}

// ByType lists the logical IDs of the resources of the given types, sorted by type then ID.
func (t *Template) ByType(types ...string) []string {
	var ids []string
	for _, ty := range types {
		ids = append(ids, t.ResourcesOfType(ty)...)
	}
	return ids
}

// Functions returns every serverless function with its environment, timeout, memory,
// storage, events and policies resolved, Globals first and the function's own on top.
func (t *Template) Functions() []Function { return t.fns }

func (t *Template) function(id string) (Function, error) {
	f := Function{Name: id, Env: map[string]string{}, Timeout: 3, MemoryMB: 128, EphemeralMB: 512}
	_, props := t.Resource(id)
	globals, _ := cfn.Path(t.Root, "Globals", "Function").(map[string]any)
	for _, scope := range []map[string]any{globals, props} {
		ev, err := t.Eval(scope)
		if err != nil {
			return f, err
		}
		m, _ := ev.(map[string]any)
		if vars, ok := cfn.Path(m, "Environment", "Variables").(map[string]any); ok {
			env, err := t.EvalStrings(vars)
			if err != nil {
				return f, fmt.Errorf("Environment %w", err)
			}
			maps.Copy(f.Env, env)
		}
		for _, n := range []struct {
			path []string
			dst  *int
		}{{[]string{"Timeout"}, &f.Timeout}, {[]string{"MemorySize"}, &f.MemoryMB}, {[]string{"EphemeralStorage", "Size"}, &f.EphemeralMB}} {
			if v := cfn.Path(m, n.path...); v != nil {
				var err error
				if *n.dst, err = t.evalInt(v); err != nil {
					return f, fmt.Errorf("%s: %w", strings.Join(n.path, "."), err)
				}
			}
		}
		if v := m["ReservedConcurrentExecutions"]; v != nil { // an !If's AWS::NoValue is gone
			n, err := t.evalInt(v)
			if err != nil {
				return f, fmt.Errorf("ReservedConcurrentExecutions: %w", err)
			}
			if n < 0 {
				return f, fmt.Errorf("ReservedConcurrentExecutions: %d: want 0 or more", n)
			}
			f.ReservedConcurrency = &n
		}
	}
	if err := t.events(&f, props); err != nil {
		return f, err
	}
	pol, err := t.Policies(id)
	if err != nil {
		return f, err
	}
	f.Policies = pol
	return f, nil
}

// events reads a function's HttpApi routes and S3 triggers.
func (t *Template) events(f *Function, props map[string]any) error {
	evs, err := t.Eval(props["Events"])
	if err != nil {
		return fmt.Errorf("Events: %w", err)
	}
	m, _ := evs.(map[string]any)
	for _, name := range cfn.Keys(m) {
		ev, _ := m[name].(map[string]any)
		p, _ := ev["Properties"].(map[string]any)
		str := func(v any) string { s, _ := t.EvalString(v); return s }
		switch ev["Type"] {
		case "HttpApi", "Api":
			f.Routes = append(f.Routes, Route{Method: strings.ToUpper(str(p["Method"])), Path: str(p["Path"])})
		case "S3":
			// SAM's S3 event, whose generated permission lets S3 invoke the function for
			// any bucket of the account (SourceAccount only).
			trig := S3Trigger{Bucket: str(p["Bucket"]), Prefix: s3KeyPrefix(p, str)}
			if evs, ok := p["Events"].(string); ok {
				trig.Event = evs
			}
			f.S3 = append(f.S3, trig)
		}
	}
	return nil
}

// Substitutions are the state machine's DefinitionSubstitutions, evaluated.
func (t *Template) Substitutions(id string) (map[string]string, error) {
	_, props := t.Resource(id)
	raw, _ := props["DefinitionSubstitutions"].(map[string]any)
	subs, err := t.EvalStrings(raw)
	if err != nil {
		return nil, fmt.Errorf("%s DefinitionSubstitutions %w", id, err)
	}
	return subs, nil
}

// FunctionName resolves a function name case-insensitively, with or without
// its Function suffix (splitter, SplitterFunction), to its logical ID.
func (t *Template) FunctionName(name string) (string, error) {
	ids := t.ResourcesOfType("AWS::Serverless::Function")
	for _, id := range ids {
		if strings.EqualFold(id, name) || strings.EqualFold(id, name+"Function") {
			return id, nil
		}
	}
	return "", fmt.Errorf("no function %q in the template (have %s)", name, strings.Join(ids, ", "))
}

// evalInt evaluates a property that must be a whole number.
func (t *Template) evalInt(v any) (int, error) {
	s, err := t.EvalString(v)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(s)
}
