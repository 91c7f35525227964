package localaws

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Local stand-ins for the pseudo parameters.
const (
	Region    = "us-east-1"
	AccountID = "123456789012" // moto's default account
	StackName = "scatter-local"
)

// Template is the part of a SAM template the local AWS needs.
type Template struct {
	Resources map[string]Resource
	params    map[string]string
	globals   *yaml.Node
}

// Resource is one template resource.
type Resource struct {
	LogicalID string
	Type      string
	Props     *yaml.Node
}

// Function is a serverless function as the local AWS runs it.
type Function struct {
	Name     string
	Env      map[string]string
	Timeout  int
	MemoryMB int
	// Routes are the HttpApi routes ("POST /jobs") and S3 the bucket trigger, if any.
	Routes []Route
	S3     []S3Trigger
}

// Route is an HTTP API route served by a function.
type Route struct{ Method, Path string }

// S3Trigger starts a function on ObjectCreated under Prefix in Bucket.
type S3Trigger struct{ Bucket, Prefix string }

// LoadTemplate parses a SAM template file.
func LoadTemplate(path string) (*Template, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: empty template", path)
	}
	root := doc.Content[0]
	t := &Template{Resources: map[string]Resource{}, params: map[string]string{}}
	if ps := get(root, "Parameters"); ps != nil {
		for i := 0; i+1 < len(ps.Content); i += 2 {
			if d := get(ps.Content[i+1], "Default"); d != nil {
				t.params[ps.Content[i].Value] = d.Value
			}
		}
	}
	if g := get(root, "Globals"); g != nil {
		t.globals = get(g, "Function")
	}
	rs := get(root, "Resources")
	if rs == nil {
		return nil, fmt.Errorf("%s: no Resources", path)
	}
	for i := 0; i+1 < len(rs.Content); i += 2 {
		id, body := rs.Content[i].Value, rs.Content[i+1]
		r := Resource{LogicalID: id, Props: get(body, "Properties")}
		if ty := get(body, "Type"); ty != nil {
			r.Type = ty.Value
		}
		t.Resources[id] = r
	}
	return t, nil
}

// get returns the value of key in a mapping node, or nil.
func get(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// LocalName is the physical name a resource gets locally.
func (t *Template) LocalName(id string) string {
	r := t.Resources[id]
	if prop, ok := nameProps[r.Type]; ok {
		if n := get(r.Props, prop); n != nil {
			return t.Eval(n)
		}
	}
	switch r.Type {
	case "AWS::S3::Bucket", "AWS::DynamoDB::Table":
		return "scatter-" + strings.ToLower(id)
	}
	return id
}

// nameProps is the property that names a resource of each type.
var nameProps = map[string]string{
	"AWS::S3::Bucket":                  "BucketName",
	"AWS::DynamoDB::Table":             "TableName",
	"AWS::Serverless::StateMachine":    "Name",
	"AWS::StepFunctions::StateMachine": "Name",
}

// ARN is the local ARN of a resource.
func (t *Template) ARN(id string) string {
	r := t.Resources[id]
	switch r.Type {
	case "AWS::S3::Bucket":
		return "arn:aws:s3:::" + t.LocalName(id)
	case "AWS::DynamoDB::Table":
		return fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", Region, AccountID, t.LocalName(id))
	case "AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine":
		return fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", Region, AccountID, t.LocalName(id))
	case "AWS::Serverless::Function", "AWS::Lambda::Function":
		return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", Region, AccountID, id)
	}
	return id
}

// ByType lists the logical IDs of a resource type, sorted.
func (t *Template) ByType(types ...string) []string {
	var ids []string
	for id, r := range t.Resources {
		for _, ty := range types {
			if r.Type == ty {
				ids = append(ids, id)
			}
		}
	}
	sort.Strings(ids)
	return ids
}

// ref resolves a Ref: a parameter's default, a pseudo parameter, or a resource's name.
func (t *Template) ref(name string) string {
	switch name {
	case "AWS::Region":
		return Region
	case "AWS::AccountId":
		return AccountID
	case "AWS::StackName":
		return StackName
	case "AWS::Partition":
		return "aws"
	case "AWS::URLSuffix":
		return "amazonaws.com"
	case "AWS::NoValue":
		return ""
	}
	if v, ok := t.params[name]; ok {
		return v
	}
	r, ok := t.Resources[name]
	if !ok {
		return name
	}
	switch r.Type {
	case "AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine":
		return t.ARN(name)
	}
	return t.LocalName(name)
}

func (t *Template) getAtt(spec string) string {
	id, attr, _ := strings.Cut(spec, ".")
	switch attr {
	case "Arn":
		return t.ARN(id)
	case "Name", "TableName":
		return t.LocalName(id)
	}
	return t.LocalName(id)
}

// Eval resolves a scalar or an intrinsic (Ref, GetAtt, Sub, Join, If) to a string.
func (t *Template) Eval(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	switch n.Tag {
	case "!Ref":
		return t.ref(n.Value)
	case "!GetAtt":
		if n.Kind == yaml.SequenceNode && len(n.Content) == 2 {
			return t.getAtt(n.Content[0].Value + "." + n.Content[1].Value)
		}
		return t.getAtt(n.Value)
	case "!Sub":
		if n.Kind == yaml.SequenceNode && len(n.Content) > 0 {
			return t.sub(n.Content[0].Value)
		}
		return t.sub(n.Value)
	case "!Join":
		return t.join(n)
	case "!If":
		if n.Kind == yaml.SequenceNode && len(n.Content) == 3 {
			return t.Eval(n.Content[2]) // conditions are off locally: the false branch
		}
	}
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 {
		v := n.Content[1]
		switch n.Content[0].Value {
		case "Ref":
			return t.ref(v.Value)
		case "Fn::GetAtt":
			if v.Kind == yaml.SequenceNode && len(v.Content) == 2 {
				return t.getAtt(v.Content[0].Value + "." + v.Content[1].Value)
			}
			return t.getAtt(v.Value)
		case "Fn::Sub":
			if v.Kind == yaml.SequenceNode && len(v.Content) > 0 {
				return t.sub(v.Content[0].Value)
			}
			return t.sub(v.Value)
		case "Fn::Join":
			return t.join(v)
		}
	}
	return n.Value
}

func (t *Template) join(n *yaml.Node) string {
	if n.Kind != yaml.SequenceNode || len(n.Content) != 2 {
		return ""
	}
	var parts []string
	for _, p := range n.Content[1].Content {
		parts = append(parts, t.Eval(p))
	}
	return strings.Join(parts, n.Content[0].Value)
}

func (t *Template) sub(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.Index(s[i:], "}")
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		name := s[i+2 : i+j]
		if strings.Contains(name, ".") {
			b.WriteString(t.getAtt(name))
		} else {
			b.WriteString(t.ref(name))
		}
		s = s[i+j+1:]
	}
}

// Functions returns every serverless function with its environment, timeout,
// memory and events resolved, Globals first and the function's own on top.
func (t *Template) Functions() []Function {
	var fns []Function
	for _, id := range t.ByType("AWS::Serverless::Function") {
		r := t.Resources[id]
		f := Function{Name: id, Env: map[string]string{}, Timeout: 3, MemoryMB: 128}
		for _, scope := range []*yaml.Node{t.globals, r.Props} {
			if vars := get(get(scope, "Environment"), "Variables"); vars != nil {
				for i := 0; i+1 < len(vars.Content); i += 2 {
					f.Env[vars.Content[i].Value] = t.Eval(vars.Content[i+1])
				}
			}
			if v := get(scope, "Timeout"); v != nil {
				if n, err := strconv.Atoi(t.Eval(v)); err == nil {
					f.Timeout = n
				}
			}
			if v := get(scope, "MemorySize"); v != nil {
				if n, err := strconv.Atoi(t.Eval(v)); err == nil {
					f.MemoryMB = n
				}
			}
		}
		if evs := get(r.Props, "Events"); evs != nil {
			for i := 0; i+1 < len(evs.Content); i += 2 {
				ev := evs.Content[i+1]
				props := get(ev, "Properties")
				switch ty := get(ev, "Type"); {
				case ty == nil:
				case ty.Value == "HttpApi" || ty.Value == "Api":
					f.Routes = append(f.Routes, Route{Method: strings.ToUpper(t.Eval(get(props, "Method"))), Path: t.Eval(get(props, "Path"))})
				case ty.Value == "S3":
					trig := S3Trigger{Bucket: t.Eval(get(props, "Bucket"))}
					if rules := get(get(get(props, "Filter"), "S3Key"), "Rules"); rules != nil {
						for _, rule := range rules.Content {
							if strings.EqualFold(t.Eval(get(rule, "Name")), "prefix") {
								trig.Prefix = t.Eval(get(rule, "Value"))
							}
						}
					}
					f.S3 = append(f.S3, trig)
				}
			}
		}
		fns = append(fns, f)
	}
	return fns
}

// FunctionName resolves a function name case-insensitively, with or without
// its Function suffix (splitter, SplitterFunction), to its logical ID.
func (t *Template) FunctionName(name string) (string, error) {
	ids := t.ByType("AWS::Serverless::Function")
	for _, id := range ids {
		if strings.EqualFold(id, name) || strings.EqualFold(id, name+"Function") {
			return id, nil
		}
	}
	return "", fmt.Errorf("no function %q in the template (have %s)", name, strings.Join(ids, ", "))
}
