package iot

import (
	"encoding/json"
	"testing"
)

func TestFlexTypes(t *testing.T) {
	var v struct {
		A, B, C, D FlexInt
		E, F, G, H FlexBool
		I, J, K    FlexString
	}
	body := `{"A":5,"B":"1581595942000","C":"","D":null,"E":true,"F":"true","G":"false","H":1,"I":"198***","J":1980000000000000,"K":null}`
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	equal(t, "ints", []FlexInt{v.A, v.B, v.C, v.D}, []FlexInt{5, 1581595942000, 0, 0})
	equal(t, "bools", []FlexBool{v.E, v.F, v.G, v.H}, []FlexBool{true, true, false, true})
	equal(t, "strings", []FlexString{v.I, v.J, v.K}, []FlexString{"198***", "1980000000000000", ""})
}

func TestFlexTypesRefuseNonsense(t *testing.T) {
	var n FlexInt
	if err := json.Unmarshal([]byte(`"five"`), &n); err == nil {
		t.Error(`FlexInt accepted "five"`)
	}
	var b FlexBool
	if err := json.Unmarshal([]byte(`"maybe"`), &b); err == nil {
		t.Error(`FlexBool accepted "maybe"`)
	}
}

func TestOneOrMany(t *testing.T) {
	cases := map[string][]Tag{
		`[{"TagKey":"a"},{"TagKey":"b"}]`: {{TagKey: "a"}, {TagKey: "b"}},
		`{"TagKey":"a"}`:                  {{TagKey: "a"}},
		`null`:                            nil,
		`[]`:                              {},
	}
	for body, want := range cases {
		var got OneOrMany[Tag]
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Errorf("%s: %v", body, err)
			continue
		}
		equal(t, body, []Tag(got), want)
	}
}
