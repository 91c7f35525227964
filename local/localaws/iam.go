package localaws

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/scattergather/scattergather/internal/cfn"
)

// IAM on the local AWS (docs/quotas.md, "IAM"). Every function runs with temporary
// credentials of its own role, and the gateway checks every AWS call a role makes
// against that role's statements, at action and resource level with the condition keys
// the template uses, before moto sees it. moto holds the roles (iam:CreateRole,
// iam:PutRolePolicy) and issues the credentials (sts:AssumeRole), but does not enforce
// them here: its access control ignores Resource (except S3's) and Condition
// (moto/iam/access_control.py), and its Step Functions interpreter signs every call it
// makes with the fixed key "ak" (moto/stepfunctions/parser/asl/utils/boto_client.py),
// which moto's own check would refuse. The gateway knows "ak" as the state machine's role.

// stateMachineKey is the access key moto's Step Functions interpreter signs with.
const stateMachineKey = "ak"

// role is an IAM role as the gateway checks it.
type role struct {
	name  string          // the function's or state machine's logical ID
	arn   string          // the caller's ARN as AWS names it: the assumed role's session
	stmts []cfn.Statement // the role's policies, SAM policy templates expanded
	creds aws.Credentials // the role's temporary credentials (none for the state machine)
}

// guard maps access keys to roles; a key it does not know (the user's, who deployed the
// stack) is not checked.
type guard struct{ byKey map[string]*role }

// newGuard creates a role in moto for every function and the state machine, with the
// template's statements as its inline policy, and assumes each function's role.
func newGuard(ctx context.Context, motoURL string, t *Template, machine string) (*guard, error) {
	cfg := aws.Config{Region: Region, BaseEndpoint: aws.String(motoURL),
		Credentials: credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, "")}
	sc := sts.NewFromConfig(cfg)
	ic := iamClient{url: motoURL, creds: aws.Credentials{AccessKeyID: AccessKeyID, SecretAccessKey: SecretAccessKey}}
	g := &guard{byKey: map[string]*role{}}
	add := func(id, service string, stmts []cfn.Statement) (*role, error) {
		trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"%s"},"Action":"sts:AssumeRole"}]}`, service)
		name := StackName + "-" + id
		var out struct {
			Arn string `xml:"CreateRoleResult>Role>Arn"`
		}
		if err := ic.call(ctx, "CreateRole", url.Values{"RoleName": {name}, "AssumeRolePolicyDocument": {trust}}, &out); err != nil {
			return nil, fmt.Errorf("create role %s: %w", name, err)
		}
		if err := ic.call(ctx, "PutRolePolicy", url.Values{"RoleName": {name},
			"PolicyName": {id + "Policy"}, "PolicyDocument": {policyDocument(stmts)}}, nil); err != nil {
			return nil, fmt.Errorf("put the policy of role %s: %w", name, err)
		}
		return &role{name: id, arn: out.Arn, stmts: stmts}, nil
	}
	for _, f := range t.Functions() {
		r, err := add(f.Name, "lambda.amazonaws.com", f.Policies)
		if err != nil {
			return nil, err
		}
		out, err := sc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(r.arn), RoleSessionName: aws.String(f.Name)})
		if err != nil {
			return nil, fmt.Errorf("assume the role of %s: %w", f.Name, err)
		}
		c := out.Credentials
		r.arn = aws.ToString(out.AssumedRoleUser.Arn)
		r.creds = aws.Credentials{AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey), SessionToken: aws.ToString(c.SessionToken)}
		g.byKey[r.creds.AccessKeyID] = r
	}
	stmts, err := t.Policies(machine)
	if err != nil {
		return nil, err
	}
	r, err := add(machine, "states.amazonaws.com", stmts)
	if err != nil {
		return nil, err
	}
	g.byKey[stateMachineKey] = r
	return g, nil
}

// role returns the role of a function by logical ID.
func (g *guard) role(name string) *role {
	for _, r := range g.byKey {
		if r.name == name {
			return r
		}
	}
	return nil
}

// policyDocument renders statements as an IAM policy document.
func policyDocument(stmts []cfn.Statement) string {
	type stmt struct {
		Sid       string                         `json:",omitempty"`
		Effect    string                         `json:"Effect"`
		Action    []string                       `json:"Action"`
		Resource  []string                       `json:"Resource"`
		Condition map[string]map[string][]string `json:",omitempty"`
	}
	doc := struct {
		Version   string `json:"Version"`
		Statement []stmt `json:"Statement"`
	}{Version: "2012-10-17"}
	for _, s := range stmts {
		doc.Statement = append(doc.Statement, stmt{s.Sid, s.Effect, s.Actions, s.Resources, s.Conditions})
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

// check is one authorization a request needs.
type check struct {
	action, resource string
	ctx              map[string]string
}

// allow checks r against its caller's role and answers AccessDenied, as the service
// would, when the role does not allow it; it reports whether r may go on.
func (g *guard) allow(w http.ResponseWriter, r *http.Request) bool {
	key, service := credentialScope(r)
	ro := g.byKey[key]
	if ro == nil {
		return true
	}
	checks, err := requestChecks(service, r)
	if err != nil {
		deny(w, r, service, fmt.Sprintf("the local AWS cannot authorize this request: %v", err))
		return false
	}
	for _, c := range checks {
		if cfn.AllowedIn(ro.stmts, c.action, c.resource, c.ctx) {
			continue
		}
		why := "no identity-based policy allows the " + c.action + " action"
		for _, s := range ro.stmts {
			if s.Effect == "Deny" && cfn.Matches(s, c.action, c.resource, c.ctx) {
				why = "with an explicit deny in an identity-based policy"
			}
		}
		// AWS's message for an implicit or explicit deny
		// (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html).
		deny(w, r, service, fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s because %s", ro.arn, c.action, c.resource, why))
		return false
	}
	return true
}

// credentialScope reads the access key and service of a SigV4-signed request, from its
// Authorization header or a presigned URL's X-Amz-Credential.
func credentialScope(r *http.Request) (key, service string) {
	cred := r.URL.Query().Get("X-Amz-Credential")
	if a := r.Header.Get("Authorization"); a != "" {
		_, cred, _ = strings.Cut(a, "Credential=")
		cred, _, _ = strings.Cut(cred, ",")
	}
	parts := strings.Split(cred, "/")
	if len(parts) < 4 {
		return "", ""
	}
	return parts[0], parts[3]
}

// deny answers AccessDenied the way the service does: S3's XML error with 403, the
// Lambda API's 403 and the JSON protocols' 400 AccessDeniedException.
func deny(w http.ResponseWriter, r *http.Request, service, msg string) {
	switch service {
	case "s3":
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		if r.Method != http.MethodHead {
			var b bytes.Buffer
			xml.EscapeText(&b, []byte(msg))
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>%s</Message><RequestId>local</RequestId></Error>`, b.String())
		}
	case "lambda":
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-ErrorType", "AccessDeniedException")
		w.WriteHeader(http.StatusForbidden)
		json.NewEncoder(w).Encode(map[string]string{"Type": "User", "Message": msg})
	default:
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("X-Amzn-ErrorType", "AccessDeniedException")
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazon.coral.service#AccessDeniedException", "message": msg})
	}
}

// requestChecks names the authorizations a request needs, per service.
func requestChecks(service string, r *http.Request) ([]check, error) {
	switch service {
	case "s3":
		return s3Checks(r)
	case "lambda":
		name, ok := lambdaName(r)
		if !ok {
			return nil, fmt.Errorf("lambda %s %s is not an Invoke", r.Method, r.URL.Path)
		}
		return []check{{action: "lambda:InvokeFunction", resource: lambdaARN(name)}}, nil
	case "sts":
		return nil, nil // GetCallerIdentity needs no permission; the roles call nothing else
	case "dynamodb", "states":
		return jsonChecks(service, r)
	}
	return nil, fmt.Errorf("service %q is not one the local AWS authorizes", service)
}

func lambdaName(r *http.Request) (string, bool) {
	const prefix, suffix = "/2015-03-31/functions/", "/invocations"
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), prefix)
	if !ok {
		return "", false
	}
	name, ok := strings.CutSuffix(strings.TrimSuffix(rest, "/"), suffix)
	if !ok {
		return "", false
	}
	n, err := url.PathUnescape(name)
	return n, err == nil && n != ""
}

// lambdaARN is the ARN a function name, partial ARN or ARN invokes.
func lambdaARN(name string) string {
	if strings.HasPrefix(name, "arn:") {
		return name
	}
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", Region, AccountID, name)
}

// jsonChecks authorizes a JSON-protocol call (DynamoDB, Step Functions) by its
// X-Amz-Target and the resource its body names.
func jsonChecks(service string, r *http.Request) ([]check, error) {
	_, op, ok := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	if !ok {
		return nil, fmt.Errorf("%s request without an X-Amz-Target", service)
	}
	body, err := peekBody(r)
	if err != nil {
		return nil, err
	}
	var in struct {
		TableName, IndexName                     string
		StateMachineArn, ExecutionArn, MapRunArn string
		RequestItems                             map[string]json.RawMessage
		TransactItems                            []map[string]struct{ TableName string }
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("%s %s: %w", service, op, err)
	}
	action := service + ":" + op
	if service == "states" {
		res := firstNonEmpty(in.ExecutionArn, in.StateMachineArn, in.MapRunArn, "*")
		return []check{{action: action, resource: res}}, nil
	}
	table := func(name string) string {
		return fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", Region, AccountID, name)
	}
	var checks []check
	switch {
	case len(in.RequestItems) > 0: // BatchGetItem, BatchWriteItem
		for name := range in.RequestItems {
			checks = append(checks, check{action: action, resource: table(name)})
		}
	case len(in.TransactItems) > 0: // each item needs its own action on its table
		for _, it := range in.TransactItems {
			for kind, item := range it {
				act := map[string]string{"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}[kind]
				checks = append(checks, check{action: "dynamodb:" + act, resource: table(item.TableName)})
			}
		}
	case in.IndexName != "":
		checks = append(checks, check{action: action, resource: table(in.TableName) + "/index/" + in.IndexName})
	default:
		checks = append(checks, check{action: action, resource: table(in.TableName)})
	}
	return checks, nil
}

// peekBody reads a request's body and puts it back for moto.
func peekBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, err
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// s3Checks names the actions an S3 REST request needs, as the S3 API reference lists
// them per operation (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations.html)
// and the service authorization reference names them
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html):
// object reads and writes on the object's ARN, listings on the bucket's with s3:prefix
// and s3:delimiter.
func s3Checks(r *http.Request) ([]check, error) {
	bucket, key := bucketKey(r)
	if bucket == "" {
		return []check{{action: "s3:ListAllMyBuckets", resource: "*"}}, nil
	}
	q := r.URL.Query()
	bucketARN := "arn:aws:s3:::" + bucket
	if key == "" {
		return s3BucketChecks(r, q, bucketARN)
	}
	obj := bucketARN + "/" + key
	one := func(action string) []check { return []check{{action: action, resource: obj}} }
	copySource := func(cs []check) []check {
		src := r.Header.Get("X-Amz-Copy-Source")
		if src == "" {
			return cs
		}
		src, _ = url.PathUnescape(strings.TrimPrefix(src, "/"))
		src, _, _ = strings.Cut(src, "?versionId=")
		return append(cs, check{action: "s3:GetObject", resource: "arn:aws:s3:::" + src})
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if action, ok := subresourceAction(q, objectReads); ok {
			return one(action), nil
		}
		return one("s3:GetObject"), nil
	case http.MethodPut:
		if q.Has("tagging") {
			return one("s3:PutObjectTagging"), nil
		}
		// PutObject, CopyObject, UploadPart and UploadPartCopy.
		return copySource(one("s3:PutObject")), nil
	case http.MethodPost:
		// CreateMultipartUpload and CompleteMultipartUpload.
		if q.Has("uploads") || q.Has("uploadId") {
			return one("s3:PutObject"), nil
		}
	case http.MethodDelete:
		if q.Has("uploadId") {
			return one("s3:AbortMultipartUpload"), nil
		}
		return one("s3:DeleteObject"), nil
	}
	return nil, fmt.Errorf("S3 %s %s?%s is not an operation the local AWS authorizes", r.Method, r.URL.Path, r.URL.RawQuery)
}

// subresource is a query parameter naming what a GET or HEAD of S3 reads, and the
// action that read needs.
type subresource struct{ param, action string }

// objectReads and bucketReads are the subresources of a GET or HEAD of an object and
// of a bucket, the first one a request names deciding; a request naming none reads the
// object (s3:GetObject) or lists the bucket (s3:ListBucket).
var (
	objectReads = []subresource{
		{"uploadId", "s3:ListMultipartUploadParts"},
		{"tagging", "s3:GetObjectTagging"},
		{"versionId", "s3:GetObjectVersion"},
	}
	bucketReads = []subresource{
		{"uploads", "s3:ListBucketMultipartUploads"},
		{"location", "s3:GetBucketLocation"},
		{"versions", "s3:ListBucketVersions"},
		{"lifecycle", "s3:GetLifecycleConfiguration"},
	}
)

// subresourceAction is the action of the first of reads that q names.
func subresourceAction(q url.Values, reads []subresource) (string, bool) {
	for _, s := range reads {
		if q.Has(s.param) {
			return s.action, true
		}
	}
	return "", false
}

// s3BucketChecks names the actions of a request on a bucket.
func s3BucketChecks(r *http.Request, q url.Values, arn string) ([]check, error) {
	one := func(action string) []check { return []check{{action: action, resource: arn}} }
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if action, ok := subresourceAction(q, bucketReads); ok {
			return one(action), nil
		}
		// ListObjects(V2) and HeadBucket need s3:ListBucket; a listing's prefix and
		// delimiter are its condition keys.
		ctx := map[string]string{}
		for _, k := range []string{"prefix", "delimiter", "max-keys"} {
			if q.Has(k) {
				ctx["s3:"+k] = q.Get(k)
			}
		}
		return []check{{action: "s3:ListBucket", resource: arn, ctx: ctx}}, nil
	case http.MethodPost:
		if !q.Has("delete") {
			break
		}
		// DeleteObjects needs s3:DeleteObject on every object it names.
		body, err := peekBody(r)
		if err != nil {
			return nil, err
		}
		var del struct {
			Objects []struct{ Key string } `xml:"Object"`
		}
		if err := xml.Unmarshal(body, &del); err != nil {
			return nil, fmt.Errorf("DeleteObjects: %w", err)
		}
		var cs []check
		for _, o := range del.Objects {
			cs = append(cs, check{action: "s3:DeleteObject", resource: arn + "/" + o.Key})
		}
		return cs, nil
	case http.MethodPut:
		if len(q) == 0 {
			return one("s3:CreateBucket"), nil
		}
	case http.MethodDelete:
		if len(q) == 0 {
			return one("s3:DeleteBucket"), nil
		}
	}
	return nil, fmt.Errorf("S3 %s %s?%s is not an operation the local AWS authorizes", r.Method, r.URL.Path, r.URL.RawQuery)
}
