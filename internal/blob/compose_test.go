package blob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/scattergather/scattergather/internal/blob"
	"github.com/scattergather/scattergather/internal/testutil/moto"
)

// TestCompose composes objects on moto's S3 from literal bytes and ranges of
// other objects (one in another bucket), large enough that some parts are
// UploadPartCopy calls, and compares them with the concatenation made here.
func TestCompose(t *testing.T) {
	client := moto.Start(t).S3(t, "compose-a", "compose-b")
	ctx := context.Background()
	m := blob.NewMux(func(b string) (blob.Store, error) { return blob.NewS3(client, b), nil })
	r := rand.New(rand.NewPCG(7, 8))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return b
	}
	big, other := random(13<<20), random(6<<20)
	for loc, data := range map[string][]byte{"s3://compose-a/big": big, "s3://compose-b/other": other} {
		if err := m.Put(ctx, loc, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
	}
	const mib = 1 << 20
	for _, c := range []struct {
		name   string
		pieces []blob.Piece
		copied bool // some bytes were copied by the store
	}{
		{"prefix then a large range", []blob.Piece{{Data: []byte("header\n")}, {Source: "s3://compose-a/big", Off: 1, N: 12 * mib}}, true},
		{"large ranges across buckets", []blob.Piece{{Source: "s3://compose-a/big", Off: 0, N: 5 * mib}, {Source: "s3://compose-b/other", Off: 3, N: 6*mib - 3}, {Source: "s3://compose-a/big", Off: 7 * mib, N: 6 * mib}}, true},
		{"small ranges only", []blob.Piece{{Source: "s3://compose-a/big", Off: 10, N: 100}, {Data: []byte("x")}, {Source: "s3://compose-b/other", Off: 0, N: 2 * mib}}, false},
		{"small then large then small", []blob.Piece{{Source: "s3://compose-b/other", Off: 0, N: 3 * mib}, {Source: "s3://compose-a/big", Off: 0, N: 13 * mib}, {Data: []byte("end")}}, true},
		{"empty", []blob.Piece{{Data: nil}, {Source: "s3://compose-a/big", Off: 5, N: 0}}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var want []byte
			for _, p := range c.pieces {
				switch p.Source {
				case "":
					want = append(want, p.Data...)
				case "s3://compose-a/big":
					want = append(want, big[p.Off:p.Off+p.N]...)
				default:
					want = append(want, other[p.Off:p.Off+p.N]...)
				}
			}
			dst := "s3://compose-a/out/" + strings.ReplaceAll(c.name, " ", "-")
			st, err := m.Compose(ctx, dst, c.pieces)
			if err != nil {
				t.Fatal(err)
			}
			rc, err := m.Open(ctx, dst, 0, -1)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("composed %d bytes, want %d (equal prefix %d)", len(got), len(want), commonPrefix(got, want))
			}
			if st.CopiedBytes+st.SentBytes != int64(len(want)) || (st.CopiedBytes > 0) != c.copied {
				t.Fatalf("stats %+v for %d bytes; want copies: %v", st, len(want), c.copied)
			}
		})
	}
	t.Run("a missing source writes nothing", func(t *testing.T) {
		dst := "s3://compose-a/out/missing"
		_, err := m.Compose(ctx, dst, []blob.Piece{{Data: []byte("a")}, {Source: "s3://compose-a/nope", Off: 0, N: 6 * mib}})
		if err == nil || !strings.Contains(err.Error(), "compose-a/nope") {
			t.Fatalf("err %v, want one naming the missing source", err)
		}
		if _, err := m.Stat(ctx, dst); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("after a failed compose: stat %v, want not found", err)
		}
		up, err := client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: new("compose-a")})
		if err != nil {
			t.Fatal(err)
		}
		if len(up.Uploads) != 0 {
			t.Fatalf("%d multipart uploads left open; want them aborted", len(up.Uploads))
		}
	})
	t.Run("local locations cannot compose", func(t *testing.T) {
		local := t.TempDir() + "/out"
		for _, c := range []struct {
			dst    string
			pieces []blob.Piece
		}{
			{local, []blob.Piece{{Source: "s3://compose-a/big", N: 6 * mib}}},
			{"s3://compose-a/out/x", []blob.Piece{{Source: local, N: 6 * mib}}},
		} {
			if _, err := m.Compose(ctx, c.dst, c.pieces); !errors.Is(err, blob.ErrCannotCompose) {
				t.Errorf("compose %s from %s: %v, want ErrCannotCompose", c.dst, c.pieces[0].Source, err)
			}
		}
	})
}

func commonPrefix(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
