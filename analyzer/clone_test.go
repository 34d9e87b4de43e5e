package analyzer

import (
	"fmt"
	"net/netip"
	"reflect"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"
)

// TestCloneSharesNothing fills every field of a Node, Segment and Flag
// (unexported ones and those of nested values too, by reflection, so a
// field added later is covered) and checks that Clone returns an equal
// value that shares no string, slice or pointer target with the original.
func TestCloneSharesNothing(t *testing.T) {
	for _, tt := range []struct {
		name  string
		clone func(v reflect.Value) reflect.Value
		typ   reflect.Type
	}{
		{"Node", func(v reflect.Value) reflect.Value { return reflect.ValueOf(v.Interface().(Node).Clone()) }, reflect.TypeFor[Node]()},
		{"Segment", func(v reflect.Value) reflect.Value { return reflect.ValueOf(v.Interface().(Segment).Clone()) }, reflect.TypeFor[Segment]()},
		{"Flag", func(v reflect.Value) reflect.Value { return reflect.ValueOf(v.Interface().(Flag).Clone()) }, reflect.TypeFor[Flag]()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			orig := reflect.New(tt.typ).Elem()
			n := 0
			fill(orig, tt.name, &n)
			if n < 3 {
				t.Fatalf("filled only %d values", n)
			}
			c := tt.clone(orig)
			if diff := cmp.Diff(orig.Interface(), c.Interface(), allFields); diff != "" {
				t.Fatalf("clone differs (-orig +clone):\n%s", diff)
			}
			shared(t, orig, c, tt.name)
		})
	}
}

// opaque are the struct types fill sets as a whole and shared does not
// look into: their values hold no memory of a result.
var opaque = map[reflect.Type]func(v reflect.Value){
	reflect.TypeFor[netip.Addr](): func(v reflect.Value) { v.Set(reflect.ValueOf(netip.MustParseAddr("2001:db8::1"))) },
	reflect.TypeFor[time.Time]():  func(v reflect.Value) { v.Set(reflect.ValueOf(time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC))) },
}

// fill sets v and everything it holds to non-zero values; strings are made
// at run time (on the heap), slices get two elements. n counts the values.
func fill(v reflect.Value, path string, n *int) {
	if !v.CanSet() {
		v = reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
	}
	if set, ok := opaque[v.Type()]; ok {
		set(v)
		*n++
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("%s-%d", path, *n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(*n + 1))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(*n + 1))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(*n) + 0.5)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), path+"*", n)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(v.Index(i), fmt.Sprintf("%s[%d]", path, i), n)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i), path+"."+v.Type().Field(i).Name, n)
		}
		return
	default:
		panic(fmt.Sprintf("fill: %s is a %s", path, v.Kind()))
	}
	*n++
}

// shared reports every string, slice or pointer target that a and b (equal
// values of one type) share.
func shared(t *testing.T, a, b reflect.Value, path string) {
	t.Helper()
	if _, ok := opaque[a.Type()]; ok {
		return
	}
	switch a.Kind() {
	case reflect.String:
		if a.Len() > 0 && unsafe.StringData(a.String()) == unsafe.StringData(b.String()) {
			t.Errorf("%s: the clone shares the string %q", path, a.String())
		}
	case reflect.Pointer:
		if a.IsNil() {
			return
		}
		if a.Pointer() == b.Pointer() {
			t.Errorf("%s: the clone shares the pointer", path)
		}
		shared(t, a.Elem(), b.Elem(), path+"*")
	case reflect.Slice:
		if a.Len() > 0 && a.Pointer() == b.Pointer() {
			t.Errorf("%s: the clone shares the slice", path)
		}
		for i := range min(a.Len(), b.Len()) {
			shared(t, a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Struct:
		for i := range a.NumField() {
			shared(t, a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name)
		}
	}
}
