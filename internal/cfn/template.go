package cfn

import (
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Stand-ins for the pseudo parameters when a template is evaluated offline.
const (
	Partition = "aws"
	Region    = "us-east-1"
	AccountID = "123456789012" // the documentation account
	StackName = "sg-test"
)

// Template is a parsed SAM template: plain Go values (map[string]any, []any, string,
// bool, int, float64) with every short-form intrinsic (!Ref, !Sub, ...) rewritten to its
// long form ({"Ref": ...}, {"Fn::Sub": ...}), so it can be evaluated and edited.
type Template struct {
	Root map[string]any
	// Params overrides parameter defaults (a CommaDelimitedList as comma-separated text).
	Params map[string]string
	// StackName is AWS::StackName and the prefix of generated physical names; empty
	// means the constant StackName.
	StackName string
	// Names are physical names chosen by whoever deploys the template, by logical ID;
	// they win over the template's name properties and generated names.
	Names map[string]string
}

// Load parses the SAM template at path.
func Load(path string) (*Template, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(raw)
}

// Parse parses SAM template text.
func Parse(raw []byte) (*Template, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("template: empty")
	}
	v, err := fromNode(doc.Content[0])
	if err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	root, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("template: the document is not a mapping")
	}
	return &Template{Root: root, Params: map[string]string{}}, nil
}

// fromNode converts a YAML node, turning short-form intrinsic tags into long-form maps.
func fromNode(n *yaml.Node) (any, error) {
	var v any
	custom := strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!")
	switch n.Kind {
	case yaml.AliasNode:
		return fromNode(n.Alias)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			val, err := fromNode(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = val
		}
		v = m
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			val, err := fromNode(c)
			if err != nil {
				return nil, err
			}
			l = append(l, val)
		}
		v = l
	case yaml.ScalarNode:
		if custom {
			v = n.Value
		} else if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
	default:
		return nil, fmt.Errorf("line %d: unexpected YAML node kind %d", n.Line, n.Kind)
	}
	if !custom {
		return v, nil
	}
	name := n.Tag[1:]
	switch name {
	case "Ref", "Condition":
		return map[string]any{name: v}, nil
	case "GetAtt":
		if s, ok := v.(string); ok { // !GetAtt Res.Attr
			id, attr, _ := strings.Cut(s, ".")
			v = []any{id, attr}
		}
		return map[string]any{"Fn::GetAtt": v}, nil
	}
	return map[string]any{"Fn::" + name: v}, nil
}

// Resource returns the resource's Type and Properties ("" and nil when absent).
func (t *Template) Resource(id string) (typ string, props map[string]any) {
	r, _ := mapAt(t.Root, "Resources", id)
	typ, _ = r["Type"].(string)
	props, _ = r["Properties"].(map[string]any)
	return typ, props
}

// ResourcesOfType lists the logical IDs of a resource type, sorted.
func (t *Template) ResourcesOfType(typ string) []string {
	rs, _ := t.Root["Resources"].(map[string]any)
	var ids []string
	for id, r := range rs {
		if m, ok := r.(map[string]any); ok && m["Type"] == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// mapAt walks nested maps by key.
func mapAt(v any, keys ...string) (map[string]any, bool) {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		v = m[k]
	}
	m, ok := v.(map[string]any)
	return m, ok
}

// Path walks nested maps by key and returns the value there, or nil.
func Path(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// noValue is what AWS::NoValue evaluates to; lists and maps drop it.
type noValue struct{}

// Eval resolves the intrinsics in v with the parameters' defaults (or Params), the
// pseudo-parameter stand-ins and offline physical names: a bucket's BucketName or
// "sg-test-<id>", a function's "sg-test-<id>", a state machine's Name or id. Refs to
// CommaDelimitedList parameters give []any. Strings stay strings.
func (t *Template) Eval(v any) (any, error) {
	switch x := v.(type) {
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			ev, err := t.Eval(e)
			if err != nil {
				return nil, err
			}
			if _, skip := ev.(noValue); !skip {
				out = append(out, ev)
			}
		}
		return out, nil
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				if k == "Ref" || strings.HasPrefix(k, "Fn::") || k == "Condition" && !isMap(arg) {
					return t.intrinsic(k, arg)
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			ev, err := t.Eval(e)
			if err != nil {
				return nil, err
			}
			if _, skip := ev.(noValue); !skip {
				out[k] = ev
			}
		}
		return out, nil
	}
	return v, nil
}

func isMap(v any) bool { _, ok := v.(map[string]any); return ok }

// EvalString evaluates v and wants a string (numbers and booleans are formatted).
func (t *Template) EvalString(v any) (string, error) {
	ev, err := t.Eval(v)
	if err != nil {
		return "", err
	}
	switch s := ev.(type) {
	case string:
		return s, nil
	case int:
		return strconv.Itoa(s), nil
	case float64:
		return strconv.FormatFloat(s, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(s), nil
	}
	return "", fmt.Errorf("%v evaluates to %T, want a string", v, ev)
}

// EvalStrings evaluates each value of m as EvalString does (in the order of the keys, so
// the first error is always the same one) and names the key of a value that fails: an
// Environment's Variables, a state machine's DefinitionSubstitutions.
func (t *Template) EvalStrings(m map[string]any) (map[string]string, error) {
	out := make(map[string]string, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		s, err := t.EvalString(m[k])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = s
	}
	return out, nil
}

func (t *Template) intrinsic(fn string, arg any) (any, error) {
	switch fn {
	case "Ref":
		name, _ := arg.(string)
		return t.ref(name)
	case "Condition":
		name, _ := arg.(string)
		return t.Condition(name)
	case "Fn::GetAtt":
		args, err := argList(fn, arg, "[resource, attribute]")
		if err != nil {
			return nil, err
		}
		id, _ := args[0].(string)
		attr, _ := args[1].(string)
		return t.getAtt(id, attr)
	case "Fn::Sub":
		return t.sub(arg)
	case "Fn::Join":
		return t.join(arg)
	case "Fn::Split":
		args, err := argList(fn, arg, "[delimiter, string]")
		if err != nil {
			return nil, err
		}
		s, err := t.EvalString(args[1])
		if err != nil {
			return nil, err
		}
		delim, _ := args[0].(string)
		var out []any
		for _, p := range strings.Split(s, delim) {
			out = append(out, p)
		}
		return out, nil
	case "Fn::Select":
		return t.selectItem(arg)
	case "Fn::If":
		args, err := argList(fn, arg, "[condition, then, else]")
		if err != nil {
			return nil, err
		}
		name, _ := args[0].(string)
		ok, err := t.Condition(name)
		if err != nil {
			return nil, err
		}
		if ok {
			return t.Eval(args[1])
		}
		return t.Eval(args[2])
	case "Fn::Not", "Fn::And", "Fn::Or", "Fn::Equals":
		args, _ := arg.([]any)
		return t.condExpr(fn, args)
	}
	return nil, fmt.Errorf("intrinsic %s is not supported offline", fn)
}

// argList is an intrinsic's argument list, which must have as many items as want names
// ("[delimiter, list]").
func argList(fn string, arg any, want string) ([]any, error) {
	args, _ := arg.([]any)
	if len(args) != strings.Count(want, ",")+1 {
		return nil, fmt.Errorf("%s %v: want %s", fn, arg, want)
	}
	return args, nil
}

// join is Fn::Join: [delimiter, list].
func (t *Template) join(arg any) (any, error) {
	args, err := argList("Fn::Join", arg, "[delimiter, list]")
	if err != nil {
		return nil, err
	}
	items, err := t.evalList("Fn::Join", args[1])
	if err != nil {
		return nil, err
	}
	parts := make([]string, len(items))
	for i, it := range items {
		if parts[i], err = t.EvalString(it); err != nil {
			return nil, err
		}
	}
	delim, _ := args[0].(string)
	return strings.Join(parts, delim), nil
}

// selectItem is Fn::Select: [index, list].
func (t *Template) selectItem(arg any) (any, error) {
	args, err := argList("Fn::Select", arg, "[index, list]")
	if err != nil {
		return nil, err
	}
	idx, err := t.EvalString(args[0])
	if err != nil {
		return nil, err
	}
	i, err := strconv.Atoi(idx)
	if err != nil {
		return nil, fmt.Errorf("Fn::Select index %q: %w", idx, err)
	}
	items, err := t.evalList("Fn::Select", args[1])
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= len(items) {
		return nil, fmt.Errorf("Fn::Select %d of %v", i, items)
	}
	return items[i], nil
}

// evalList evaluates v, an argument of the intrinsic fn, and wants a list.
func (t *Template) evalList(fn string, v any) ([]any, error) {
	ev, err := t.Eval(v)
	if err != nil {
		return nil, err
	}
	items, ok := ev.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: %v is not a list", fn, ev)
	}
	return items, nil
}

// Condition evaluates a condition of the Conditions section.
func (t *Template) Condition(name string) (bool, error) {
	conds, _ := t.Root["Conditions"].(map[string]any)
	c, ok := conds[name]
	if !ok {
		return false, fmt.Errorf("no condition %q", name)
	}
	v, err := t.Eval(c)
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("condition %s is %v, not a boolean", name, v)
	}
	return b, nil
}

func (t *Template) condExpr(fn string, args []any) (bool, error) {
	if fn == "Fn::Equals" {
		if len(args) != 2 {
			return false, fmt.Errorf("Fn::Equals %v: want two values", args)
		}
		a, err := t.EvalString(args[0])
		if err != nil {
			return false, err
		}
		b, err := t.EvalString(args[1])
		return a == b, err
	}
	var vals []bool
	for _, a := range args {
		v, err := t.Eval(a)
		if err != nil {
			return false, err
		}
		b, ok := v.(bool)
		if !ok {
			return false, fmt.Errorf("%s: %v is not a boolean", fn, v)
		}
		vals = append(vals, b)
	}
	switch fn {
	case "Fn::Not":
		if len(vals) != 1 {
			return false, fmt.Errorf("Fn::Not wants one condition")
		}
		return !vals[0], nil
	case "Fn::And":
		for _, b := range vals {
			if !b {
				return false, nil
			}
		}
		return true, nil
	}
	for _, b := range vals { // Fn::Or
		if b {
			return true, nil
		}
	}
	return false, nil
}

// param is a parameter's value: Params, else its Default.
func (t *Template) param(name string) (any, bool) {
	p, ok := mapAt(t.Root, "Parameters", name)
	if !ok {
		return nil, false
	}
	val, set := t.Params[name]
	if !set {
		d, ok := p["Default"]
		if !ok {
			return nil, false
		}
		switch x := d.(type) {
		case string:
			val = x
		case int:
			val = strconv.Itoa(x)
		default:
			val = fmt.Sprint(x)
		}
	}
	if p["Type"] == "CommaDelimitedList" {
		var items []any
		for _, s := range strings.Split(val, ",") {
			items = append(items, strings.TrimSpace(s))
		}
		return items, true
	}
	return val, true
}

func (t *Template) ref(name string) (any, error) {
	switch name {
	case "AWS::Partition":
		return Partition, nil
	case "AWS::Region":
		return Region, nil
	case "AWS::AccountId":
		return AccountID, nil
	case "AWS::StackName":
		return t.stackName(), nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::NoValue":
		return noValue{}, nil
	}
	if v, ok := t.param(name); ok {
		return v, nil
	}
	typ, _ := t.Resource(name)
	switch typ {
	case "":
		return nil, fmt.Errorf("unresolved Ref %s: no such parameter or resource", name)
	case "AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine":
		return t.getAtt(name, "Arn")
	}
	return t.PhysicalName(name)
}

// PhysicalName is the name a resource gets: its name property when set, else one made
// from the stack name and the logical ID.
func (t *Template) PhysicalName(id string) (string, error) {
	if n, ok := t.Names[id]; ok {
		return n, nil
	}
	typ, props := t.Resource(id)
	prop := map[string]string{
		"AWS::S3::Bucket":               "BucketName",
		"AWS::DynamoDB::Table":          "TableName",
		"AWS::Serverless::Function":     "FunctionName",
		"AWS::Serverless::StateMachine": "Name",
		"AWS::Logs::LogGroup":           "LogGroupName",
	}[typ]
	if v, ok := props[prop]; ok && prop != "" {
		return t.EvalString(v)
	}
	if typ == "AWS::Serverless::StateMachine" {
		return id, nil
	}
	return t.stackName() + "-" + strings.ToLower(id), nil
}

func (t *Template) stackName() string {
	if t.StackName != "" {
		return t.StackName
	}
	return StackName
}

func (t *Template) getAtt(id, attr string) (string, error) {
	typ, _ := t.Resource(id)
	name, err := t.PhysicalName(id)
	if err != nil {
		return "", err
	}
	switch typ + "." + attr {
	case "AWS::S3::Bucket.Arn":
		return "arn:" + Partition + ":s3:::" + name, nil
	case "AWS::DynamoDB::Table.Arn":
		return fmt.Sprintf("arn:%s:dynamodb:%s:%s:table/%s", Partition, Region, AccountID, name), nil
	case "AWS::Serverless::Function.Arn":
		return fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", Partition, Region, AccountID, name), nil
	case "AWS::Serverless::StateMachine.Arn":
		return fmt.Sprintf("arn:%s:states:%s:%s:stateMachine:%s", Partition, Region, AccountID, name), nil
	case "AWS::Serverless::StateMachine.Name", "AWS::S3::Bucket.BucketName":
		return name, nil
	case "AWS::Logs::LogGroup.Arn":
		return fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s:*", Partition, Region, AccountID, name), nil
	}
	return "", fmt.Errorf("Fn::GetAtt %s.%s (a %s) is not supported offline", id, attr, typ)
}

var subVar = regexp.MustCompile(`\$\{([^}]*)\}`)

func (t *Template) sub(arg any) (string, error) {
	text, vars := "", map[string]any{}
	switch x := arg.(type) {
	case string:
		text = x
	case []any:
		if len(x) != 2 {
			return "", fmt.Errorf("Fn::Sub %v: want a string or [string, variables]", arg)
		}
		text, _ = x[0].(string)
		vars, _ = x[1].(map[string]any)
	}
	var firstErr error
	out := subVar.ReplaceAllStringFunc(text, func(m string) string {
		name := m[2 : len(m)-1]
		if strings.HasPrefix(name, "!") {
			return "${" + name[1:] + "}"
		}
		var s string
		var err error
		switch v, ok := vars[name]; {
		case ok:
			s, err = t.EvalString(v)
		case strings.Contains(name, "."):
			id, attr, _ := strings.Cut(name, ".")
			s, err = t.getAtt(id, attr)
		default:
			var v any
			if v, err = t.ref(name); err == nil {
				s, err = t.EvalString(v)
			}
		}
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("Fn::Sub ${%s}: %w", name, err)
		}
		return s
	})
	return out, firstErr
}

// Clone returns a deep copy, for edits that must not touch the original.
func (t *Template) Clone() *Template {
	params := make(map[string]string, len(t.Params))
	for k, v := range t.Params {
		params[k] = v
	}
	names := make(map[string]string, len(t.Names))
	for k, v := range t.Names {
		names[k] = v
	}
	return &Template{Root: deepCopy(t.Root).(map[string]any), Params: params, StackName: t.StackName, Names: names}
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}
