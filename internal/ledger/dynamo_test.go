package ledger_test

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/scattergather/scattergather/internal/awsx"
	"github.com/scattergather/scattergather/internal/ledger"
	"github.com/scattergather/scattergather/internal/ledger/ledgertest"
	"github.com/scattergather/scattergather/internal/testutil/moto"
)

// TestDynamo runs the conformance suite and the DynamoDB-specific checks against moto,
// with a fresh table for every subtest.
func TestDynamo(t *testing.T) {
	srv := moto.Start(t)
	client := awsx.DynamoClient(srv.Config(t))
	var n atomic.Int32
	newTable := func(t *testing.T) string {
		name := fmt.Sprintf("ledger-%d", n.Add(1))
		if err := ledger.CreateTable(context.Background(), client, name); err != nil {
			t.Fatal(err)
		}
		return name
	}
	t.Run("Conformance", func(t *testing.T) {
		ledgertest.Run(t, func(t *testing.T) ledger.Ledger { return ledger.NewDynamo(client, newTable(t)) })
	})
	t.Run("CreateTableTwice", func(t *testing.T) {
		name := newTable(t)
		if err := ledger.CreateTable(context.Background(), client, name); err != nil {
			t.Fatalf("CreateTable of an existing table: %v", err)
		}
		out, err := client.DescribeTimeToLive(context.Background(), &dynamodb.DescribeTimeToLiveInput{TableName: &name})
		if err != nil {
			t.Fatal(err)
		}
		if d := out.TimeToLiveDescription; d == nil || aws.ToString(d.AttributeName) != "expiresAt" || d.TimeToLiveStatus != types.TimeToLiveStatusEnabled {
			t.Errorf("TTL = %+v, want enabled on expiresAt", d)
		}
	})
	t.Run("Items", func(t *testing.T) { testDynamoItems(t, client, newTable(t)) })
	t.Run("WritesPerChunk", func(t *testing.T) { testDynamoWrites(t, ledger.NewDynamo(client, newTable(t))) })
}

// testDynamoItems checks the item layout other tools (the console, TTL) rely on.
func testDynamoItems(t *testing.T, client *dynamodb.Client, table string) {
	ctx := context.Background()
	cases := []struct {
		name    string
		ttl     time.Duration
		wantTTL time.Duration // 0: no expiresAt
	}{
		{"default ttl", 0, ledger.DefaultTTL},
		{"custom ttl", time.Hour, time.Hour},
		{"no ttl", -1, 0},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := ledger.NewDynamo(client, table)
			d.TTL = tc.ttl
			id := fmt.Sprintf("job-%d", i)
			if _, err := d.Open(ctx, ledger.Job{ID: id, Name: "wordcount"}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := d.Commit(ctx, ledger.Commit{JobID: id, Chunk: 42, Attempt: "a", Partial: "p"}); err != nil {
				t.Fatal(err)
			}
			for _, sk := range []string{"job", "chunk#00000042"} {
				out, err := client.GetItem(ctx, &dynamodb.GetItemInput{
					TableName: &table,
					Key: map[string]types.AttributeValue{
						"pk": &types.AttributeValueMemberS{Value: id},
						"sk": &types.AttributeValueMemberS{Value: sk},
					},
					ConsistentRead: aws.Bool(true),
				})
				if err != nil {
					t.Fatal(err)
				}
				if len(out.Item) == 0 {
					t.Fatalf("no item pk=%s sk=%s", id, sk)
				}
				exp, ok := out.Item["expiresAt"].(*types.AttributeValueMemberN)
				if tc.wantTTL == 0 {
					if ok {
						t.Errorf("sk=%s has expiresAt %s, want none", sk, exp.Value)
					}
					continue
				}
				if !ok {
					t.Fatalf("sk=%s has no numeric expiresAt: %v", sk, out.Item["expiresAt"])
				}
				secs, _ := strconv.ParseInt(exp.Value, 10, 64)
				if want := time.Now().Add(tc.wantTTL).Unix(); secs < want-60 || secs > want+60 {
					t.Errorf("sk=%s expiresAt %d, want about %d", sk, secs, want)
				}
			}
		})
	}
}

// testDynamoWrites pins the cost of the commit protocol: one write request per commit.
func testDynamoWrites(t *testing.T, d *ledger.Dynamo) {
	ctx := context.Background()
	if _, err := d.Open(ctx, ledger.Job{ID: "w", Name: "grep", Chunks: 3}); err != nil {
		t.Fatal(err)
	}
	base := d.Writes()
	if base != 1 {
		t.Errorf("Open of a new job took %d writes, want 1", base)
	}
	for i := range 3 {
		if _, _, err := d.Commit(ctx, ledger.Commit{JobID: "w", Chunk: i, Attempt: "a", Partial: "p"}); err != nil {
			t.Fatal(err)
		}
		if _, won, err := d.Commit(ctx, ledger.Commit{JobID: "w", Chunk: i, Attempt: "dup", Partial: "q"}); err != nil || won {
			t.Fatalf("duplicate commit: won %v, %v", won, err)
		}
	}
	if got := d.Writes() - base; got != 6 {
		t.Errorf("3 commits and 3 duplicates took %d writes, want 6", got)
	}
	if _, err := d.Chunks(ctx, "w"); err != nil {
		t.Fatal(err)
	}
	if got := d.Writes() - base; got != 6 {
		t.Errorf("Chunks wrote: %d writes", got-6)
	}
}
