package ledger

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DefaultTTL is how long ledger items live in DynamoDB after their last write.
const DefaultTTL = 30 * 24 * time.Hour

// Item keys: a job item is pk=jobId, sk="job"; chunk i's item is pk=jobId, sk=chunkSK(i).
const (
	jobSK       = "job"
	chunkPrefix = "chunk#"
)

func chunkSK(i int) string { return fmt.Sprintf("chunk#%08d", i) }

// Dynamo is the Ledger in a DynamoDB table (pk S HASH, sk S RANGE). Every write is a
// conditional PutItem or UpdateItem, so DynamoDB decides races; reads are consistent.
type Dynamo struct {
	// TTL sets each item's expiresAt (epoch seconds, the table's TTL attribute) to this
	// long after its last write; zero means DefaultTTL and a negative TTL writes none.
	TTL time.Duration

	client *dynamodb.Client
	table  string
	writes atomic.Int64
}

var _ Ledger = (*Dynamo)(nil)

// NewDynamo returns a ledger in table.
func NewDynamo(client *dynamodb.Client, table string) *Dynamo {
	return &Dynamo{client: client, table: table}
}

// Writes counts the write requests (PutItem, UpdateItem) sent so far.
func (d *Dynamo) Writes() int64 { return d.writes.Load() }

// jobItem and commitItem are the stored forms of Job and Commit: their
// fields under their JSON names (itemTags), with the table's keys and TTL.
type jobItem struct {
	PK string `json:"pk"`
	SK string `json:"sk"`
	Job
	ExpiresAt int64 `json:"expiresAt,omitempty"`
}

type commitItem struct {
	PK string `json:"pk"`
	SK string `json:"sk"`
	Commit
	ExpiresAt int64 `json:"expiresAt,omitempty"`
}

func (it jobItem) job() Job          { return it.Job }
func (it commitItem) commit() Commit { return it.Commit }

// itemTags makes attributevalue name an item's attributes by their json tags.
func itemTags(o *attributevalue.EncoderOptions) { o.TagKey = "json" }

// expiresAt is the TTL attribute's value for an item written at t (0: none).
func (d *Dynamo) expiresAt(t time.Time) int64 {
	ttl := d.TTL
	if ttl == 0 {
		ttl = DefaultTTL
	}
	if ttl < 0 {
		return 0
	}
	return t.Add(ttl).Unix()
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk},
		"sk": &types.AttributeValueMemberS{Value: sk},
	}
}

// Open creates the job if it is absent, reopens it if FAILED, and returns the stored item.
func (d *Dynamo) Open(ctx context.Context, job Job) (Job, error) {
	if job.ID == "" {
		return Job{}, errors.New("open job: empty job ID")
	}
	t := now()
	item := jobItem{PK: job.ID, SK: jobSK, ExpiresAt: d.expiresAt(t), Job: Job{ID: job.ID, Name: job.Name, Spec: job.Spec,
		Chunks: job.Chunks, Status: Running, Runs: 1, Created: t, Updated: t}}
	old, created, err := d.putNew(ctx, item)
	if err != nil {
		return Job{}, fmt.Errorf("open job %s: %w", job.ID, err)
	}
	if created {
		return item.job(), nil
	}
	stored, err := d.decodeJob(ctx, job.ID, old)
	if err != nil {
		return Job{}, fmt.Errorf("open job %s: %w", job.ID, err)
	}
	if stored.Status != Failed {
		return stored, nil
	}
	return d.reopen(ctx, job.ID)
}

// Reopen moves a FAILED job back to RUNNING; see Ledger.Reopen.
func (d *Dynamo) Reopen(ctx context.Context, jobID string) (Job, error) {
	if jobID == "" {
		return Job{}, errors.New("reopen job: empty job ID")
	}
	return d.reopen(ctx, jobID)
}

// reopen runs a FAILED job again: a conditional UpdateItem, so that only one of concurrent
// openers moves it and the others find it RUNNING and return it. A job without an item
// fails the condition and is ErrNotFound.
func (d *Dynamo) reopen(ctx context.Context, jobID string) (Job, error) {
	t := now()
	updated, _, err := d.updateJob(ctx, jobID,
		"SET #status = :running, #runs = #runs + :one, #updated = :now, #exp = :exp REMOVE #error", "#status = :failed",
		map[string]string{"#status": "status", "#runs": "runs", "#updated": "updated", "#exp": "expiresAt", "#error": "error"},
		map[string]any{":running": Running, ":failed": Failed, ":one": 1, ":now": t, ":exp": d.expiresAt(t)})
	if err != nil {
		return Job{}, fmt.Errorf("reopen job %s: %w", jobID, err)
	}
	return updated, nil
}

// updateJob applies update to the job item when cond holds. done reports
// whether it did; either way job is the item: as updated, or as it stood when
// the condition failed.
func (d *Dynamo) updateJob(ctx context.Context, jobID, update, cond string, names map[string]string, values map[string]any) (job Job, done bool, err error) {
	vals, err := attributevalue.MarshalMap(values)
	if err != nil {
		return Job{}, false, err
	}
	d.writes.Add(1)
	out, err := d.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                           &d.table,
		Key:                                 key(jobID, jobSK),
		UpdateExpression:                    &update,
		ConditionExpression:                 &cond,
		ExpressionAttributeNames:            names,
		ExpressionAttributeValues:           vals,
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err == nil {
		job, err = decodeItem[jobItem](out.Attributes, jobItem.job)
		return job, err == nil, err
	}
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		return Job{}, false, err
	}
	job, err = d.decodeJob(ctx, jobID, ccf.Item)
	return job, false, err
}

// putNew writes item unless an item with its key exists. It returns the existing item
// when the server sends it back (ALL_OLD), or nil when it has to be read.
func (d *Dynamo) putNew(ctx context.Context, item any) (old map[string]types.AttributeValue, created bool, err error) {
	av, err := attributevalue.MarshalMapWithOptions(item, itemTags)
	if err != nil {
		return nil, false, err
	}
	d.writes.Add(1)
	_, err = d.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           &d.table,
		Item:                                av,
		ConditionExpression:                 aws.String("attribute_not_exists(pk)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err == nil {
		return nil, true, nil
	}
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		return nil, false, err
	}
	return ccf.Item, false, nil
}

// get reads one item with a consistent read; a missing item is ErrNotFound.
func (d *Dynamo) get(ctx context.Context, pk, sk string) (map[string]types.AttributeValue, error) {
	out, err := d.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &d.table,
		Key:            key(pk, sk),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, err
	}
	if len(out.Item) == 0 {
		return nil, ErrNotFound
	}
	return out.Item, nil
}

// decodeJob decodes a job item returned by a failed condition, or reads it when the
// server returned none.
func (d *Dynamo) decodeJob(ctx context.Context, jobID string, av map[string]types.AttributeValue) (Job, error) {
	if len(av) == 0 {
		var err error
		if av, err = d.get(ctx, jobID, jobSK); err != nil {
			return Job{}, err
		}
	}
	return decodeItem[jobItem](av, jobItem.job)
}

func decodeItem[I any, T any](av map[string]types.AttributeValue, conv func(I) T) (T, error) {
	var it I
	if err := attributevalue.UnmarshalMapWithOptions(av, &it, func(o *attributevalue.DecoderOptions) { o.TagKey = "json" }); err != nil {
		var zero T
		return zero, fmt.Errorf("decode ledger item: %w", err)
	}
	return conv(it), nil
}

// Job returns the job item.
func (d *Dynamo) Job(ctx context.Context, jobID string) (Job, error) {
	av, err := d.get(ctx, jobID, jobSK)
	if err != nil {
		return Job{}, fmt.Errorf("job %s: %w", jobID, err)
	}
	return decodeItem[jobItem](av, jobItem.job)
}

// Commit records the chunk's commit unless one is stored, and returns the winner.
func (d *Dynamo) Commit(ctx context.Context, c Commit) (Commit, bool, error) {
	if err := checkCommit(c); err != nil {
		return Commit{}, false, err
	}
	if c.Committed.IsZero() {
		c.Committed = now()
	}
	item := commitItem{PK: c.JobID, SK: chunkSK(c.Chunk), Commit: c, ExpiresAt: d.expiresAt(now())}
	old, created, err := d.putNew(ctx, item)
	if err != nil {
		return Commit{}, false, fmt.Errorf("commit chunk %d of job %s: %w", c.Chunk, c.JobID, err)
	}
	if created {
		return c, true, nil
	}
	if len(old) == 0 {
		if old, err = d.get(ctx, c.JobID, item.SK); err != nil {
			return Commit{}, false, fmt.Errorf("commit chunk %d of job %s: read the winner: %w", c.Chunk, c.JobID, err)
		}
	}
	winner, err := decodeItem[commitItem](old, commitItem.commit)
	if err != nil {
		return Commit{}, false, fmt.Errorf("commit chunk %d of job %s: %w", c.Chunk, c.JobID, err)
	}
	return winner, false, nil
}

// Chunk returns one chunk's commit.
func (d *Dynamo) Chunk(ctx context.Context, jobID string, chunk int) (Commit, error) {
	if chunk < 0 {
		return Commit{}, fmt.Errorf("chunk %d of job %s: %w", chunk, jobID, ErrNotFound)
	}
	av, err := d.get(ctx, jobID, chunkSK(chunk))
	if err != nil {
		return Commit{}, fmt.Errorf("chunk %d of job %s: %w", chunk, jobID, err)
	}
	return decodeItem[commitItem](av, commitItem.commit)
}

// Chunks returns every commit of the job, sorted by chunk index (the sort key's order).
func (d *Dynamo) Chunks(ctx context.Context, jobID string) ([]Commit, error) {
	out, err := d.queryCommits(ctx, jobID, "pk = :pk AND begins_with(sk, :prefix)", map[string]types.AttributeValue{
		":prefix": &types.AttributeValueMemberS{Value: chunkPrefix},
	})
	if err != nil {
		return nil, fmt.Errorf("chunks of job %s: %w", jobID, err)
	}
	return out, nil
}

// ChunkRange returns the commits of chunks [from, to) of the job: one query over the
// sort keys chunk#from..chunk#(to-1), which reads only those items.
func (d *Dynamo) ChunkRange(ctx context.Context, jobID string, from, to int) ([]Commit, error) {
	from = max(from, 0)
	if from >= to {
		return nil, nil
	}
	out, err := d.queryCommits(ctx, jobID, "pk = :pk AND sk BETWEEN :from AND :to", map[string]types.AttributeValue{
		":from": &types.AttributeValueMemberS{Value: chunkSK(from)},
		":to":   &types.AttributeValueMemberS{Value: chunkSK(to - 1)},
	})
	if err != nil {
		return nil, fmt.Errorf("chunks [%d,%d) of job %s: %w", from, to, jobID, err)
	}
	return out, nil
}

// queryCommits runs a consistent query of the job's partition and decodes every page.
func (d *Dynamo) queryCommits(ctx context.Context, jobID, cond string, values map[string]types.AttributeValue) ([]Commit, error) {
	values[":pk"] = &types.AttributeValueMemberS{Value: jobID}
	p := dynamodb.NewQueryPaginator(d.client, &dynamodb.QueryInput{
		TableName:                 &d.table,
		KeyConditionExpression:    &cond,
		ExpressionAttributeValues: values,
		ConsistentRead:            aws.Bool(true),
	})
	var out []Commit
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, av := range page.Items {
			c, err := decodeItem[commitItem](av, commitItem.commit)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// Count returns how many chunks of the job are committed: a consistent query with
// Select COUNT, paged (a page counts at most 1 MB of items). It consumes the read
// capacity of the items it counts, as a query returning them would, but sends none of
// them back (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Other.html).
func (d *Dynamo) Count(ctx context.Context, jobID string) (int, error) {
	p := dynamodb.NewQueryPaginator(d.client, &dynamodb.QueryInput{
		TableName:              &d.table,
		KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":     &types.AttributeValueMemberS{Value: jobID},
			":prefix": &types.AttributeValueMemberS{Value: chunkPrefix},
		},
		Select:         types.SelectCount,
		ConsistentRead: aws.Bool(true),
	})
	n := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, fmt.Errorf("count chunks of job %s: %w", jobID, err)
		}
		n += int(page.Count)
	}
	return n, nil
}

// Finish moves a RUNNING job to status; see Ledger.Finish.
func (d *Dynamo) Finish(ctx context.Context, jobID string, status Status, output, errMsg string) (Job, error) {
	if err := checkFinal(status); err != nil {
		return Job{}, fmt.Errorf("finish job %s: %w", jobID, err)
	}
	t := now()
	values := map[string]any{":status": status, ":running": Running, ":now": t, ":exp": d.expiresAt(t)}
	names := map[string]string{"#status": "status", "#updated": "updated", "#exp": "expiresAt"}
	update := "SET #status = :status, #updated = :now, #exp = :exp"
	if output != "" {
		update += ", #output = :output"
		names["#output"], values[":output"] = "output", output
	}
	if errMsg != "" {
		update += ", #error = :error"
		names["#error"], values[":error"] = "error", errMsg
	}
	stored, done, err := d.updateJob(ctx, jobID, update, "#status = :running", names, values)
	switch {
	case err != nil:
		return Job{}, fmt.Errorf("finish job %s as %s: %w", jobID, status, err)
	case done:
		return stored, nil
	case stored.Status != status:
		return Job{}, fmt.Errorf("finish job %s as %s: job is %s: %w", jobID, status, stored.Status, ErrConflict)
	}
	return stored, nil
}

// CreateTable creates the ledger table (pk S HASH, sk S RANGE, on-demand) unless it
// exists, waits until it is ACTIVE and, when it created it, enables TTL on expiresAt.
// It is for tests and local emulators; on AWS the template owns the table.
func CreateTable(ctx context.Context, client *dynamodb.Client, table string) error {
	_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: &table,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
		BillingMode: types.BillingModePayPerRequest,
	})
	created := err == nil
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("create table %s: %w", table, err)
	}
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Second, 5*time.Second
	})
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: &table}, 5*time.Minute); err != nil {
		return fmt.Errorf("wait for table %s: %w", table, err)
	}
	if created {
		_, err := client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
			TableName: &table,
			TimeToLiveSpecification: &types.TimeToLiveSpecification{
				AttributeName: aws.String("expiresAt"),
				Enabled:       aws.Bool(true),
			},
		})
		if err != nil {
			return fmt.Errorf("enable ttl on table %s: %w", table, err)
		}
	}
	return nil
}
