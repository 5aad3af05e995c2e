; A chain of jumps that grow one after another, each only once the one
; after it has: nasm 2.16 settles it in 76 passes (tiny refused it at its
; old limit of 40).
; args: -f bin
bits 64
l0: jz l12
 mov eax,[rbx+0]
 times 1 nop
l1: jz l13
 mov eax,[rbx+1]
 times 2 nop
l2: jz l14
 mov eax,[rbx+2]
 times 3 nop
l3: jz l15
 mov eax,[rbx+3]
 times 4 nop
l4: jz l16
 mov eax,[rbx+4]
 times 5 nop
l5: jz l17
 mov eax,[rbx+5]
 times 1 nop
l6: jz l18
 mov eax,[rbx+6]
 times 2 nop
l7: jz l19
 mov eax,[rbx+7]
 times 3 nop
l8: jz l20
 mov eax,[rbx+8]
 times 4 nop
l9: jz l21
 mov eax,[rbx+9]
 times 5 nop
l10: jz l22
 mov eax,[rbx+10]
 times 1 nop
l11: jz l23
 mov eax,[rbx+11]
 times 2 nop
l12: jz l24
 mov eax,[rbx+12]
 times 3 nop
l13: jz l25
 mov eax,[rbx+13]
 times 4 nop
l14: jz l26
 mov eax,[rbx+14]
 times 5 nop
l15: jz l27
 mov eax,[rbx+15]
 times 1 nop
l16: jz l28
 mov eax,[rbx+16]
 times 2 nop
l17: jz l29
 mov eax,[rbx+17]
 times 3 nop
l18: jz l30
 mov eax,[rbx+18]
 times 4 nop
l19: jz l31
 mov eax,[rbx+19]
 times 5 nop
l20: jz l32
 mov eax,[rbx+20]
 times 1 nop
l21: jz l33
 mov eax,[rbx+21]
 times 2 nop
l22: jz l34
 mov eax,[rbx+22]
 times 3 nop
l23: jz l35
 mov eax,[rbx+23]
 times 4 nop
l24: jz l36
 mov eax,[rbx+24]
 times 5 nop
l25: jz l37
 mov eax,[rbx+25]
 times 1 nop
l26: jz l38
 mov eax,[rbx+26]
 times 2 nop
l27: jz l39
 mov eax,[rbx+27]
 times 3 nop
l28: jz l40
 mov eax,[rbx+28]
 times 4 nop
l29: jz l41
 mov eax,[rbx+29]
 times 5 nop
l30: jz l42
 mov eax,[rbx+30]
 times 1 nop
l31: jz l43
 mov eax,[rbx+31]
 times 2 nop
l32: jz l44
 mov eax,[rbx+32]
 times 3 nop
l33: jz l45
 mov eax,[rbx+33]
 times 4 nop
l34: jz l46
 mov eax,[rbx+34]
 times 5 nop
l35: jz l47
 mov eax,[rbx+35]
 times 1 nop
l36: jz l48
 mov eax,[rbx+36]
 times 2 nop
l37: jz l49
 mov eax,[rbx+37]
 times 3 nop
l38: jz l50
 mov eax,[rbx+38]
 times 4 nop
l39: jz l51
 mov eax,[rbx+39]
 times 5 nop
l40: jz l52
 mov eax,[rbx+40]
 times 1 nop
l41: jz l53
 mov eax,[rbx+41]
 times 2 nop
l42: jz l54
 mov eax,[rbx+42]
 times 3 nop
l43: jz l55
 mov eax,[rbx+43]
 times 4 nop
l44: jz l56
 mov eax,[rbx+44]
 times 5 nop
l45: jz l57
 mov eax,[rbx+45]
 times 1 nop
l46: jz l58
 mov eax,[rbx+46]
 times 2 nop
l47: jz l59
 mov eax,[rbx+47]
 times 3 nop
l48: jz l60
 mov eax,[rbx+48]
 times 4 nop
l49: jz l61
 mov eax,[rbx+49]
 times 5 nop
l50: jz l62
 mov eax,[rbx+50]
 times 1 nop
l51: jz l63
 mov eax,[rbx+51]
 times 2 nop
l52: jz l64
 mov eax,[rbx+52]
 times 3 nop
l53: jz l65
 mov eax,[rbx+53]
 times 4 nop
l54: jz l66
 mov eax,[rbx+54]
 times 5 nop
l55: jz l67
 mov eax,[rbx+55]
 times 1 nop
l56: jz l68
 mov eax,[rbx+56]
 times 2 nop
l57: jz l69
 mov eax,[rbx+57]
 times 3 nop
l58: jz l70
 mov eax,[rbx+58]
 times 4 nop
l59: jz l71
 mov eax,[rbx+59]
 times 5 nop
l60: jz l72
 mov eax,[rbx+60]
 times 1 nop
l61: jz l73
 mov eax,[rbx+61]
 times 2 nop
l62: jz l74
 mov eax,[rbx+62]
 times 3 nop
l63: jz l75
 mov eax,[rbx+63]
 times 4 nop
l64: jz l76
 mov eax,[rbx+64]
 times 5 nop
l65: jz l77
 mov eax,[rbx+65]
 times 1 nop
l66: jz l78
 mov eax,[rbx+66]
 times 2 nop
l67: jz l79
 mov eax,[rbx+67]
 times 3 nop
l68: jz l80
 mov eax,[rbx+68]
 times 4 nop
l69: jz l81
 mov eax,[rbx+69]
 times 5 nop
l70: jz l82
 mov eax,[rbx+70]
 times 1 nop
l71: jz l83
 mov eax,[rbx+71]
 times 2 nop
l72: jz l84
 mov eax,[rbx+72]
 times 3 nop
l73: jz l85
 mov eax,[rbx+73]
 times 4 nop
l74: jz l86
 mov eax,[rbx+74]
 times 5 nop
l75: jz l87
 mov eax,[rbx+75]
 times 1 nop
l76: jz l88
 mov eax,[rbx+76]
 times 2 nop
l77: jz l89
 mov eax,[rbx+77]
 times 3 nop
l78: jz l90
 mov eax,[rbx+78]
 times 4 nop
l79: jz l91
 mov eax,[rbx+79]
 times 5 nop
l80: jz l92
 mov eax,[rbx+80]
 times 1 nop
l81: jz l93
 mov eax,[rbx+81]
 times 2 nop
l82: jz l94
 mov eax,[rbx+82]
 times 3 nop
l83: jz l95
 mov eax,[rbx+83]
 times 4 nop
l84: jz l96
 mov eax,[rbx+84]
 times 5 nop
l85: jz l97
 mov eax,[rbx+85]
 times 1 nop
l86: jz l98
 mov eax,[rbx+86]
 times 2 nop
l87: jz l99
 mov eax,[rbx+87]
 times 3 nop
l88: jz l100
 mov eax,[rbx+88]
 times 4 nop
l89: jz l101
 mov eax,[rbx+89]
 times 5 nop
l90: jz l102
 mov eax,[rbx+90]
 times 1 nop
l91: jz l103
 mov eax,[rbx+91]
 times 2 nop
l92: jz l104
 mov eax,[rbx+92]
 times 3 nop
l93: jz l105
 mov eax,[rbx+93]
 times 4 nop
l94: jz l106
 mov eax,[rbx+94]
 times 5 nop
l95: jz l107
 mov eax,[rbx+95]
 times 1 nop
l96: jz l108
 mov eax,[rbx+96]
 times 2 nop
l97: jz l109
 mov eax,[rbx+97]
 times 3 nop
l98: jz l110
 mov eax,[rbx+98]
 times 4 nop
l99: jz l111
 mov eax,[rbx+99]
 times 5 nop
l100: jz l112
 mov eax,[rbx+100]
 times 1 nop
l101: jz l113
 mov eax,[rbx+101]
 times 2 nop
l102: jz l114
 mov eax,[rbx+102]
 times 3 nop
l103: jz l115
 mov eax,[rbx+103]
 times 4 nop
l104: jz l116
 mov eax,[rbx+104]
 times 5 nop
l105: jz l117
 mov eax,[rbx+105]
 times 1 nop
l106: jz l118
 mov eax,[rbx+106]
 times 2 nop
l107: jz l119
 mov eax,[rbx+107]
 times 3 nop
l108: jz l120
 mov eax,[rbx+108]
 times 4 nop
l109: jz l121
 mov eax,[rbx+109]
 times 5 nop
l110: jz l122
 mov eax,[rbx+110]
 times 1 nop
l111: jz l123
 mov eax,[rbx+111]
 times 2 nop
l112: jz l124
 mov eax,[rbx+112]
 times 3 nop
l113: jz l125
 mov eax,[rbx+113]
 times 4 nop
l114: jz l126
 mov eax,[rbx+114]
 times 5 nop
l115: jz l127
 mov eax,[rbx+115]
 times 1 nop
l116: jz l128
 mov eax,[rbx+116]
 times 2 nop
l117: jz l129
 mov eax,[rbx+117]
 times 3 nop
l118: jz l130
 mov eax,[rbx+118]
 times 4 nop
l119: jz l131
 mov eax,[rbx+119]
 times 5 nop
l120: jz l132
 mov eax,[rbx+120]
 times 1 nop
l121: jz l133
 mov eax,[rbx+121]
 times 2 nop
l122: jz l134
 mov eax,[rbx+122]
 times 3 nop
l123: jz l135
 mov eax,[rbx+123]
 times 4 nop
l124: jz l136
 mov eax,[rbx+124]
 times 5 nop
l125: jz l137
 mov eax,[rbx+125]
 times 1 nop
l126: jz l138
 mov eax,[rbx+126]
 times 2 nop
l127: jz l139
 mov eax,[rbx+127]
 times 3 nop
l128: jz l140
 mov eax,[rbx+128]
 times 4 nop
l129: jz l141
 mov eax,[rbx+129]
 times 5 nop
l130: jz l142
 mov eax,[rbx+130]
 times 1 nop
l131: jz l143
 mov eax,[rbx+131]
 times 2 nop
l132: jz l144
 mov eax,[rbx+132]
 times 3 nop
l133: jz l145
 mov eax,[rbx+133]
 times 4 nop
l134: jz l146
 mov eax,[rbx+134]
 times 5 nop
l135: jz l147
 mov eax,[rbx+135]
 times 1 nop
l136: jz l148
 mov eax,[rbx+136]
 times 2 nop
l137: jz l149
 mov eax,[rbx+137]
 times 3 nop
l138: jz l150
 mov eax,[rbx+138]
 times 4 nop
l139: jz l151
 mov eax,[rbx+139]
 times 5 nop
l140: jz l152
 mov eax,[rbx+140]
 times 1 nop
l141: jz l153
 mov eax,[rbx+141]
 times 2 nop
l142: jz l154
 mov eax,[rbx+142]
 times 3 nop
l143: jz l155
 mov eax,[rbx+143]
 times 4 nop
l144: jz l156
 mov eax,[rbx+144]
 times 5 nop
l145: jz l157
 mov eax,[rbx+145]
 times 1 nop
l146: jz l158
 mov eax,[rbx+146]
 times 2 nop
l147: jz l159
 mov eax,[rbx+147]
 times 3 nop
l148: jz l160
 mov eax,[rbx+148]
 times 4 nop
l149: jz l161
 mov eax,[rbx+149]
 times 5 nop
l150: jz l162
 mov eax,[rbx+150]
 times 1 nop
l151: jz l163
 mov eax,[rbx+151]
 times 2 nop
l152: jz l164
 mov eax,[rbx+152]
 times 3 nop
l153: jz l165
 mov eax,[rbx+153]
 times 4 nop
l154: jz l166
 mov eax,[rbx+154]
 times 5 nop
l155: jz l167
 mov eax,[rbx+155]
 times 1 nop
l156: jz l168
 mov eax,[rbx+156]
 times 2 nop
l157: jz l169
 mov eax,[rbx+157]
 times 3 nop
l158: jz l170
 mov eax,[rbx+158]
 times 4 nop
l159: jz l171
 mov eax,[rbx+159]
 times 5 nop
l160: nop
l161: nop
l162: nop
l163: nop
l164: nop
l165: nop
l166: nop
l167: nop
l168: nop
l169: nop
l170: nop
l171: nop
