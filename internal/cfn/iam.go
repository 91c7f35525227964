package cfn

import (
	"fmt"
	"sort"
	"strings"
)

// Statement is one evaluated IAM policy statement.
type Statement struct {
	Sid       string
	Effect    string
	Actions   []string
	Resources []string
	// Conditions are the statement's Condition block: operator, then key, then the
	// values any of which may match (StringEquals and StringLike only).
	Conditions map[string]map[string][]string
	// Source says where the statement came from (a policy template's name, or "inline").
	Source string
}

// conditionOperators are the Condition operators statements may use, and how each
// matches a request's value against a policy value
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
var conditionOperators = map[string]func(policy, value string) bool{
	"StringEquals": func(p, v string) bool { return p == v },
	"StringLike":   wildcard,
}

// samTemplates expands the SAM policy templates this template uses into their
// statements, exactly as samtranslator's policy_templates.json defines them. A template
// not listed here is reported, so the table grows with the template.
var samTemplates = map[string]struct {
	param  string
	expand func(v string) []Statement
}{
	"S3ReadPolicy": {"BucketName", func(b string) []Statement {
		return []Statement{{Effect: "Allow",
			Actions:   []string{"s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetObjectVersion", "s3:GetLifecycleConfiguration"},
			Resources: []string{"arn:aws:s3:::" + b, "arn:aws:s3:::" + b + "/*"}}}
	}},
	"S3CrudPolicy": {"BucketName", func(b string) []Statement {
		return []Statement{{Effect: "Allow",
			Actions: []string{"s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetObjectVersion", "s3:PutObject",
				"s3:PutObjectAcl", "s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration", "s3:DeleteObject"},
			Resources: []string{"arn:aws:s3:::" + b, "arn:aws:s3:::" + b + "/*"}}}
	}},
	"DynamoDBCrudPolicy": {"TableName", func(tbl string) []Statement {
		arn := fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", Region, AccountID, tbl)
		return []Statement{{Effect: "Allow",
			Actions: []string{"dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:Scan", "dynamodb:Query",
				"dynamodb:UpdateItem", "dynamodb:BatchWriteItem", "dynamodb:BatchGetItem", "dynamodb:DescribeTable", "dynamodb:ConditionCheckItem"},
			Resources: []string{arn, arn + "/index/*"}}}
	}},
	"DynamoDBReadPolicy": {"TableName", func(tbl string) []Statement {
		arn := fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", Region, AccountID, tbl)
		return []Statement{{Effect: "Allow",
			Actions:   []string{"dynamodb:GetItem", "dynamodb:Scan", "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:DescribeTable"},
			Resources: []string{arn, arn + "/index/*"}}}
	}},
	"LambdaInvokePolicy": {"FunctionName", func(fn string) []Statement {
		return []Statement{{Effect: "Allow", Actions: []string{"lambda:InvokeFunction"},
			Resources: []string{fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s*", Region, AccountID, fn)}}}
	}},
}

// Policies evaluates the Policies of a serverless function or state machine into
// statements: SAM policy templates expanded, inline statements as written, entries whose
// condition is false dropped.
func (t *Template) Policies(id string) ([]Statement, error) {
	_, props := t.Resource(id)
	raw, ok := props["Policies"]
	if !ok {
		return nil, nil
	}
	ev, err := t.Eval(raw)
	if err != nil {
		return nil, fmt.Errorf("%s Policies: %w", id, err)
	}
	var out []Statement
	for i, e := range oneOrList(ev) {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s Policies[%d]: %v is not a policy template or document (managed policies are not allowed here)", id, i, e)
		}
		if stmts, ok := m["Statement"]; ok {
			ss, err := statements(stmts)
			if err != nil {
				return nil, fmt.Errorf("%s Policies[%d]: %w", id, i, err)
			}
			out = append(out, ss...)
			continue
		}
		if len(m) != 1 {
			return nil, fmt.Errorf("%s Policies[%d]: want one policy template, got %v", id, i, Keys(m))
		}
		for name, args := range m {
			tmpl, ok := samTemplates[name]
			if !ok {
				return nil, fmt.Errorf("%s Policies[%d]: policy template %s is not in the test's table", id, i, name)
			}
			am, _ := args.(map[string]any)
			v, _ := am[tmpl.param].(string)
			if v == "" {
				return nil, fmt.Errorf("%s Policies[%d]: %s needs %s", id, i, name, tmpl.param)
			}
			for _, s := range tmpl.expand(v) {
				s.Source = name
				out = append(out, s)
			}
		}
	}
	return out, nil
}

func statements(v any) ([]Statement, error) {
	var out []Statement
	for _, e := range oneOrList(v) {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("statement %v is not a mapping", e)
		}
		for _, unsupported := range []string{"NotAction", "NotResource", "NotPrincipal"} {
			if _, has := m[unsupported]; has {
				return nil, fmt.Errorf("statement %v: %s is not allowed", m["Sid"], unsupported)
			}
		}
		s := Statement{Source: "inline"}
		s.Sid, _ = m["Sid"].(string)
		s.Effect, _ = m["Effect"].(string)
		s.Actions = strs(m["Action"])
		s.Resources = strs(m["Resource"])
		if c, ok := m["Condition"]; ok {
			conds, err := conditions(c)
			if err != nil {
				return nil, fmt.Errorf("statement %q: %w", s.Sid, err)
			}
			s.Conditions = conds
		}
		if s.Effect != "Allow" && s.Effect != "Deny" {
			return nil, fmt.Errorf("statement %q: Effect %v", s.Sid, m["Effect"])
		}
		if len(s.Actions) == 0 || len(s.Resources) == 0 {
			return nil, fmt.Errorf("statement %q: no Action or no Resource", s.Sid)
		}
		out = append(out, s)
	}
	return out, nil
}

// conditions parses a Condition block: {"Operator": {"key": value or [values]}}.
func conditions(v any) (map[string]map[string][]string, error) {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		return nil, fmt.Errorf("Condition %v is not a mapping of operators", v)
	}
	out := map[string]map[string][]string{}
	for op, kv := range m {
		if conditionOperators[op] == nil {
			return nil, fmt.Errorf("Condition operator %s is not one the check evaluates (%v)", op, Keys(map[string]any{"StringEquals": 0, "StringLike": 0}))
		}
		keys, ok := kv.(map[string]any)
		if !ok || len(keys) == 0 {
			return nil, fmt.Errorf("Condition %s: %v is not a mapping of keys", op, kv)
		}
		out[op] = map[string][]string{}
		for k, vals := range keys {
			vs := strs(vals)
			if len(vs) == 0 {
				return nil, fmt.Errorf("Condition %s %s: no values", op, k)
			}
			out[op][k] = vs
		}
	}
	return out, nil
}

// conditionsHold reports whether a request with the context keys ctx meets every
// condition: within an operator every key must match, a key matches when any of its
// values does, and a key the request does not have matches nothing.
func conditionsHold(conds map[string]map[string][]string, ctx map[string]string) bool {
	for op, keys := range conds {
		match := conditionOperators[op]
		for k, vals := range keys {
			v, ok := ctx[k]
			if !ok {
				return false
			}
			hit := false
			for _, p := range vals {
				hit = hit || match(p, v)
			}
			if !hit {
				return false
			}
		}
	}
	return true
}

// oneOrList is v's entries where a policy takes one entry or a list of them
// (Policies, Statement, Action, Resource).
func oneOrList(v any) []any {
	if list, ok := v.([]any); ok {
		return list
	}
	return []any{v}
}

func strs(v any) []string {
	var out []string
	for _, e := range oneOrList(v) {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// Keys returns a map's keys, sorted.
func Keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Allowed reports whether the statements allow action on resource for a request with no
// condition keys: see AllowedIn.
func Allowed(stmts []Statement, action, resource string) bool {
	return AllowedIn(stmts, action, resource, nil)
}

// AllowedIn reports whether the statements allow action on resource for a request whose
// condition keys are ctx (for example s3:prefix of a ListObjectsV2): an Allow matches and
// no Deny does. Actions match case-insensitively, resources case-sensitively, both with
// IAM's * and ? wildcards; a statement's conditions must all hold.
func AllowedIn(stmts []Statement, action, resource string, ctx map[string]string) bool {
	allowed := false
	for _, s := range stmts {
		if !Matches(s, action, resource, ctx) {
			continue
		}
		if s.Effect == "Deny" {
			return false
		}
		allowed = true
	}
	return allowed
}

// Matches reports whether statement s applies to action on resource for a request with
// the condition keys ctx.
func Matches(s Statement, action, resource string, ctx map[string]string) bool {
	return matchAny(s.Actions, action, true) && matchAny(s.Resources, resource, false) && conditionsHold(s.Conditions, ctx)
}

func matchAny(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if fold {
			if wildcard(strings.ToLower(p), strings.ToLower(s)) {
				return true
			}
		} else if wildcard(p, s) {
			return true
		}
	}
	return false
}

// wildcard matches s against p, where * matches any run of characters and ? one.
func wildcard(p, s string) bool {
	px, sx := 0, 0
	star, mark := -1, 0
	for sx < len(s) {
		switch {
		case px < len(p) && (p[px] == '?' || p[px] == s[sx]):
			px++
			sx++
		case px < len(p) && p[px] == '*':
			star, mark = px, sx
			px++
		case star >= 0:
			px = star + 1
			mark++
			sx = mark
		default:
			return false
		}
	}
	for px < len(p) && p[px] == '*' {
		px++
	}
	return px == len(p)
}

// ResourcelessActions are the actions that take no resource ARN, so a statement of only
// these may name Resource "*".
var ResourcelessActions = map[string]bool{
	"logs:CreateLogDelivery":        true,
	"logs:GetLogDelivery":           true,
	"logs:UpdateLogDelivery":        true,
	"logs:DeleteLogDelivery":        true,
	"logs:ListLogDeliveries":        true,
	"logs:PutResourcePolicy":        true,
	"logs:DescribeResourcePolicies": true,
	"logs:DescribeLogGroups":        true,
	"xray:PutTraceSegments":         true,
	"xray:PutTelemetryRecords":      true,
	"xray:GetSamplingRules":         true,
	"xray:GetSamplingTargets":       true,
}

// Lint reports statements that break least privilege: a wildcard action, or Resource "*"
// with an action that has a narrower resource.
func Lint(principal string, stmts []Statement) []string {
	var problems []string
	for _, s := range stmts {
		for _, a := range s.Actions {
			if a == "*" || strings.HasSuffix(a, ":*") {
				problems = append(problems, fmt.Sprintf("%s: statement %q allows every action (%s)", principal, s.Sid, a))
			}
		}
		for _, r := range s.Resources {
			if r != "*" {
				continue
			}
			for _, a := range s.Actions {
				if !ResourcelessActions[a] {
					problems = append(problems, fmt.Sprintf("%s: statement %q allows %s on Resource \"*\", which has a narrower ARN", principal, s.Sid, a))
				}
			}
		}
	}
	return problems
}
