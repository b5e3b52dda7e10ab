package pdf

// Changed returns the numbers of the objects whose cross-reference entries
// differ between f and older, an earlier revision of the same file opened
// over a prefix of it: the objects an update added, redefined or freed.
// Verification uses it for difference analysis.
func (f *File) Changed(older *File) []int {
	var nums []int
	for num, e := range f.entries {
		if o, ok := older.entries[num]; !ok || o != e {
			nums = append(nums, num)
		}
	}
	for num := range older.entries {
		if _, ok := f.entries[num]; !ok {
			nums = append(nums, num)
		}
	}
	return nums
}
