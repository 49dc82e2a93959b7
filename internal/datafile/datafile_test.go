package datafile

import "testing"

func TestRead(t *testing.T) {
	rows, err := Read([]byte("# source: test\ncode,value\n a , 1.5\n# note\nb,\"x, y\"\n"))
	if err != nil || len(rows) != 2 || rows[0]["code"] != "a" || rows[0]["value"] != "1.5" || rows[1]["value"] != "x, y" {
		t.Fatalf("%v %+v", err, rows)
	}
	if v, err := NonNegative(rows[0], "value"); err != nil || v != 1.5 {
		t.Errorf("%v %v", v, err)
	}
	if _, err := NonNegative(rows[1], "value"); err == nil {
		t.Error("text accepted as a number")
	}
	if _, err := Read([]byte("a,b\n1\n")); err == nil {
		t.Error("a short row accepted")
	}
}
