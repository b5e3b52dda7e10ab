package region

import "testing"

func TestProvinces(t *testing.T) {
	if len(Provinces) != 38 {
		t.Fatalf("%d provinces, want 38", len(Provinces))
	}
	seen := map[string]bool{}
	for _, p := range Provinces {
		if len(p.Code) != 2 || p.Code[0] < '1' || p.Code[0] > '9' || p.Code[1] < '0' || p.Code[1] > '9' {
			t.Errorf("bad code %q", p.Code)
		}
		if seen[p.Code] || seen[p.Name] {
			t.Errorf("duplicate %v", p)
		}
		seen[p.Code], seen[p.Name] = true, true
	}
	for _, tc := range []struct {
		in, code string
		ok       bool
	}{
		{"21", "21", true}, {"kepulauan  RIAU", "21", true}, {"Papua Pegunungan", "97", true},
		{"NATUNA", "", false}, {"20", "", false}, {"", "", false},
	} {
		p, ok := Find(tc.in)
		if ok != tc.ok || p.Code != tc.code {
			t.Errorf("Find(%q) = %v %v, want %q %v", tc.in, p, ok, tc.code, tc.ok)
		}
	}
}
