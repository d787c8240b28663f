package residents

import (
	"regexp"
	"testing"
)

func TestNormalizeDoorOneHouseholdOneForm(t *testing.T) {
	for in, want := range map[string]string{
		"3栋2单元501":     "3-2-501",
		"3-2-501":      "3-2-501",
		"3号楼2单元501室":   "3-2-501",
		"３栋２单元５０１":     "3-2-501",
		"3 栋 2 单元 501": "3-2-501",
		"三栋二单元501":     "3-2-501",
		"3幢2单元0501":    "3-2-501",
		"3号楼2单元5楼501":  "3-2-501",
		"3栋2单元5层501":   "3-2-501",
		"幸福小区3栋2单元501": "3-2-501",
		"3—2—501":      "3-2-501",
		"3/2/501":      "3-2-501",
		"a座1201":       "A-1201",
		"12栋1201":      "12-1201",
		"十二栋一单元五零一":    "12-1-501",
		"3楼501":        "3-501",
		"5楼501":        "501",
		"3號樓2單元501室":   "3-2-501",
	} {
		got, err := NormalizeDoor(in)
		if err != nil || got != want {
			t.Errorf("NormalizeDoor(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestNormalizeDoorRefusesWhatIsNoDoor(t *testing.T) {
	for _, in := range []string{"", "   ", "王阿姨家", "A栋", "1-2-3-4-5", "123456789012", "3栋2单元501室，就是进门左手边那一户，麻烦您了，门口有棵大树，树下有辆红色的自行车"} {
		if got, err := NormalizeDoor(in); err == nil {
			t.Errorf("NormalizeDoor(%q) = %q, want ErrDoor", in, got)
		}
	}
}

var doorForm = regexp.MustCompile(`^[0-9A-Z]{1,8}(-[0-9A-Z]{1,8}){0,3}$`)

// FuzzNormalizeDoor: whatever is typed, the result is the normal form
// (digits and capitals joined by "-") and normalising it again changes
// nothing, so one household keeps one key.
func FuzzNormalizeDoor(f *testing.F) {
	for _, s := range []string{"3栋2单元501", "3-2-501", "3号楼2单元501室", "３栋２单元５０１", "三栋二单元五零一", "5楼501", "A座1201",
		"十二栋", "一百零五", "零十", "3层", "0-0-0", "--", "栋栋栋", "9999999999", "二十三栋十单元"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeDoor(s)
		if err != nil {
			return
		}
		if !doorForm.MatchString(got) {
			t.Fatalf("NormalizeDoor(%q) = %q, not the normal form", s, got)
		}
		again, err := NormalizeDoor(got)
		if err != nil || again != got {
			t.Fatalf("NormalizeDoor(%q) = %q, but again gives %q, %v", s, got, again, err)
		}
	})
}
