package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Caller is the IAM principal that signed an HTTP API request. With IAM authorization on
// a route, API Gateway invokes it only for a SigV4-signed request from a principal allowed
// execute-api:Invoke, and passes the principal in the payload 2.0 event's
// requestContext.authorizer.iam (accessKey, accountId, callerId, principalOrgId, userArn,
// userId):
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
type Caller struct {
	// UserARN is the principal's ARN: arn:aws:iam::ACCOUNT:user/NAME, or
	// arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION for a role's session.
	UserARN string `json:"userArn,omitempty"`
	// UserID is the principal's unique ID (AIDA... for a user, AROA...:SESSION for a role).
	UserID    string `json:"userId,omitempty"`
	AccountID string `json:"accountId,omitempty"`
}

// Owner is how a job records who submitted it: the caller's ARN, else its user ID.
func (c Caller) Owner() string {
	if c.UserARN != "" {
		return c.UserARN
	}
	if c.UserID != "" {
		return ownerUserIDPrefix + c.UserID
	}
	return ""
}

// ownerUserIDPrefix marks an owner known by its unique ID only (an S3 upload's
// userIdentity.principalId, "AWS:AIDA...", names the uploader that way).
const ownerUserIDPrefix = "userid:"

// owns reports whether the caller is the principal owner names.
func (c Caller) owns(owner string) bool {
	return owner != "" && (owner == c.UserARN || c.UserID != "" && owner == ownerUserIDPrefix+c.UserID)
}

// callerOf reads the IAM principal of a request; a request without one is refused: every
// route of the deployed API requires IAM authorization, so an event without it did not
// come through that API.
func callerOf(req events.APIGatewayV2HTTPRequest) (Caller, error) {
	a := req.RequestContext.Authorizer
	if a == nil || a.IAM == nil || (a.IAM.UserARN == "" && a.IAM.UserID == "") {
		return Caller{}, &Error{Status: http.StatusForbidden, Msg: "the request carries no IAM identity (requestContext.authorizer.iam): every route needs IAM authorization, a SigV4-signed request"}
	}
	return Caller{UserARN: a.IAM.UserARN, UserID: a.IAM.UserID, AccountID: a.IAM.AccountID}, nil
}

type callerKey struct{}

// WithCaller returns ctx carrying the caller of an HTTP API request: the Service then
// records it on the jobs it submits and lets it read or cancel only its own jobs (or
// every job when it is one of AdminPrincipals). Without a caller in ctx (a direct call
// with the user's own AWS credentials, as `scatter submit` makes) nothing is checked:
// AWS's own IAM decides what those credentials may do.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

func callerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// owner is the owner to record on a job submitted in ctx ("" without a caller).
func ownerFrom(ctx context.Context) string {
	if c, ok := callerFrom(ctx); ok {
		return c.Owner()
	}
	return ""
}

// authorize lets the caller in ctx act on job jobID, owned by owner: the owner itself or
// an admin principal. Without a caller in ctx it allows (see WithCaller). Anyone else
// gets unknown, the answer the route gives for a job that does not exist: a 403 would
// tell them the job exists. S3 does the same the other way round: to a caller without
// s3:ListBucket it answers a missing key as it answers a forbidden one, 403, so that the
// answer does not tell which keys exist
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html).
func (s *Service) authorize(ctx context.Context, jobID, owner string, unknown error) error {
	c, ok := callerFrom(ctx)
	if !ok || c.owns(owner) || s.isAdmin(c) {
		return nil
	}
	s.log().WarnContext(ctx, "job access refused: answered as an unknown job", "jobId", jobID, "caller", c.UserARN, "callerId", c.UserID, "owner", owner)
	return unknown
}

// isAdmin reports whether c is one of AdminPrincipals: the same ARN, or a session of an
// admin role (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION for arn:aws:iam::ACCOUNT:role/[PATH/]ROLE).
func (s *Service) isAdmin(c Caller) bool {
	for _, a := range s.AdminPrincipals {
		if a == c.UserARN && a != "" {
			return true
		}
		if role, acct, ok := assumedRole(c.UserARN); ok {
			if p, ok := strings.CutPrefix(a, "arn:"); ok {
				parts := strings.SplitN(p, ":", 5) // partition, iam, "", account, role/...
				if len(parts) == 5 && parts[1] == "iam" && parts[3] == acct && strings.HasPrefix(parts[4], "role/") &&
					parts[4][strings.LastIndexByte(parts[4], '/')+1:] == role {
					return true
				}
			}
		}
	}
	return false
}

// assumedRole splits arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION.
func assumedRole(arn string) (role, account string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sts" {
		return "", "", false
	}
	rest, ok := strings.CutPrefix(parts[5], "assumed-role/")
	if !ok {
		return "", "", false
	}
	role, _, ok = strings.Cut(rest, "/")
	return role, parts[4], ok && role != ""
}

type requestIDKey struct{}

// withRequestID returns ctx carrying the API Gateway request ID of an HTTP request.
func withRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// requestID names the request in answers and logs: API Gateway's request ID, else the
// Lambda invocation's, else "".
func requestID(ctx context.Context) string {
	if id, _ := ctx.Value(requestIDKey{}).(string); id != "" {
		return id
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		return lc.AwsRequestID
	}
	return ""
}

// internalError logs err, which may hold what callers must not see (role ARNs, account
// IDs, AWS request IDs, causes), and returns an *Error with status 502 that says what
// failed in the caller's terms and names the request, so an operator finds the log line.
func (s *Service) internalError(ctx context.Context, err error, format string, a ...any) error {
	msg := fmt.Sprintf(format, a...)
	id := requestID(ctx)
	s.log().ErrorContext(ctx, msg, "err", err, "requestId", id)
	if id != "" {
		msg += " (request " + id + "; the api function's log has the details)"
	} else {
		msg += " (the api function's log has the details)"
	}
	return &Error{Status: http.StatusBadGateway, Msg: msg}
}
