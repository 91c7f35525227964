package golden

import (
	"bytes"
	"encoding"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.json goldens from the tests' examples")

// Case is one golden: the file under testdata/ and the Go value it holds.
type Case struct {
	File    string
	Example any
}

// Check runs a subtest per case (see RoundTrip), then checks that the goldens of each
// type show all of its JSON fields: a field added to a payload must be set in an
// example, so the goldens show it.
//
// A golden must decode strictly (no field the type lacks) to a value equal to its
// example and encode back to its own bytes. So a change to the wire format (a field
// renamed, retyped, added or dropped) fails here until the goldens are regenerated,
// and then shows in review as a diff of testdata/.
func Check(t *testing.T, cases []Case) {
	t.Helper()
	shown := RoundTrip(t, cases)
	for typ, keys := range shown {
		for _, f := range fields(typ, "") {
			if !keys[f] {
				t.Errorf("%v: field %q is in no golden: set it in an example and run `make goldens`", typ, f)
			}
		}
	}
}

// RoundTrip runs a subtest per case: with -update it writes the example's JSON to
// testdata/File; then the golden must decode strictly to a value equal to the example
// and encode back to its own bytes. It returns, per type, the JSON keys its goldens
// show. Alone, it suits types the project does not own (aws-lambda-go's events), whose
// every field no example sets.
func RoundTrip(t *testing.T, cases []Case) map[reflect.Type]map[string]bool {
	t.Helper()
	shown := map[reflect.Type]map[string]bool{}
	for _, c := range cases {
		path := filepath.Join("testdata", c.File)
		typ := reflect.TypeOf(c.Example)
		t.Run(strings.TrimSuffix(c.File, ".json"), func(t *testing.T) {
			if *update {
				write(t, path, c.Example)
			}
			keys := roundTrip(t, path, c.Example)
			if shown[typ] == nil {
				shown[typ] = map[string]bool{}
			}
			for k := range keys {
				shown[typ][k] = true
			}
		})
	}
	return shown
}

// Read returns the golden testdata/file.
func Read(file string) ([]byte, error) { return os.ReadFile(filepath.Join("testdata", file)) }

// encode is v's golden form: indented JSON and a final newline.
func encode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	err := enc.Encode(v)
	return b.Bytes(), err
}

func write(t *testing.T, path string, v any) {
	t.Helper()
	b, err := encode(v)
	if err != nil {
		t.Fatalf("encode the example: %v", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// roundTrip decodes the golden at path into a value of example's type, checks it
// against example and its encoding against the golden, and returns the golden's keys.
func roundTrip(t *testing.T, path string, example any) map[string]bool {
	t.Helper()
	golden, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (`make goldens` writes it)", err)
	}
	got := reflect.New(reflect.TypeOf(example))
	dec := json.NewDecoder(bytes.NewReader(golden))
	dec.DisallowUnknownFields()
	if err := dec.Decode(got.Interface()); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	if !reflect.DeepEqual(got.Elem().Interface(), example) {
		t.Fatalf("%s decodes to\n%+v\nnot the example\n%+v\n(`make goldens` rewrites it)", path, got.Elem().Interface(), example)
	}
	again, err := encode(got.Interface())
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	if !bytes.Equal(again, golden) {
		t.Fatalf("%s does not encode back to itself; it encodes as\n%s", path, again)
	}
	var doc any
	if err := json.Unmarshal(golden, &doc); err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	keysOf(doc, "", keys)
	return keys
}

// keysOf adds the paths of v's object keys: "a.b" for a key in an object, "a[].b" in an array.
func keysOf(v any, prefix string, out map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			out[prefix+k] = true
			keysOf(x, prefix+k+".", out)
		}
	case []any:
		for _, x := range v {
			keysOf(x, strings.TrimSuffix(prefix, ".")+"[].", out)
		}
	}
}

var marshaler = reflect.TypeFor[json.Marshaler]()
var textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()

// fields are the paths of the JSON fields of typ, as keysOf names them. A map's keys
// are data, and a type that encodes itself is a value: neither has fields.
func fields(typ reflect.Type, prefix string) []string {
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if typ.Implements(marshaler) || typ.Implements(textMarshaler) || reflect.PointerTo(typ).Implements(marshaler) {
		return nil
	}
	switch typ.Kind() {
	case reflect.Slice, reflect.Array:
		if typ.Elem().Kind() == reflect.Uint8 {
			return nil // []byte is base64 text
		}
		return fields(typ.Elem(), strings.TrimSuffix(prefix, ".")+"[].")
	case reflect.Struct:
	default:
		return nil
	}
	var out []string
	for i := range typ.NumField() {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case !f.IsExported() || name == "-":
			continue
		case f.Anonymous && name == "":
			out = append(out, fields(f.Type, prefix)...)
			continue
		case name == "":
			name = f.Name
		}
		out = append(out, prefix+name)
		out = append(out, fields(f.Type, prefix+name+".")...)
	}
	slices.Sort(out)
	return out
}
