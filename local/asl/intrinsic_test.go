package asl

import (
	"context"
	"fmt"
	"math/rand"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// intrinsicInput is the input the intrinsic cases evaluate against.
const intrinsicInput = `{
	"name":"Arnav","template":"Hello, my name is {}.",
	"escapedJsonString":"{\"foo\": \"bar\"}","unescapedJson":{"foo":"bar"},
	"Id":123456,"inputArray":[1,2,3,4,5,6,7,8,9],"lookingFor":5,
	"dup":[1,2,2,3,3,3,3,3,3,4,"a","a",{"k":1},{"k":1}],
	"input":"Data to encode","base64":"RGF0YSB0byBlbmNvZGU=",
	"Data":"input data","Algorithm":"SHA-1",
	"json1":{"a":{"a1":1,"a2":2},"b":2},"json2":{"a":{"a3":1,"a4":2},"c":3},
	"start":1,"end":999,"value1":111,"step":-1,
	"inputString":"This.is+a,test=string","splitter":".+,=",
	"csv":"1,2,3,4,5","arn":"arn:aws:imagebuilder:us-east-1:acct:image-recipe/my-recipe/1.0.2"
}`

func TestIntrinsicFunctions(t *testing.T) {
	cases := []struct {
		name, expr, want string
	}{
		{"Format literal template", `States.Format('Hello, my name is {}.', $.name)`, `"Hello, my name is Arnav."`},
		{"Format path template", `States.Format($.template, $.name)`, `"Hello, my name is Arnav."`},
		{"Format numbers booleans null", `States.Format('{} {} {} {}', $.Id, true, null, 1.50)`, `"123456 true null 1.50"`},
		{"Format escapes", `States.Format('\{\} {} \'q\' \\', $.name)`, `"{} Arnav 'q' \\"`},
		{"Format array and object", `States.Format('{} {}', States.Array(1, 'a'), $.unescapedJson)`, `"[1, a] {foo=bar}"`},
		{"Format no placeholders", `States.Format('plain')`, `"plain"`},
		{"StringToJson", `States.StringToJson($.escapedJsonString)`, `{"foo":"bar"}`},
		{"StringToJson number", `States.StringToJson('12345678901234567890')`, `12345678901234567890`},
		{"JsonToString", `States.JsonToString($.unescapedJson)`, `"{\"foo\":\"bar\"}"`},
		{"JsonToString no HTML escaping", `States.JsonToString(States.Array('<a&b>'))`, `"[\"<a&b>\"]"`},
		{"Array", `States.Array($.Id)`, `[123456]`},
		{"Array mixed", `States.Array('a', 1, $.unescapedJson, States.Array())`, `["a",1,{"foo":"bar"},[]]`},
		{"ArrayPartition", `States.ArrayPartition($.inputArray, 4)`, `[[1,2,3,4],[5,6,7,8],[9]]`},
		{"ArrayPartition exact", `States.ArrayPartition(States.Array(1,2), 2)`, `[[1,2]]`},
		{"ArrayPartition empty", `States.ArrayPartition(States.Array(), 2)`, `[]`},
		{"ArrayContains true", `States.ArrayContains($.inputArray, $.lookingFor)`, `true`},
		{"ArrayContains false", `States.ArrayContains($.inputArray, 10)`, `false`},
		{"ArrayContains object", `States.ArrayContains($.dup, $.json1.a)`, `false`},
		{"ArrayContains number by value", `States.ArrayContains($.inputArray, 5.0)`, `true`},
		{"ArrayRange", `States.ArrayRange(1, 9, 2)`, `[1,3,5,7,9]`},
		{"ArrayRange not reaching end", `States.ArrayRange(0, 10, 3)`, `[0,3,6,9]`},
		{"ArrayRange descending", `States.ArrayRange(5, 1, -2)`, `[5,3,1]`},
		{"ArrayRange empty", `States.ArrayRange(5, 1, 1)`, `[]`},
		{"ArrayGetItem index", `States.ArrayGetItem($.inputArray, 5)`, `6`},
		{"ArrayLength", `States.ArrayLength($.inputArray)`, `9`},
		{"ArrayUnique", `States.ArrayUnique($.dup)`, `[1,2,3,4,"a",{"k":1}]`},
		{"Base64Encode", `States.Base64Encode($.input)`, `"RGF0YSB0byBlbmNvZGU="`},
		{"Base64Decode", `States.Base64Decode($.base64)`, `"Data to encode"`},
		{"Hash SHA-1", `States.Hash($.Data, $.Algorithm)`, `"aaff4a450a104cd177d28d18d74485e8cae074b7"`},
		{"Hash MD5", `States.Hash('input data', 'MD5')`, `"812f45842bc6d66ee14572ce20db8e86"`},
		{"Hash SHA-256", `States.Hash('input data', 'SHA-256')`, `"b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"`},
		{"Hash SHA-384", `States.Hash('', 'SHA-384')`, `"38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b"`},
		{"Hash SHA-512", `States.Hash('', 'SHA-512')`, `"cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"`},
		{"JsonMerge shallow", `States.JsonMerge($.json1, $.json2, false)`, `{"a":{"a3":1,"a4":2},"b":2,"c":3}`},
		{"MathAdd", `States.MathAdd($.value1, $.step)`, `110`},
		{"MathAdd rounds halves up", `States.MathAdd(1.5, -2.5)`, `0`},
		{"MathAdd big", `States.MathAdd(9007199254740993, 1)`, `9007199254740994`},
		{"StringSplit", `States.StringSplit($.inputString, $.splitter)`, `["This","is","a","test","string"]`},
		{"StringSplit csv", `States.StringSplit($.csv, ',')`, `["1","2","3","4","5"]`},
		{"StringSplit drops empty parts", `States.StringSplit(',a,,b,', ',')`, `["a","b"]`},
		{"nested (docs example)", `States.Format('{}.{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.arn, '/'), 2), '.'), 1), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.arn, '/'), 2), '.'), 2))`, `"1.0.2"`},
		{"context path argument", `States.Format('{}-{}', $$.Execution.Name, $$.State.Name)`, `"exec-S"`},
		{"filter path argument", `States.ArrayLength($.inputArray[?(@ > 4)])`, `5`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			def := single(`{"Type":"Pass","Parameters":{"v.$":` + strconv.Quote(c.expr) + `},"End":true}`)
			out, err := mustParse(t, def).Execute(context.Background(), raw(intrinsicInput), Options{ExecutionName: "exec"})
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, out.(map[string]any)["v"], c.want)
		})
	}
}

func TestIntrinsicRandomness(t *testing.T) {
	run := func(t *testing.T, expr string, seed int64) any {
		t.Helper()
		def := single(`{"Type":"Pass","Parameters":{"v.$":` + strconv.Quote(expr) + `},"End":true}`)
		out, err := mustParse(t, def).Execute(context.Background(), raw(intrinsicInput), Options{Rand: rand.New(rand.NewSource(seed))})
		if err != nil {
			t.Fatal(err)
		}
		return out.(map[string]any)["v"]
	}
	cases := []struct {
		name, expr string
		check      func(t *testing.T, a, b any)
	}{
		{"MathRandom in range", `States.MathRandom(1, 3)`, func(t *testing.T, a, b any) {
			for _, v := range []any{a, b} {
				if n, ok := toInt(v); !ok || n < 1 || n > 3 {
					t.Errorf("MathRandom(1, 3) = %v", v)
				}
			}
		}},
		{"MathRandom with a seed is deterministic", `States.MathRandom($.start, $.end, 7)`, func(t *testing.T, a, b any) {
			n, ok := toInt(a)
			if !ok || n < 1 || n > 999 || a != b {
				t.Errorf("seeded MathRandom gave %v and %v", a, b)
			}
		}},
		{"UUID", `States.UUID()`, func(t *testing.T, a, b any) {
			re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
			for _, v := range []any{a, b} {
				if s, _ := v.(string); !re.MatchString(s) {
					t.Errorf("UUID %v is not a version 4 UUID", v)
				}
			}
			if a == b {
				t.Errorf("two UUIDs are equal: %v", a)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.check(t, run(t, c.expr, 1), run(t, c.expr, 2))
		})
	}
	t.Run("MathRandom without a seed follows Options.Rand", func(t *testing.T) {
		a, b := run(t, `States.MathRandom(0, 1000000)`, 5), run(t, `States.MathRandom(0, 1000000)`, 5)
		if a != b {
			t.Errorf("same Options.Rand seed gave %v and %v", a, b)
		}
	})
}

func TestIntrinsicErrors(t *testing.T) {
	cases := []struct {
		name, expr, cause string
	}{
		{"Format too few values", `States.Format('{} {}', $.name)`, "more {}"},
		{"Format too many values", `States.Format('{}', $.name, $.name)`, "1 {} but 2 values"},
		{"Format non-string template", `States.Format($.Id)`, "template must be a string"},
		{"StringToJson bad JSON", `States.StringToJson($.name)`, "not a JSON text"},
		{"ArrayGetItem negative index", `States.ArrayGetItem($.inputArray, $.step)`, "out of range"},
		{"ArrayGetItem beyond the end", `States.ArrayGetItem($.inputArray, 9)`, "out of range"},
		{"ArrayLength of a string", `States.ArrayLength($.name)`, "must be an array"},
		{"ArrayPartition zero size", `States.ArrayPartition($.inputArray, 0)`, "positive integer"},
		{"ArrayRange too long", `States.ArrayRange(1, 2000, 1)`, "more than 1000"},
		{"ArrayRange zero step", `States.ArrayRange(1, 2, 0)`, "step must not be zero"},
		{"Base64Decode bad input", `States.Base64Decode('***')`, "not base64"},
		{"Hash unknown algorithm", `States.Hash('x', 'SHA-3')`, "unknown hash algorithm"},
		{"JsonMerge deep", `States.JsonMerge($.json1, $.json2, true)`, "shallow"},
		{"JsonMerge non-object", `States.JsonMerge($.json1, $.inputArray, false)`, "must be objects"},
		{"MathAdd string", `States.MathAdd($.name, 1)`, "must be numbers"},
		{"MathRandom end before start", `States.MathRandom(5, 1)`, "less than the start"},
		{"missing path argument", `States.Array($.nothing)`, "$.nothing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			def := single(`{"Type":"Pass","Parameters":{"v.$":` + strconv.Quote(c.expr) + `},"End":true}`)
			_, err := mustParse(t, def).Execute(context.Background(), raw(intrinsicInput), Options{})
			f := failureOf(t, err)
			if f.Name != ErrIntrinsicFailure || !containsAll(f.Cause, c.cause, "v.$") {
				t.Errorf("got %s: %s; want %s mentioning %q", f.Name, f.Cause, ErrIntrinsicFailure, c.cause)
			}
		})
	}
}

func TestIntrinsicParse(t *testing.T) {
	cases := []struct {
		expr string
		ok   bool
	}{
		{`States.UUID()`, true},
		{`States.Array( 1 , 'a' , $.x , States.UUID() )`, true},
		{`States.Format('it''s')`, false},
		{`States.Format('a\b')`, false},
		{`States.Format('open`, false},
		{`States.Nope(1)`, false},
		{`States.UUID(1)`, false},
		{`States.ArrayRange(1, 2)`, false},
		{`States.Array(1) trailing`, false},
		{`States.Array(1`, false},
		{`States.Array(1 2)`, false},
		{`States.Array(bogus)`, false},
		{`States.Array($.a[?(@.b == 'x, y')], $.c)`, true},
		{`States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(1))))))))))`, true},
		{`States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(1)))))))))))`, false},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			_, err := parseIntrinsic(c.expr)
			if (err == nil) != c.ok {
				t.Errorf("parseIntrinsic(%q) error = %v, want ok=%v", c.expr, err, c.ok)
			}
		})
	}
	t.Run("path argument with comma in a filter", func(t *testing.T) {
		c, err := parseIntrinsic(`States.Array($.a[?(@.b == 'x, y')], $.c)`)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.args) != 2 || c.args[0].path.src != `$.a[?(@.b == 'x, y')]` || c.args[1].path.src != "$.c" {
			t.Errorf("args: %+v %+v", c.args[0].path, c.args[1].path)
		}
	})
}

// TestIntrinsicArgumentCounts: every function of the table parses with its fewest and
// most arguments and is refused, naming the counts, with one too few or too many.
func TestIntrinsicArgumentCounts(t *testing.T) {
	call := func(name string, n int) string {
		return name + "(" + strings.TrimSuffix(strings.Repeat("1,", n), ",") + ")"
	}
	for name, f := range intrinsics {
		t.Run(name, func(t *testing.T) {
			most := f.max
			if most < 0 {
				most = f.min + 3
			}
			for n := f.min; n <= most; n++ {
				if _, err := parseIntrinsic(call(name, n)); err != nil {
					t.Errorf("%d arguments: %v", n, err)
				}
			}
			want := map[bool]string{true: "at least", false: fmt.Sprint(f.min)}[f.max < 0]
			if f.min > 0 {
				if _, err := parseIntrinsic(call(name, f.min-1)); err == nil || !strings.Contains(err.Error(), name+" takes "+want) {
					t.Errorf("%d arguments: err %v, want %q", f.min-1, err, name+" takes "+want)
				}
			}
			if f.max >= 0 {
				if _, err := parseIntrinsic(call(name, f.max+1)); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("arguments, got %d", f.max+1)) {
					t.Errorf("%d arguments: err %v", f.max+1, err)
				}
			}
		})
	}
}
