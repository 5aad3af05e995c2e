package dwarf

import (
	"encoding/hex"
	"testing"
)

// The LEB128 examples of the DWARF specification (DWARF 3, figures 22
// and 23), plus the extremes.
func TestLEB128MatchesTheSpecificationsExamples(t *testing.T) {
	for _, c := range []struct {
		v    uint64
		want string
	}{{2, "02"}, {127, "7f"}, {128, "8001"}, {129, "8101"}, {130, "8201"}, {12857, "b964"}, {0, "00"}, {1<<64 - 1, "ffffffffffffffffff01"}} {
		var b buf
		b.uleb(c.v)
		if got := hex.EncodeToString(b.b); got != c.want {
			t.Errorf("uleb(%d) = %s, want %s", c.v, got, c.want)
		}
	}
	for _, c := range []struct {
		v    int64
		want string
	}{{2, "02"}, {-2, "7e"}, {127, "ff00"}, {-127, "817f"}, {128, "8001"}, {-128, "807f"}, {129, "8101"}, {-129, "ff7e"}, {0, "00"}, {-1, "7f"}, {-1 << 63, "8080808080808080807f"}} {
		var b buf
		b.sleb(c.v)
		if got := hex.EncodeToString(b.b); got != c.want {
			t.Errorf("sleb(%d) = %s, want %s", c.v, got, c.want)
		}
	}
}

// Each row takes the fewest bytes: one special opcode when both advances
// fit, DW_LNS_const_add_pc (+17) in front of one for addresses just
// beyond, else explicit advances. The expected bytes are worked out by
// hand from DWARF's formula opcode = (line advance - line_base) +
// line_range * address advance + opcode_base, with -5, 14 and 13.
func TestRowsUseTheShortestOpcodes(t *testing.T) {
	for _, c := range []struct {
		dAddr uint64
		dLine int64
		want  string
	}{
		{0, 1, "13"},          // 6 + 13
		{5, 1, "59"},          // 6 + 70 + 13
		{0, -5, "0d"},         // the lowest special opcode
		{16, 0, "f2"},         // 5 + 224 + 13
		{17, -5, "fb"},        // 0 + 238 + 13
		{2, 8, "36"},          // 13 + 28 + 13: line advance 8 is the highest a special opcode holds
		{2, 9, "03092e"},      // advance_line 9, then (2, 0): 5 + 28 + 13
		{0, -6, "037a12"},     // advance_line -6, then (0, 0)
		{17, 1, "0813"},       // 257 would not fit: const_add_pc, then (0, 1)
		{18, 0, "0820"},       // const_add_pc, then (1, 0): 5 + 14 + 13
		{34, -5, "08fb"},      // const_add_pc, then (17, -5)
		{35, 3, "022315"},     // advance_pc 35, then (0, 3): 8 + 13
		{1000, 0, "02e80712"}, // advance_pc 1000 (LEB128 e8 07), then (0, 0)
	} {
		var b buf
		b.row(c.dAddr, c.dLine)
		if got := hex.EncodeToString(b.b); got != c.want {
			t.Errorf("row(+%d, %+d) = %s, want %s", c.dAddr, c.dLine, got, c.want)
		}
	}
}
