package x86

import "strings"

// RegClass groups registers by what instructions accept them.
type RegClass uint8

const (
	ClassNone RegClass = iota
	ClassGPR
	ClassSeg
	ClassCR
	ClassDR
	ClassIP // rip/eip, only inside memory operands
)

// Reg is a register, an index into the register table. RegNone is the zero value.
type Reg uint8

type regInfo struct {
	name  string
	class RegClass
	size  int  // bytes
	num   int  // encoding number 0..15
	rex   bool // needs a REX prefix (r8..r15, spl/bpl/sil/dil...)
	high  bool // ah, ch, dh, bh: cannot be used with REX
}

var regTable = []regInfo{{name: ""}}

var regByName = map[string]Reg{}

func addReg(name string, class RegClass, size, num int, rex, high bool) {
	regByName[name] = Reg(len(regTable))
	regTable = append(regTable, regInfo{name, class, size, num, rex, high})
}

func init() {
	legacy := []string{"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"}
	for i, n := range legacy {
		addReg("r"+n, ClassGPR, 8, i, false, false)
		addReg("e"+n, ClassGPR, 4, i, false, false)
		addReg(n, ClassGPR, 2, i, false, false)
	}
	for i, n := range []string{"al", "cl", "dl", "bl"} {
		addReg(n, ClassGPR, 1, i, false, false)
	}
	for i, n := range []string{"ah", "ch", "dh", "bh"} {
		addReg(n, ClassGPR, 1, i+4, false, true)
	}
	for i, n := range []string{"spl", "bpl", "sil", "dil"} {
		addReg(n, ClassGPR, 1, i+4, true, false)
	}
	for i := 8; i < 16; i++ {
		n := "r" + itoa(i)
		addReg(n, ClassGPR, 8, i, true, false)
		addReg(n+"d", ClassGPR, 4, i, true, false)
		addReg(n+"w", ClassGPR, 2, i, true, false)
		addReg(n+"b", ClassGPR, 1, i, true, false)
		regByName[n+"l"] = regByName[n+"b"] // nasm accepts r8l as r8b
	}
	for i, n := range []string{"es", "cs", "ss", "ds", "fs", "gs"} {
		addReg(n, ClassSeg, 2, i, false, false)
	}
	for _, i := range []int{0, 2, 3, 4, 8} {
		addReg("cr"+itoa(i), ClassCR, 0, i, i >= 8, false)
	}
	for i := 0; i < 8; i++ {
		addReg("dr"+itoa(i), ClassDR, 0, i, false, false)
	}
	addReg("rip", ClassIP, 8, 0, false, false)
	addReg("eip", ClassIP, 4, 0, false, false)
}

func itoa(i int) string {
	if i >= 10 {
		return string(rune('0'+i/10)) + string(rune('0'+i%10))
	}
	return string(rune('0' + i))
}

// RegNone means "no register".
const RegNone Reg = 0

// LookupReg finds a register by name, case-insensitively.
func LookupReg(name string) (Reg, bool) {
	r, ok := regByName[strings.ToLower(name)]
	return r, ok
}

func (r Reg) String() string   { return regTable[r].name }
func (r Reg) Class() RegClass  { return regTable[r].class }
func (r Reg) Size() int        { return regTable[r].size }
func (r Reg) Num() int         { return regTable[r].num }
func (r Reg) NeedsREX() bool   { return regTable[r].rex }
func (r Reg) IsHighByte() bool { return regTable[r].high }
func (r Reg) Valid() bool      { return r != RegNone && int(r) < len(regTable) }
