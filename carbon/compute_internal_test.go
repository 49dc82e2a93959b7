package carbon

import (
	"fmt"
	"testing"
)

// TestComputeWithoutDetail: the figures of months are computed without the
// breakdown, and must equal Compute's.
func TestComputeWithoutDetail(t *testing.T) {
	fs := DefaultFactors()
	in := Inputs{Province: "330000", Year: 2022, Activities: []Activity{
		{Item: "bituminous_coal", Quantity: 12, Quality: Reported}, {Item: "electricity", Quantity: 240, Quality: Metered},
		{Item: "self_renewable_electricity", Quantity: 15}, {Item: "heat", Quantity: 30}, {Item: "exported_heat", Quantity: 5},
		{Item: "value_added", Quantity: 180}, {Item: "electricity", Quantity: 10, Quality: Estimated},
	}}
	full, err := Compute(fs, in)
	if err != nil {
		t.Fatal(err)
	}
	lean, err := compute(fs, in, false)
	if err != nil {
		t.Fatal(err)
	}
	if lean.Lines != nil || lean.Factors != nil {
		t.Error("compute without detail kept the breakdown")
	}
	full.Lines, full.Factors = nil, nil
	if fmt.Sprintf("%+v", full) != fmt.Sprintf("%+v", lean) {
		t.Errorf("compute without detail differs:\n%+v\n%+v", full, lean)
	}
}
