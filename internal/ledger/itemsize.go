package ledger

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// MaxItemBytes is DynamoDB's item size limit, 400 KB of 1,024 bytes, attribute names
// included (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Constraints.html#limits-items).
const MaxItemBytes = 400 * 1024

// errItemTooLarge is DynamoDB's answer to a write of an item over MaxItemBytes,
// a ValidationException (no retry mends it).
var errItemTooLarge = &smithy.GenericAPIError{Code: "ValidationException", Message: "Item size has exceeded the maximum allowed size", Fault: smithy.FaultClient}

// checkItemSize refuses, as DynamoDB does, an item whose size passes MaxItemBytes, so
// the embedded ledger is as strict as the table it stands in for. item is encoded as
// the Dynamo adapter encodes it.
func checkItemSize(item any) error {
	av, err := attributevalue.MarshalMapWithOptions(item, itemTags)
	if err != nil {
		return err
	}
	if itemSize(av) > MaxItemBytes {
		return errItemTooLarge
	}
	return nil
}

// itemSize is an item's size as DynamoDB counts it: each attribute's name and value,
// numbers 1 byte per two significant digits plus 1, null and Boolean 1 byte, a List or
// Map 3 bytes plus 1 per element
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html).
func itemSize(item map[string]types.AttributeValue) int {
	n := 0
	for name, v := range item {
		n += len(name) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return numberSize(v.Value)
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		return 3 + len(v.Value) + itemSize(v.Value)
	case *types.AttributeValueMemberSS:
		n := 0
		for _, s := range v.Value {
			n += len(s)
		}
		return n
	case *types.AttributeValueMemberNS:
		n := 0
		for _, s := range v.Value {
			n += numberSize(s)
		}
		return n
	case *types.AttributeValueMemberBS:
		n := 0
		for _, b := range v.Value {
			n += len(b)
		}
		return n
	}
	return 0
}

// numberSize: 1 byte per two significant digits (leading and trailing zeroes
// trimmed), plus 1.
func numberSize(s string) int {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, strings.SplitN(strings.ToLower(s), "e", 2)[0])
	digits = strings.Trim(digits, "0")
	return (len(digits)+1)/2 + 1
}
